"""Making a dataset the project's default: pure text and mapping edits behind `use_data`.

`dvc exp run -S`, Hydra sweeps, `select` and `assign` all compose `conf/`, so a data choice
made only with overrides is lost at the next run. The durable way is a `conf/data/<name>.yaml`
and the one `- data: <name>` line of `conf/config.yaml`; params.yaml is then recomposed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import yaml
from omegaconf import OmegaConf

from segmentation.common.errors import UserError

GLOBAL_HEADER = "# @package _global_"
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_DEFAULT_LINE = re.compile(r"^(\s*-\s*data:\s*)([^\s#]+)(.*)$", re.MULTILINE)


def check_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise UserError(f"'{name}' is not a usable data config name. Fix: use letters, digits, _ or -, "
                        "starting with a letter (e.g. my_shop).")
    return name


def is_global(text: str) -> bool:
    """Whether a data config file sets root keys (`@package _global_`, e.g. its own snapshots)."""
    return text.lstrip().startswith(GLOBAL_HEADER)


def apply_overrides(template_text: str, name: str, overrides: Sequence[str]) -> dict:
    """The template's content with `data.*` (and, in a global file, any root) overrides applied
    and `name` set. Values are YAML: `data.columns.invoice=null`, `data.sheets=[A,B]`."""
    content = yaml.safe_load(template_text) or {}
    glob = is_global(template_text)
    config = OmegaConf.create(content if glob else {"data": content})
    for item in overrides:
        key, sep, _ = item.partition("=")
        if not sep or not key:
            raise UserError(f"'{item}' is not key=value. Fix: write overrides as data.path=data/shop.csv.")
        if not glob and not key.startswith("data."):
            raise UserError(f"'{key}' is not a data setting. Fix: only data.* keys go into a data config "
                            "(pass other settings on the command line or edit conf/).")
        try:
            config.merge_with(OmegaConf.from_dotlist([item]))
        except Exception as err:  # OmegaConf raises several types for a malformed value
            raise UserError(f"'{item}' could not be read ({err}). Fix: quote lists and text, e.g. "
                            "'data.sheets=[Sheet1]'.") from None
    config.data.name = name
    plain = OmegaConf.to_container(config, resolve=True)
    return plain if glob else plain["data"]


def render(content: Mapping, glob: bool, command: str) -> str:
    """The data config file's text: where it came from, then the settings."""
    header = [GLOBAL_HEADER] if glob else []
    header.append(f"# Written by `{command}`; edit freely (docs/your-own-data.md).")
    return "\n".join(header) + "\n" + yaml.safe_dump(dict(content), sort_keys=False, allow_unicode=True)


def set_default(config_text: str, name: str) -> str:
    """conf/config.yaml with its `- data: <option>` default replaced by `name` (comments kept)."""
    if len(_DEFAULT_LINE.findall(config_text)) != 1:
        raise UserError("conf/config.yaml does not have exactly one `- data: <name>` line in its defaults. "
                        "Fix: restore it (e.g. `- data: synthetic`).")
    return _DEFAULT_LINE.sub(lambda match: f"{match.group(1)}{name}{match.group(3)}", config_text)


def current_default(config_text: str) -> str:
    found = _DEFAULT_LINE.search(config_text)
    return found.group(2) if found else ""
