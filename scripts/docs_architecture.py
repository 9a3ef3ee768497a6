"""The architecture page's tree, generated from the package itself.

Step folders in the order of the flow: a folder comes after every folder it imports; among the
folders that may come next, the infrastructure (no DVC stage of its own, imported by other folders)
first, then the one whose stage runs first in `segmentation.stage.STAGES`, then the edges (no stage,
imported by no folder: only commands use them). Each folder is shown with its docstring's first
paragraph; the commands are the root modules with a `__main__` guard.
"""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "segmentation"


def folders() -> list[str]:
    return sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def imported_folders(folder: str) -> set[str]:
    """The other step folders a folder's modules import (at any depth, lazily or not)."""
    found = set()
    for path in (PACKAGE / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            found |= {name.split(".")[1] for name in names if name.startswith("segmentation.") and name.count(".")}
    return found & set(folders()) - {folder}


def stage_rank() -> dict[str, int]:
    """Folder -> the position of its first DVC stage in segmentation.stage.STAGES."""
    tree = ast.parse((PACKAGE / "stage.py").read_text())
    stages = next(node.value for node in tree.body if isinstance(node, ast.Assign)
                  and getattr(node.targets[0], "id", "") == "STAGES")
    targets = [ast.literal_eval(value) for value in stages.values]
    functions = [function for target in targets for function in ([target] if isinstance(target, str) else target)]
    ranks: dict[str, int] = {}
    for position, function in enumerate(functions):
        ranks.setdefault(function.split(".")[1], position)
    return ranks


def flow() -> list[str]:
    remaining = {folder: imported_folders(folder) for folder in folders()}
    imported = set().union(*remaining.values())
    ranks, order = stage_rank(), []
    while remaining:
        ready = [f for f, needs in remaining.items() if needs <= set(order)]
        if not ready:
            raise SystemExit(f"import cycle between step folders: {sorted(remaining)}")
        chosen = min(ready, key=lambda f: (1 if f in ranks else 0 if f in imported else 2, ranks.get(f, 0), f))
        order.append(chosen)
        del remaining[chosen]
    return order


def first_paragraph(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    return re.sub(r"\s+", " ", doc.split("\n\n")[0]).strip()


def commands() -> list[str]:
    return sorted(p.name for p in PACKAGE.glob("*.py") if any(
        isinstance(node, ast.If) and "__main__" in ast.unparse(node.test) for node in ast.parse(p.read_text()).body))


def tree() -> str:
    """The generated block of docs/architecture.md: the package as a tree, in the order of the flow."""
    lines = ["```text", "src/segmentation/"]
    for folder in flow():
        words = textwrap.wrap(first_paragraph(PACKAGE / folder / "__init__.py"), 96)
        lines.append(f"  {folder + '/':<13} {words[0] if words else ''}")
        lines += [f"  {'':<13} {line}" for line in words[1:]]
    lines += [f"  {' '.join(commands())}   (the commands)", "```"]
    return "\n".join(lines)
