"""Command: make a dataset the project's default, durably.

    python -m segmentation.use_data my_shop --from transactions data.path=data/shop.csv \\
        data.columns.invoice_date=order_date data.currency=USD
    python -m segmentation.use_data synthetic            # back to the rehearsal data

Writes `conf/data/<name>.yaml` (from a template, or updating the existing file with the
overrides), makes it the default in `conf/config.yaml`, checks that `conf/` composes, and
rewrites params.yaml. Every later `dvc repro`, `dvc exp run -S model=...`, sweep, `select` and
`assign` then uses it.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from segmentation.common.config import compose, write_params
from segmentation.common.errors import UserError, cli
from segmentation.common.money import check_currency
from segmentation.common.project import project_root
from segmentation.data.choice import apply_overrides, check_name, current_default, is_global, render, set_default


def use_data(name: str, template: str | None, overrides: list[str]) -> str:
    """Write/choose the data config; return a one-line summary."""
    conf = project_root() / "conf"
    target = conf / "data" / f"{check_name(name)}.yaml"
    source = conf / "data" / f"{template}.yaml" if template else target
    if template is None and not target.is_file() and overrides:
        source = conf / "data" / "transactions.yaml"
    if not source.is_file():
        options = sorted(path.stem for path in (conf / "data").glob("*.yaml"))
        raise UserError(f"conf/data/{source.stem}.yaml does not exist. Fix: pick one of {options} "
                        "(--from <template> to start a new one from it).")
    config_path = conf / "config.yaml"
    config_text, before = config_path.read_text(encoding="utf-8"), None
    if overrides or template:
        text = source.read_text(encoding="utf-8")
        content = apply_overrides(text, name, overrides)
        check_currency((content.get("data", content) or {}).get("currency"))
        command = "python -m segmentation.use_data " + shlex.join(sys.argv[1:])
        before = target.read_text(encoding="utf-8") if target.is_file() else None
        target.write_text(render(content, is_global(text), command), encoding="utf-8")
    previous = current_default(config_text)
    config_path.write_text(set_default(config_text, name), encoding="utf-8")
    try:
        compose()
    except UserError:  # leave conf/ as it was: no half-made choice
        config_path.write_text(config_text, encoding="utf-8")
        if before is None and (overrides or template):
            target.unlink(missing_ok=True)
        elif before is not None:
            target.write_text(before, encoding="utf-8")
        raise
    write_params()
    return (f"use_data: the default data is now '{name}' (was '{previous}'; conf/data/{name}.yaml); params.yaml "
            "rewritten. Next: `dvc repro` (or `make repro`).")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m segmentation.use_data", description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="data config name: conf/data/<name>.yaml")
    parser.add_argument("--from", dest="template", default=None,
                        help="start from conf/data/<template>.yaml (transactions, online_retail_ii, olist, ...)")
    parser.add_argument("overrides", nargs="*", help="data.key=value settings (YAML values)")
    args = parser.parse_intermixed_args(argv)
    print(cli(lambda: use_data(args.name, args.template, args.overrides))())


if __name__ == "__main__":
    main()
