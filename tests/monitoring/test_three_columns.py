"""The contract month by month on data we did not make: a customer/date/amount CSV (dollars, no
invoice, product or country) arriving as one file per month. Each month's file is added, ingest
and clean process it alone, and the monitor checks a model deployed before those months; a
check killed midway loses nothing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
from conftest import make_project
from layouts.minimal import write_minimal_csv
from omegaconf import OmegaConf

from segmentation.cleaning import run as clean_stage
from segmentation.common.config import compose, load_params
from segmentation.data import run as ingest_stage
from segmentation.features import run as features_stage
from segmentation.models import run as train_stage
from segmentation.monitoring import run as monitor_stage

DATA = ["data=transactions", "data.columns.customer_id=customer", "data.columns.invoice_date=date",
        "data.columns.amount=amount", "data.currency=USD", "data.name=my_shop"]


def test_a_three_column_shop_in_monthly_files_is_monitored_month_after_month(tmp_path, monkeypatch, store, capsys):
    orders = pd.read_csv(write_minimal_csv(tmp_path / "orders.csv", scale=0.1))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    month = orders["date"].str[:7]
    files = {name: orders[month == name] for name in sorted(month.unique())}
    for name, part in files.items():
        if name < "2024-09":
            part.to_csv(inbox / f"orders-{name}.csv", index=False)
    cfg = compose([*DATA, f"data.path={inbox}", "features.cutoff=2024-09-01", "monitor.replay=false",
                   "monitor.min_new_customers=5", "monitor.min_new_lines=20"])
    project = make_project(tmp_path, **{k: v for k, v in OmegaConf.to_container(cfg, resolve=True).items()})
    monkeypatch.setenv("SEGMENTATION_ROOT", str(project))
    for stage in (ingest_stage.run, clean_stage.run, features_stage.customer_features, train_stage.run):
        stage(load_params())
    for name in ("2024-09", "2024-10", "2024-11", "2024-12"):
        files[name].to_csv(inbox / f"orders-{name}.csv", index=False)
        capsys.readouterr()
        ingest_stage.run(load_params())
        assert "1 read now" in capsys.readouterr().out  # only the new month's file
        clean_stage.run(load_params())
        latest = monitor_stage.run(load_params())
        assert latest["deployed_at"] == "2024-09-01" and latest["status"] in ("ok", "refresh_due"), latest["reasons"]
        if latest["status"] == "ok" and latest["band_low"] < 0.75:  # a small shop: a wide band, said so
            assert any(reason.startswith("the check is coarse") for reason in latest["reasons"])
    history = pd.read_csv(project / "reports" / "monitor" / "history.csv")
    assert history["cutoff"].str[:7].tolist() == ["2024-10", "2024-11", "2024-12", "2024-12"]
    assert history["new_customers"].is_monotonic_increasing and history["new_customers"].iloc[-1] > 5
    assert history["agreement"].between(-1, 1).all() and history["band_low"].notna().all()
    latest = json.loads((project / "reports" / "monitor" / "latest.json").read_text())
    assert "GBP" not in json.dumps(latest) and latest["model"].startswith("the pipeline's default model")
    # killed (SIGKILL) in the middle of a check: the history stays as it was, and the next run of
    # that month writes what the uninterrupted run wrote
    history_file = project / "reports" / "monitor" / "history.csv"
    kept = history_file.read_bytes()
    process = subprocess.Popen([sys.executable, "-m", "segmentation.stage", "monitor"], cwd=project,
                               env={**os.environ, "SEGMENTATION_ROOT": str(project)}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(3)  # imports take about 2.5 s here: the kill lands in the check
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert history_file.read_bytes() == kept
    json.loads((project / "reports" / "monitor" / "latest.json").read_text())  # whole, not half-written
    monitor_stage.run(load_params())
    assert history_file.read_bytes() == kept
    shutil.rmtree(inbox)
