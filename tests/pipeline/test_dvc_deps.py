"""dvc.yaml's code deps must cover every file a stage imports, or editing such a file
leaves the stage stale while `dvc status` says up to date (scripts/dvc_deps.py)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

spec = importlib.util.spec_from_file_location("dvc_deps", ROOT / "scripts" / "dvc_deps.py")
dvc_deps = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dvc_deps)


def write_files(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_import_closure_follows_every_kind_of_import(tmp_path):
    write_files(tmp_path / "src", {
        "pkg/__init__.py": "",
        "pkg/main.py": "import os\nimport numpy\nimport pkg.top\nfrom pkg.sub import leaf\n"
                       "def later():\n    from pkg.lazy import value\n",
        "pkg/top.py": "from . import cycle\n",           # relative import
        "pkg/cycle.py": "from pkg.top import name\n",     # top -> cycle -> top
        "pkg/lazy.py": "from sklearn.cluster import KMeans\nvalue = 1\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/leaf.py": "",
        "pkg/sub/unused.py": "",
        "pkg/unused.py": "",
    })
    closure = dvc_deps.import_closure("pkg.main", tmp_path / "src")
    assert {p.relative_to(tmp_path / "src").as_posix() for p in closure} == {
        "pkg/__init__.py", "pkg/main.py", "pkg/top.py", "pkg/cycle.py", "pkg/lazy.py",
        "pkg/sub/__init__.py", "pkg/sub/leaf.py"}


def test_fix_rewrites_only_code_deps(tmp_path):
    """Code deps at a reader's granularity: a step folder for the files inside it, a file at the
    package root; data deps and their comments are kept, first."""
    write_files(tmp_path, {
        "src/app/__init__.py": "", "src/app/run.py": "from app import helper\nfrom app.step import logic\n",
        "src/app/helper.py": "", "src/app/step/__init__.py": "", "src/app/step/logic.py": "",
        "dvc.yaml": "# top comment\nstages:\n  run:\n    cmd: python -m app.run --fast\n    deps:\n"
                    "      - data/in.csv  # input\n      - src/app/run.py\n      - src/app/gone.py\n"
                    "      - ${paths.other}\n    outs:\n      - out.csv\n"})
    assert dvc_deps.check(tmp_path) == {"run": (["src/app/__init__.py", "src/app/helper.py", "src/app/step"],
                                                ["src/app/gone.py"])}
    dvc_deps.fix(tmp_path)
    assert (tmp_path / "dvc.yaml").read_text() == (
        "# top comment\nstages:\n  run:\n    cmd: python -m app.run --fast\n    # input\n"
        '    deps: [data/in.csv, "${paths.other}",\n'
        "      src/app/__init__.py, src/app/helper.py, src/app/run.py, src/app/step]\n    outs:\n      - out.csv\n")
    assert dvc_deps.check(tmp_path) == {"run": ([], [])}
    assert not dvc_deps.fix(tmp_path), "a second fix changes nothing"


def test_a_stage_run_through_the_dispatcher_depends_on_both_modules(tmp_path):
    """`python -m app.stage <name>` runs STAGES[name]: the dispatcher's code and the function's."""
    write_files(tmp_path, {
        "src/app/__init__.py": "", "src/app/stage.py": 'STAGES = {"clean": "app.cleaning.run:run"}\n',
        "src/app/cleaning/__init__.py": "", "src/app/cleaning/run.py": "",
        "dvc.yaml": "stages:\n  clean:\n    cmd: python -m app.stage clean\n    deps:\n      - x\n"})
    assert dvc_deps.stage_modules(tmp_path / "dvc.yaml") == {"clean": "app.cleaning.run"}
    assert dvc_deps.check(tmp_path)["clean"][0] == ["src/app/__init__.py", "src/app/cleaning", "src/app/stage.py"]


def test_every_stage_depends_on_all_the_code_it_imports():
    missing = {stage: files for stage, (files, _) in dvc_deps.check(ROOT).items() if files}
    assert not missing, "dvc.yaml deps miss imported code; run `python scripts/dvc_deps.py --fix`:\n" + "\n".join(
        f"  {stage}: {', '.join(files)}" for stage, files in missing.items())


@pytest.mark.slow
def test_editing_an_imported_function_makes_train_stale(tmp_path):
    """In a clone of what is committed: dvc status sees an edit of make_preprocessor's file under
    train, as a change of the step folder that holds it."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    [edited] = [p for p in (clone / "src").rglob("*.py") if "def make_preprocessor" in p.read_text()]
    edited.write_text(edited.read_text() + "# a harmless edit\n")
    edited_dep = dvc_deps.granular(edited, clone / "src")  # its step folder: src/segmentation/features
    assert edited_dep == "src/segmentation/features"

    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    dvc = Path(sys.executable).parent / "dvc"
    result = subprocess.run([str(dvc), "status", "--json"], cwd=clone, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout.strip().splitlines()[-1])

    def changed_deps(stage: str) -> dict:
        return {path: state for change in status.get(stage, []) if isinstance(change, dict)
                for path, state in change.get("changed deps", {}).items()}

    assert changed_deps("train").get(edited_dep) == "modified", status.get("train")
    unaffected = [stage for stage, module in dvc_deps.stage_modules(clone / "dvc.yaml").items()
                  if edited_dep not in dvc_deps.expected_code_deps(module, clone)]
    assert unaffected, "every stage imports the edited file; nothing to compare with"
    for stage in unaffected:
        assert edited_dep not in changed_deps(stage), stage


def test_every_stage_that_can_run_on_spark_reruns_when_the_engine_changes():
    """A stage whose code opens the configured engine (engines/connect.py) must list the
    `engine` param, or `dvc exp run -S engine=spark` keeps its DuckDB output and skips it."""
    import yaml

    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    connect = ROOT / "src" / "segmentation" / "engines" / "connect.py"
    on_engine = {stage for stage, modules in dvc_deps.stage_commands(ROOT / "dvc.yaml").items()
                 if any(connect in dvc_deps.import_closure(module, ROOT / "src") for module in modules)}
    assert {"ingest", "clean", "features", "snapshots", "eda"} <= on_engine
    without = sorted(s for s in on_engine
                     if not any((p if isinstance(p, str) else next(iter(p))) == "engine" for p in stages[s].get("params", [])))
    assert not without, f"stages that open the engine but do not list the `engine` param: {without}"


def test_the_report_reruns_when_the_monitor_writes_a_new_check():
    """The report and dashboard show the monitor's files (Segment health): a check run by hand or
    by a scheduler must make the report stale, so the report stage depends on the monitor's folder."""
    import yaml

    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    monitor_outs = [next(iter(out)) if isinstance(out, dict) else out for out in stages["monitor"]["outs"]]
    assert monitor_outs == ["${paths.monitor}"] and "${paths.monitor}" in stages["report"]["deps"]
