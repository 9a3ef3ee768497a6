"""The monitor as a user runs it: the stage in `dvc repro` (the check and the replay), then the
command month after month on a model deployed in mid-2011, with exit codes a scheduler reads."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pandas as pd
import pytest
import yaml
from conftest import PIPELINE_SCALE, assert_one_line, project_env

from segmentation.monitoring.history import COLUMNS

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline")]


def command(project, module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], cwd=project, env=project_env(project),
                          capture_output=True, text=True, timeout=600)


def monitor_command(*overrides: str) -> list[str]:
    """The command as a user types it in the pipeline's copy (whose data are at the suite's scale)."""
    return [sys.executable, "-m", "segmentation.monitor", "monitor.replay=false", f"data.scale={PIPELINE_SCALE}",
            *overrides]


def monitor(project, *overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(monitor_command(*overrides), cwd=project, env=project_env(project), capture_output=True,
                          text=True, timeout=600)


def test_the_pipeline_monitors_its_own_model_and_replays_the_months(built_pipeline):
    folder = built_pipeline.project / "reports" / "monitor"
    latest = json.loads((folder / "latest.json").read_text())
    assert latest["status"] == "not_enough_data" and latest["new_customers"] == 0  # deployed on all the data
    assert "0 new customers since the deployment (at least 20 needed)" in latest["reasons"][0]
    assert list(pd.read_csv(folder / "history.csv").columns) == COLUMNS
    policies = pd.read_csv(folder / "policies.csv")
    assert policies["policy"].tolist() == ["every 1 month", "every 3 months", "every 6 months", "every 12 months",
                                           "monitor"]
    assert policies.loc[0, "refreshes"] == policies.loc[0, "months"] == 12  # every month: each month refreshes
    recommendation = json.loads((folder / "recommendation.json").read_text())
    assert recommendation["sentence"] and (folder / "policies.png").stat().st_size > 10_000


def test_month_after_month_the_history_grows_and_the_exit_code_follows_the_status(pipeline_copy):
    params = yaml.safe_load((pipeline_copy / "params.yaml").read_text())
    params["features"]["cutoff"] = "2011-06-01"  # deploy a model trained on the data before June 2011
    (pipeline_copy / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    for stage in ("features", "train"):
        done = command(pipeline_copy, "segmentation.stage", stage)
        assert done.returncode == 0, done.stderr[-2000:]
    run_id = (pipeline_copy / "build" / "cache" / "train_run_id.txt").read_text().strip()
    assert_one_line(monitor(pipeline_copy, "monitor.as_of=2011-05-01"),
                    "monitor.as_of=2011-05-01 is before 2011-06-01, the cutoff of the deployed model, the pipeline's "
                    f"default model (run {run_id}): no champion registered yet, run `segmentation.select`. "
                    "Fix: a date on or after it.")
    statuses = []
    # the suite's small shop gains a few customers a month: lower minimums to judge
    minimums = ("monitor.min_new_customers=5", "monitor.min_new_lines=50")
    for as_of in ("2011-10-01", "2011-12-01", "2011-10-01"):  # the same month twice: replaced, not appended
        result = monitor(pipeline_copy, f"monitor.as_of={as_of}", *minimums)
        latest = json.loads((pipeline_copy / "reports" / "monitor" / "latest.json").read_text())
        assert result.returncode == (3 if latest["status"] == "refresh_due" else 0), result.stderr[-2000:]
        assert latest["deployed_at"] == "2011-06-01" and latest["new_customers"] >= 5
        assert latest["band_origin"].startswith("kept" if statuses else "computed now")
        assert latest["status"] in ("ok", "refresh_due") and latest["reasons"]
        assert "/#/experiments/" in result.stdout and "compareRunsMode=CHART" in result.stdout  # the checks as charts
        statuses.append(latest["status"])
    history = pd.read_csv(pipeline_copy / "reports" / "monitor" / "history.csv")
    assert len(history[history["deployed_at"] != "2011-06-01"]) == 1  # the pipeline's own check is kept
    history = history[history["deployed_at"] == "2011-06-01"]
    assert len(history) == 2
    assert history["cutoff"].tolist()[-2:] == ["2011-10-01", "2011-12-01"]
    assert history["days_since_deployment"].tolist()[-2:] == [122, 183]
    with sqlite3.connect(pipeline_copy / "mlruns" / "mlflow.db") as db:
        runs = db.execute("SELECT r.name FROM runs r JOIN experiments e ON r.experiment_id = e.experiment_id "
                          "WHERE e.name = 'monitoring'").fetchall()
    assert {"check-2011-10-01", "check-2011-12-01"} <= {name for (name,) in runs}
    with sqlite3.connect(pipeline_copy / "mlruns" / "mlflow.db") as db:
        active = db.execute("SELECT r.name FROM runs r JOIN experiments e ON r.experiment_id = e.experiment_id "
                            "WHERE e.name = 'monitoring' AND r.lifecycle_stage = 'active' "
                            "AND r.name = 'check-2011-10-01'").fetchall()
    assert len(active) == 1  # checked twice: the rerun replaced the first run, as it replaced its history row
