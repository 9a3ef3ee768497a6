"""Keep each dvc.yaml stage's code deps equal to the files its entry module imports.

Hand-written deps miss files that stages import (often lazily, inside functions), so a
change to such a file leaves the stage stale while `dvc status` says it is up to date.
This derives each stage's code deps from its `python -m <module>` cmd by following the
imports with `ast`, without importing anything.

    python scripts/dvc_deps.py         # report missing and stale code deps; exit 1 if any is missing
    python scripts/dvc_deps.py --fix   # rewrite the deps: blocks of dvc.yaml (comments and order kept)

Only Python files under src/ count as code deps; every other dep (data paths such as
`${paths.clean}`, or a non-Python file under src/) is left alone.
"""

from __future__ import annotations

import ast
import shlex
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]


def module_file(module: str, src_root: Path) -> Path | None:
    """The file that `import module` executes from src_root, or None (third-party, namespace package)."""
    base = src_root.joinpath(*module.split("."))
    for candidate in (base / "__init__.py", base.with_name(base.name + ".py")):
        if candidate.is_file():
            return candidate
    return None


def _module_name(path: Path, src_root: Path) -> tuple[str, bool]:
    """(dotted name, is a package) of a file under src_root."""
    parts = list(path.relative_to(src_root).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    return ".".join(parts[:-1] if is_package else parts), is_package


def imported_modules(path: Path, src_root: Path) -> set[str]:
    """Every module a file may import, anywhere in it (functions included), as dotted names."""
    name, is_package = _module_name(path, src_root)
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: `from ..x import y` inside package a.b.c means a.b.x
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.add(base)
            # `from pkg import name` imports pkg.name too when that is a submodule
            found.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return found


def import_closure(module: str, src_root: Path) -> set[Path]:
    """The files under src_root that importing `module` can execute: the module, every
    package __init__.py on the way to each imported module, and all they import in turn."""
    src_root = Path(src_root).resolve()
    files: set[Path] = set()
    pending = [module]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if not name:  # `from . import x` beyond the top package
            continue
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):  # `import a.b.c` runs a/__init__.py and a/b/__init__.py first
            prefix = ".".join(parts[:depth])
            if prefix in seen:
                continue
            seen.add(prefix)
            path = module_file(prefix, src_root)
            if path is not None:
                files.add(path)
                pending.extend(imported_modules(path, src_root))
    return files


def stage_modules(dvc_yaml: Path) -> dict[str, str]:
    """Stage name -> the module its cmd runs with `python -m`; stages without one are skipped."""
    stages = (yaml.safe_load(Path(dvc_yaml).read_text()) or {}).get("stages") or {}
    modules = {}
    for stage, spec in stages.items():
        cmds = spec.get("cmd", []) if isinstance(spec, dict) else []
        for cmd in [cmds] if isinstance(cmds, str) else cmds:
            words = shlex.split(cmd)
            if "-m" in words[:-1]:
                modules[stage] = words[words.index("-m") + 1]
                break
    return modules


def _is_code(dep: str) -> bool:
    return dep.startswith("src/") and dep.endswith(".py")


def expected_code_deps(module: str, repo_root: Path) -> list[str]:
    """Repo-relative, sorted files that `python -m module` executes (a package runs its __main__)."""
    src_root = Path(repo_root).resolve() / "src"
    files = import_closure(module, src_root)
    if module_file(module, src_root) == src_root.joinpath(*module.split("."), "__init__.py"):
        files |= import_closure(f"{module}.__main__", src_root)
    return sorted(path.relative_to(Path(repo_root).resolve()).as_posix() for path in files)


def check(repo_root: Path = REPO_ROOT) -> dict[str, tuple[list[str], list[str]]]:
    """Stage -> (code files it imports but does not list, listed code files it does not import)."""
    dvc_yaml = Path(repo_root) / "dvc.yaml"
    stages = yaml.safe_load(dvc_yaml.read_text())["stages"]
    result = {}
    for stage, module in stage_modules(dvc_yaml).items():
        expected = set(expected_code_deps(module, repo_root))
        listed = {dep for dep in stages[stage].get("deps") or [] if isinstance(dep, str) and _is_code(dep)}
        result[stage] = (sorted(expected - listed), sorted(listed - expected))
    return result


def _value(mapping: yaml.MappingNode, key: str):
    return next((value for k, value in mapping.value if k.value == key), None)


def fix(repo_root: Path = REPO_ROOT) -> bool:
    """Rewrite dvc.yaml so each stage's code deps are exactly its closure, sorted, after
    its other deps. Only the deps: item lines change. Returns whether the file changed."""
    dvc_yaml = Path(repo_root) / "dvc.yaml"
    text = dvc_yaml.read_text()
    lines = text.splitlines(keepends=True)
    stages_node = _value(yaml.compose(text), "stages")
    edits = []  # (first line, last line + 1, new lines), applied bottom-up
    for stage, module in stage_modules(dvc_yaml).items():
        spec = _value(stages_node, stage)
        expected = expected_code_deps(module, repo_root)
        deps = _value(spec, "deps")
        if deps is None or deps.flow_style or any(not isinstance(n, yaml.ScalarNode) for n in deps.value):
            raise SystemExit(f"dvc.yaml: stage {stage!r}: give it a block list of deps (one path a line) to use --fix")
        first, last = deps.value[0].start_mark.line, deps.value[-1].start_mark.line
        item_prefix = lines[first][: lines[first].index("-") + 2]  # e.g. "      - "
        kept, code_lines, pending_comments = [], {}, []
        for number in range(first, last + 1):
            line = lines[number]
            item = next((node for node in deps.value if node.start_mark.line == number), None)
            if item is None:  # a comment or blank line travels with the item below it
                pending_comments.append(line)
            elif _is_code(item.value):
                code_lines[item.value] = pending_comments + [line]
                pending_comments = []
            else:
                kept += pending_comments + [line]
                pending_comments = []
        for dep in expected:
            kept += code_lines.get(dep, [f"{item_prefix}{dep}\n"])
        if kept != lines[first: last + 1]:
            edits.append((first, last + 1, kept))
    for start, stop, new in sorted(edits, reverse=True):
        lines[start:stop] = new
    changed = "".join(lines) != text
    if changed:
        dvc_yaml.write_text("".join(lines))
    return changed


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv not in ([], ["--fix"]):
        print(__doc__, file=sys.stderr)
        return 2
    if argv == ["--fix"]:
        print("dvc.yaml updated" if fix() else "dvc.yaml already matches the imports")
        return 0
    any_missing = False
    for stage, (missing, extra) in check().items():
        for dep in missing:
            print(f"{stage}: missing {dep}")
        for dep in extra:
            print(f"{stage}: not imported {dep}")
        any_missing |= bool(missing)
    if any_missing:
        print("run `python scripts/dvc_deps.py --fix` to make each stage's code deps its imports")
    return 1 if any_missing else 0


if __name__ == "__main__":
    sys.exit(main())
