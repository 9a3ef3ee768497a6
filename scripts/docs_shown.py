"""The commands the README and the documentation show, as argument lists (what tests run or check).

`shown_commands()` finds every `python -m segmentation.…` and `dvc exp run …` in code blocks and
inline code of README.md and docs/ (continuation lines joined, comments dropped, chains split on
`&&`, `;` and `|`); `walkthrough(page, heading)` returns the commands of the first code block
after a heading, in order, so a test can execute exactly what a page tells the user to type.
"""

from __future__ import annotations

import itertools
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
STARTS = (("python", "-m"), ("dvc", "exp", "run"))
GENERATED_MARK = "BEGIN GENERATED readme"   # docs/index.md repeats README.md


def documents() -> list[Path]:
    pages = [p for p in sorted((ROOT / "docs").rglob("*.md")) if GENERATED_MARK not in p.read_text()]
    return [ROOT / "README.md", *pages]


def split_chain(line: str) -> list[list[str]]:
    """One shell line as its commands: comments dropped, `&&`, `;` and `|` separate commands."""
    try:
        tokens = shlex.split(line, comments=True)
    except ValueError:
        return []
    commands, current = [], []
    for token in tokens:
        if token in ("&&", ";", "|", "||", ">", ">>", "2>&1"):
            commands.append(current)
            current = []
        else:
            current.append(token)
    return [c for c in [*commands, current] if c]


def shell_lines(block: str) -> list[str]:
    """A code block's lines with backslash continuations joined and `$ ` prompts removed."""
    joined = re.sub(r"\\\n\s*", " ", block)
    return [line.removeprefix("$ ") for line in joined.splitlines()]


def is_shown_command(argv: list[str]) -> bool:
    if argv[:2] == ["python", "-m"] or (argv[0].endswith("/python") and argv[1:2] == ["-m"]):
        return len(argv) > 2 and argv[2].startswith("segmentation")
    return argv[:3] == ["dvc", "exp", "run"]


def commands_in(text: str) -> list[list[str]]:
    """The commands a text shows (a `$ command` followed by an `error:` line is a mistake: not here)."""
    found = []
    for language, block in FENCE.findall(text):
        lines = shell_lines(block)
        mistakes = {line for line, after in zip(block.splitlines(), block.splitlines()[1:]) if after.startswith("error: ")}
        if language in ("bash", "sh", "cron", ""):
            found += [argv for line in lines if "$ " + line not in mistakes for argv in split_chain(line)]
    outside = FENCE.sub("", text)
    found += [argv for span in INLINE.findall(outside) for argv in split_chain(span)]
    return [argv for argv in found if is_shown_command(argv)]


def shown_commands() -> list[tuple[str, list[str]]]:
    """(document, argv) for every command shown in README.md and docs/."""
    return [(str(path.relative_to(ROOT)), argv) for path in documents() for argv in commands_in(path.read_text())]


def shown_mistakes() -> list[tuple[list[str], str]]:
    """(argv, the error line shown under it): the commands the docs show failing, `$ command` then `error: …`."""
    found = []
    for path in documents():
        for _, block in FENCE.findall(path.read_text()):
            lines = block.splitlines()
            for line, after in itertools.pairwise(lines):
                if line.startswith("$ ") and after.startswith("error: "):
                    found += [(argv, after) for argv in split_chain(line[2:])]
    return found


def walkthrough(page: str, heading: str) -> list[list[str]]:
    """The commands of the first code block after the line holding `heading` in `page`."""
    text = (ROOT / page).read_text()
    after = text[text.index(heading):]
    _, block = FENCE.search(after).groups()
    return [argv for line in shell_lines(block) for argv in split_chain(line)]
