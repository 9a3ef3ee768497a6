"""`python -m segmentation.stage`: a stage's records (its `record` functions) run after its work,
in a process beside it that imported MLflow and opened the store meanwhile, and a failing record
is still one line and exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from conftest import make_project

PROBE = '''
import os
from pathlib import Path

from segmentation.common.errors import UserError


def run(cfg):
    Path("work.txt").write_text(str(os.getpid()))


def record(cfg):
    if Path("fail").exists():
        raise UserError("the probe's record failed. Fix: remove the file 'fail'.")
    Path("recorded.txt").write_text(Path("work.txt").read_text() + " " + str(os.getpid()))
'''


def run_probe(project):
    """A stage of one work and one record function, run as `dvc repro` runs a stage."""
    code = ("import sys, segmentation.stage as stage; "
            "stage.STAGES['probe'] = ['probe:run', 'probe:record']; sys.exit(stage.main(['probe']))")
    env = {**os.environ, "SEGMENTATION_ROOT": str(project),
           "PYTHONPATH": os.pathsep.join([str(project), os.environ.get("PYTHONPATH", "")])}
    env.pop("MLFLOW_TRACKING_URI", None)  # the project's own store, whatever the session points at
    return subprocess.run([sys.executable, "-c", code], cwd=project, env=env, capture_output=True, text=True,
                          timeout=120)


def test_a_record_runs_after_the_work_in_another_process_that_opened_the_store(tmp_path):
    project = make_project(tmp_path)
    (project / "probe.py").write_text(textwrap.dedent(PROBE))
    result = run_probe(project)
    assert result.returncode == 0, result.stderr
    work_pid, record_pid = (project / "recorded.txt").read_text().split()
    assert work_pid != record_pid  # the record saw the work's file, from its own process
    assert (project / "mlruns" / "mlflow.db").is_file()  # the store it opened while the work ran


def test_a_failing_record_is_one_line_and_exit_2(tmp_path):
    project = make_project(tmp_path)
    (project / "probe.py").write_text(textwrap.dedent(PROBE))
    (project / "fail").touch()
    result = run_probe(project)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert [line for line in result.stderr.splitlines() if line.strip()] == [
        "error: the probe's record failed. Fix: remove the file 'fail'."]
    assert (project / "work.txt").is_file() and not (project / "recorded.txt").exists()
