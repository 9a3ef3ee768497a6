"""Write the generated parts of the documentation; `--check` says which page is stale instead.

    python scripts/docs_generate.py           # rewrite the generated blocks (make docs runs it)
    python scripts/docs_generate.py --check   # exit 1 and name the stale pages (the test does the same)

A generated block sits between `<!-- BEGIN GENERATED <name> -->` and `<!-- END GENERATED <name> -->`
in its page; the prose around it is written by hand. The blocks: the configuration reference (conf/
and the validation rules), the command reference (each command's docstring and usage), the
architecture tree (the package) and the measured performance (bench/results.json).
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "src")]

import docs_architecture  # after the path: scripts/ and src/ are not installed
import docs_commands
import docs_config


def performance() -> str:
    spec = importlib.util.spec_from_file_location("bench_report", ROOT / "bench" / "report.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.report()


def home() -> str:
    """The README as the site's home page: its links point into the site instead of the repository."""
    text = (ROOT / "README.md").read_text()
    return text.replace("](docs/", "](").replace("](CHANGELOG.md)", "](changelog.md)")


#: page -> {block name: what writes it}
BLOCKS: dict[str, dict[str, Callable[[], str]]] = {
    "docs/index.md": {"readme": home},
    "docs/reference/configuration.md": {"configuration": docs_config.reference},
    "docs/reference/commands.md": {"commands": docs_commands.reference},
    "docs/architecture.md": {"tree": docs_architecture.tree},
    "docs/performance.md": {"measured": performance},
}


def block_pattern(name: str) -> re.Pattern:
    return re.compile(rf"(<!-- BEGIN GENERATED {name} [^>]*-->\n)(?:.*?\n)?(<!-- END GENERATED {name} -->)", re.DOTALL)


def rendered(page: str, blocks: dict[str, Callable[[], str]]) -> str:
    """The page with each of its generated blocks as the generator writes it now."""
    text = (ROOT / page).read_text()
    for name, write in blocks.items():
        pattern = block_pattern(name)
        if not pattern.search(text):
            raise SystemExit(f"{page} has no block '{name}': add <!-- BEGIN GENERATED {name} (...) --> and "
                             f"<!-- END GENERATED {name} --> where it goes")
        content = write()
        text = pattern.sub(lambda match, content=content: match.group(1) + content + "\n" + match.group(2), text)
    return text


def stale_pages() -> list[str]:
    return [page for page, blocks in BLOCKS.items() if rendered(page, blocks) != (ROOT / page).read_text()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a generated page differs")
    args = parser.parse_args()
    if args.check:
        stale = stale_pages()
        for page in stale:
            print(f"stale: {page}. Fix: python scripts/docs_generate.py")
        return 1 if stale else 0
    for page, blocks in BLOCKS.items():
        text = rendered(page, blocks)
        if text != (ROOT / page).read_text():
            (ROOT / page).write_text(text)
            print(f"wrote {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
