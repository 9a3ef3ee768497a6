"""The README's Quick start is what it says: its commands are Makefile targets, `make repro` runs
`dvc repro`, and the session's small `dvc repro` (the `built_pipeline` fixture) prints the lines the
README shows and writes the outputs it lists. The three-column walk-through of "Your own data" is
executed by tests/pipeline/test_any_shop_pipeline.py, which reads its commands from the page."""

from __future__ import annotations

import re
import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import docs_shown

README = (ROOT / "README.md").read_text()
WALKTHROUGH = ("docs/your-own-data.md", "From a three-column CSV to a report")


def section(title: str) -> str:
    return README.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def quick_start_commands() -> list[list[str]]:
    return docs_shown.walkthrough("README.md", "## Quick start")


def recipe(target: str) -> str:
    """A Makefile target's prerequisites line and its commands (a target may have no command of its own)."""
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(rf"^{target}:(.*\n(?:\t.*\n)*)", makefile, re.MULTILINE)
    assert match, f"no make target {target}"
    return match.group(1)


def test_the_quick_start_commands_are_make_targets_and_repro_runs_dvc_repro():
    commands = quick_start_commands()
    assert [argv[0] for argv in commands] == ["make", "make"]
    for _, target in commands:
        recipe(target)
    assert "dvc repro" in recipe("repro")


@pytest.mark.xdist_group("pipeline")
def test_make_repro_prints_what_the_readme_shows_and_writes_the_outputs_it_lists(built_pipeline):
    shown = section("Quick start").split("```text\n", 1)[1].split("```", 1)[0]
    for line in shown.splitlines():
        assert line.split("…")[0].strip() in built_pipeline.output, line
    outputs = re.findall(r"`((?:reports|metrics|build)/[^`]*)`", section("Where the outputs land"))
    assert len(outputs) >= 8
    for output in outputs:
        assert (built_pipeline.project / output).exists(), output


def test_the_readme_walk_through_is_the_one_the_docs_page_runs():
    """The README's own-data commands are the page's, which the any-shop pipeline test executes."""
    readme = [argv for argv in docs_shown.walkthrough("README.md", "## Your own data")]
    page = docs_shown.walkthrough(*WALKTHROUGH)
    assert readme[0] == page[1] and readme[1] == page[2] == ["dvc", "repro"]
    assert "docs_shown.walkthrough(*WALKTHROUGH)" in (ROOT / "tests" / "pipeline" / "test_any_shop_pipeline.py").read_text()
