"""The command reference, generated from the commands themselves.

A command is a module at the package root with a `__main__` guard. Each is shown with its module
docstring (indented lines become code blocks) and its usage: argparse commands' own `--help`; the
Hydra commands' usage line from `hydra.help` in conf/config.yaml (their `--help` then lists every
config group and key, which the configuration reference shows once).
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import yaml
from docs_architecture import PACKAGE, ROOT, commands


def is_hydra(path: Path) -> bool:
    return "@hydra.main" in path.read_text()


def markdown_of(docstring: str) -> list[str]:
    """A docstring as markdown: a paragraph of indented lines (examples) becomes a bash code block."""
    lines = []
    for paragraph in docstring.split("\n\n"):
        rows = paragraph.strip("\n").splitlines()
        if rows and all(row.startswith("    ") for row in rows):
            lines += ["```bash", *(row[4:] for row in rows), "```", ""]
        else:
            lines += [*(escaped(row) for row in rows), ""]
    return lines


def escaped(text: str) -> str:
    """Prose with `<placeholders>` outside code spans shown as text, not taken for HTML tags."""
    parts = text.split("`")
    return "`".join(part.replace("<", "&lt;") if index % 2 == 0 else part for index, part in enumerate(parts))


def hydra_usage(name: str) -> str:
    header = yaml.safe_load((ROOT / "conf" / "config.yaml").read_text())["hydra"]["help"]["header"]
    return header.splitlines()[0].replace("${hydra.job.name}", name)


def help_text(name: str) -> str:
    """`python -m segmentation.<name> --help`, run from the project root (argparse commands only)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
           "COLUMNS": "100"}
    result = subprocess.run([sys.executable, "-m", f"segmentation.{name}", "--help"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    return (result.stdout or result.stderr).rstrip()


def usage(name: str, path: Path) -> str:
    if is_hydra(path):
        return hydra_usage(name) + "\n\n(`--help` adds every config group and key: see the configuration reference.)"
    if name == "stage":
        sys.path.insert(0, str(ROOT / "src"))
        from segmentation.stage import usage as stage_usage

        return stage_usage()
    if "argparse" in path.read_text():
        return help_text(name)
    return f"usage: python -m segmentation.{name}   (no arguments)"


def reference() -> str:
    """The generated block of docs/reference/commands.md."""
    lines = []
    for file_name in commands():
        name, path = file_name.removesuffix(".py"), PACKAGE / file_name
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        lines += [f"## `{name}`", "", *markdown_of(doc), "```text", usage(name, path), "```", ""]
    return "\n".join(lines).rstrip()
