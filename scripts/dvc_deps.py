"""Keep each dvc.yaml stage's code deps equal to the code its entry module imports.

Hand-written deps miss code that stages import (often lazily, inside functions), so a change
to it leaves the stage stale while `dvc status` says it is up to date. This derives each
stage's code deps from its cmd by following the imports with `ast`, without importing
anything. `python -m segmentation.stage <name>` runs the function `STAGES[name]` names in
src/segmentation/stage.py, so both that module and the function's module are followed.

Deps are listed at the granularity a reader understands: a step folder of the package
(`src/segmentation/features`) for every file imported inside it, a file for a module at the
package root (`src/segmentation/stage.py`).

    python scripts/dvc_deps.py         # report missing and stale code deps; exit 1 if any is missing
    python scripts/dvc_deps.py --fix   # rewrite the deps: blocks of dvc.yaml (comments and order kept)

Only code under src/ counts as a code dep; every other dep (data paths such as `${paths.clean}`)
is left alone.
"""

from __future__ import annotations

import ast
import shlex
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
WIDTH = 118  # dvc.yaml's line length


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


def dispatched(module: str, argument: str, src_root: Path) -> list[str]:
    """The modules of the functions a dispatcher module's `STAGES[argument]` ("module:function",
    or a list of them) names; none when `module` holds no STAGES table or not that name."""
    path = module_file(module, src_root)
    if path is None:
        return []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        targets = [node.target] if isinstance(node, ast.AnnAssign) else getattr(node, "targets", [])
        if any(isinstance(t, ast.Name) and t.id == "STAGES" for t in targets) and node.value is not None:
            target = ast.literal_eval(node.value).get(argument) or []
            return list(dict.fromkeys(t.split(":")[0] for t in ([target] if isinstance(target, str) else target)))
    return []


def stage_commands(dvc_yaml: Path) -> dict[str, list[str]]:
    """Stage name -> the modules its cmd executes: the one `python -m` runs, then the module a
    dispatcher (`python -m segmentation.stage <name>`) calls; stages without one are skipped."""
    stages = (yaml.safe_load(Path(dvc_yaml).read_text()) or {}).get("stages") or {}
    src_root = Path(dvc_yaml).resolve().parent / "src"
    modules = {}
    for stage, spec in stages.items():
        cmds = spec.get("cmd", []) if isinstance(spec, dict) else []
        for cmd in [cmds] if isinstance(cmds, str) else cmds:
            words = shlex.split(cmd)
            if "-m" in words[:-1]:
                position = words.index("-m") + 1
                ran = [words[position]]
                modules[stage] = ran + (dispatched(words[position], words[position + 1], src_root)
                                        if len(words) > position + 1 else [])
                break
    return modules


def stage_modules(dvc_yaml: Path) -> dict[str, str]:
    """Stage name -> the module holding its logic (the first dispatched one, else the one `-m` runs)."""
    return {stage: modules[min(1, len(modules) - 1)] for stage, modules in stage_commands(dvc_yaml).items()}


def _is_code(dep: str) -> bool:
    return dep.startswith("src/") and "${" not in dep


def granular(path: Path, src_root: Path) -> str:
    """The dep that covers a file of src_root: its step folder (`src/<package>/<folder>`), or
    the file itself at a package's root."""
    parts = path.relative_to(src_root).parts
    return "/".join(("src", *parts[:2])) if len(parts) > 2 else "/".join(("src", *parts))


def expected_code_deps(modules: str | list[str], repo_root: Path) -> list[str]:
    """Repo-relative, sorted code deps (step folders and root files) that running `modules`
    executes (a package runs its __main__)."""
    src_root = Path(repo_root).resolve() / "src"
    files: set[Path] = set()
    for module in [modules] if isinstance(modules, str) else modules:
        files |= import_closure(module, src_root)
        if module_file(module, src_root) == src_root.joinpath(*module.split("."), "__init__.py"):
            files |= import_closure(f"{module}.__main__", src_root)
    return sorted({granular(path, src_root) for path in files})


def check(repo_root: Path = REPO_ROOT) -> dict[str, tuple[list[str], list[str]]]:
    """Stage -> (code it imports but does not list, listed code it does not import)."""
    dvc_yaml = Path(repo_root) / "dvc.yaml"
    stages = yaml.safe_load(dvc_yaml.read_text())["stages"]
    result = {}
    for stage, modules in stage_commands(dvc_yaml).items():
        expected = set(expected_code_deps(modules, repo_root))
        listed = {dep for dep in stages[stage].get("deps") or [] if isinstance(dep, str) and _is_code(dep)}
        result[stage] = (sorted(expected - listed), sorted(listed - expected))
    return result


def _value(mapping: yaml.MappingNode, key: str):
    return next((value for k, value in mapping.value if k.value == key), None)


def deps_lines(indent: str, data: list[str], code: list[str], width: int = WIDTH) -> list[str]:
    """`deps:` as one flow list: the data deps, then the code deps from a new line, wrapped at `width`."""
    lines, line = [], f"{indent}deps: ["
    for group in (data, code):
        if group and not line.endswith("["):
            lines.append(line + ",\n")
            line = indent + "  "
        for position, dep in enumerate(group):
            dep = f'"{dep}"' if any(c in dep for c in "{}[],#") else dep  # plain in a flow list otherwise
            piece = dep if position == 0 else f", {dep}"
            if len(line) + len(piece) + 1 > width and line.strip():
                lines.append(line + ",\n")
                line, piece = indent + "  ", dep
            line += piece
    return lines + [line + "]\n"]


def fix(repo_root: Path = REPO_ROOT) -> bool:
    """Rewrite dvc.yaml so each stage's code deps are exactly its closure, sorted, after its
    other deps, as one flow list (`deps_lines`); a comment among block-list deps moves above
    `deps:`. Only the deps lines change. Returns whether the file changed."""
    dvc_yaml = Path(repo_root) / "dvc.yaml"
    text = dvc_yaml.read_text()
    lines = text.splitlines(keepends=True)
    stages_node = _value(yaml.compose(text), "stages")
    edits = []  # (first line, last line + 1, new lines), applied bottom-up
    for stage, modules in stage_commands(dvc_yaml).items():
        spec = _value(stages_node, stage)
        key, deps = next(((k, v) for k, v in spec.value if k.value == "deps"), (None, None))
        if deps is None or any(not isinstance(n, yaml.ScalarNode) for n in deps.value):
            raise SystemExit(f"dvc.yaml: stage {stage!r}: give it a list of deps (paths) to use --fix")
        first = key.start_mark.line
        last = deps.end_mark.line if deps.flow_style else deps.value[-1].start_mark.line
        comments = [line.strip() for line in lines[first + 1: last + 1] if line.strip().startswith("#")]
        comments += [line[line.index(" #") + 1:].strip() for line in lines[first: last + 1]
                     if " #" in line and not line.strip().startswith("#")]
        indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
        data = [node.value for node in deps.value if not _is_code(node.value)]
        new = [f"{indent}{comment}\n" for comment in comments]
        new += deps_lines(indent, data, expected_code_deps(modules, repo_root))
        if new != lines[first: last + 1]:
            edits.append((first, last + 1, new))
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
