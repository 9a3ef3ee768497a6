"""The configuration reference, generated from `conf/` and the validation rules.

Every key of the default composition (and the keys only some options of a group set), with its
default, the values `common/validation.py` allows and its meaning: the YAML comment on the key's
line (and its continuation lines), else the comment lines just above it.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from segmentation.common import validation
from segmentation.common.config import compose

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "conf"
KEY_LINE = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z_][\w.]*):(?P<value>[^#]*?)(?:\s+#\s?(?P<comment>.*))?$")
COMMENT_LINE = re.compile(r"^(?P<indent> *)#\s?(?P<text>.*)$")
SKIPPED_ROOTS = ("defaults", "hydra")


def comments(path: Path, prefix: str = "") -> dict[str, str]:
    """Dotted key -> its meaning, from the comments of one YAML file."""
    meanings: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    above: list[str] = []
    last = None   # (indent, dotted key) of the last key with an inline comment, for continuation lines
    block_indent, seen_key = None, False
    for line in path.read_text().splitlines():
        if block_indent is not None and (not line.strip() or len(line) - len(line.lstrip()) > block_indent):
            continue
        block_indent = None
        comment, key = COMMENT_LINE.match(line), KEY_LINE.match(line)
        if comment:
            if last and len(comment["indent"]) > last[0]:
                meanings[last[1]] += " " + comment["text"].strip()
            elif not comment["text"].startswith("@package"):
                above.append(comment["text"].strip())
                last = None
            continue
        if not key:
            above, last = [], None if line.strip() == "" else last
            continue
        indent = len(key["indent"])
        stack = [(i, k) for i, k in stack if i < indent] + [(indent, key["key"])]
        dotted = ".".join(k for _, k in stack)
        if key["value"].strip() in ("|", ">"):
            block_indent = indent
        meaning = key["comment"] or (" ".join(above) if seen_key else "")   # the file's header is not a key's
        seen_key = True
        if meaning:
            meanings[f"{prefix}{dotted}"] = meaning.strip()
        last = (indent, f"{prefix}{dotted}") if key["comment"] else None
        above = []
    return meanings


def flatten(node, prefix: str = "") -> dict[str, object]:
    if isinstance(node, dict) and node and not prefix.endswith(("overrides.", "options.")):
        flat = {}
        for key, value in node.items():
            flat.update(flatten(value, f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): node}


def option_values(group: str, option: str) -> dict[str, object]:
    """The keys one option of a group sets (with the options it extends), as dotted keys."""
    raw = yaml.safe_load((CONF / group / f"{option}.yaml").read_text()) or {}
    merged: dict[str, object] = {}
    for base in raw.pop("defaults", []):
        if isinstance(base, str) and base != "_self_":
            merged.update(option_values(group, base))
    is_global = (CONF / group / f"{option}.yaml").read_text().startswith("# @package _global_")
    own = flatten({k: v for k, v in raw.items() if k not in SKIPPED_ROOTS}, "" if is_global else f"{group}.")
    return {**merged, **own}


def shown(value) -> str:
    text = validation.shown(value) if not isinstance(value, str) else value
    return "`" + text.replace("|", "\\|") + "`" if text != "" else "`''`"


def allowed(key: str) -> str:
    rule = next((r for r in validation.RULES if r.key == key), None)
    if rule is None:
        return ""
    if rule.kind in ("choice", "choices"):
        text = " \\| ".join(shown(o) for o in rule.options)
        text = text if rule.kind == "choice" else f"a list of {text}"
    elif rule.kind == "boolean":
        text = "`true` \\| `false`"
    elif rule.kind == "replaced":
        return f"replaced by `{rule.example}`: leave null"
    else:
        text = ("a whole number" if rule.kind == "whole" else "a number") + (
            f" {validation.bounds(rule)}" if validation.bounds(rule) else "")
    return text + (f"; null: {rule.null}" if rule.null else "")


def row(key: str, default, others: str | None, meaning: str) -> str:
    """A table row; `others` None: the table has no "set differently by" column (root keys)."""
    text = meaning.replace("|", "\\|").replace("<", "&lt;").replace("{", "&#123;")   # no HTML, no attr_list
    cells = [f"`{key}`", default, *([] if others is None else [others]), allowed(key), text]
    return "| " + " | ".join(cells) + " |"


def groups() -> dict[str, str]:
    """Group -> its default option, from the defaults list of conf/config.yaml."""
    listed = yaml.safe_load((CONF / "config.yaml").read_text())["defaults"]
    return {group: option for entry in listed if isinstance(entry, dict) for group, option in entry.items()}


def header(path: Path) -> str:
    """The comment lines that open a YAML file, as one sentence."""
    lines = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        if "@package" not in line:
            lines.append(line.lstrip("# ").strip())
    return " ".join(lines)


def group_section(group: str, default: str | None, composed: dict, meanings: dict) -> list[str]:
    options = sorted(p.stem for p in (CONF / group).glob("*.yaml"))
    values = {option: option_values(group, option) for option in options}
    for option in sorted(options, key=lambda name: name != default):   # the default option's words first
        prefix = "" if (CONF / group / f"{option}.yaml").read_text().startswith("# @package _global_") else f"{group}."
        meanings.update({k: v for k, v in comments(CONF / group / f"{option}.yaml", prefix).items() if k not in meanings})
    heads = {option: header(CONF / group / f"{option}.yaml").replace("<", "&lt;") for option in options}
    lines = [f"### `{group}`", "", f"Options (`{group}=<option>`, default **{default or 'none'}**):", ""]
    lines += [f"- `{option}`" + (f": {heads[option]}" if heads[option] else "") for option in options]
    keys = sorted({key for option_keys in values.values() for key in option_keys if not key.startswith("hydra")})
    if group == "experiment" or not keys:
        return lines + [""]
    lines += ["", "| key | default | set differently by | allowed | meaning |", "|---|---|---|---|---|"]
    for key in keys:
        base = composed.get(key, values.get(default, {}).get(key, "—"))
        others = ", ".join(f"`{o}`: {shown(v[key])}" for o, v in values.items()
                           if o != default and key in v and v[key] != base)
        lines.append(row(key, shown(base) if base != "—" else "—", others, meanings.get(key, "")))
    return lines + [""]


def reference() -> str:
    """The generated part of docs/reference/configuration.md."""
    cfg = compose([])
    from omegaconf import OmegaConf

    composed = flatten(OmegaConf.to_container(cfg, resolve=False))
    meanings = comments(CONF / "config.yaml")
    chosen = groups()
    group_keys = {key for group in chosen for key in composed if key.startswith(f"{group}.")}
    lines = ["### Root keys", "", "Set on the command line as `key=value`; defined in `conf/config.yaml`.", "",
             "| key | default | allowed | meaning |", "|---|---|---|---|"]
    for key, value in composed.items():
        if key not in group_keys and not key.startswith(SKIPPED_ROOTS):
            lines.append(row(key, shown(value), None, meanings.get(key, "")))
    lines.append("")
    for group, default in chosen.items():
        lines += group_section(group, default, composed, dict(meanings))
    return "\n".join(lines)
