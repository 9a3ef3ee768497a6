"""Stage entry points: a user's mistake gives one plain line, exit 2, and no output file."""

from __future__ import annotations

import pandas as pd
from conftest import UCI_MAPPING, conf_group, make_project, run_stage, uci_sheets


def transactions_source(path: str, **columns) -> dict:
    """conf/data/transactions.yaml mapped onto the UCI layout (whose cancellations start with C)."""
    return conf_group("data", "transactions", path=path, columns={**UCI_MAPPING, **columns}, cancellation_prefix="C")


def assert_clean_failure(result, *fragments):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_missing_column_fails_with_one_line_and_leaves_no_output(tmp_path):
    project = make_project(tmp_path, data=transactions_source("data/t.csv", customer_id="Client"))
    (project / "data").mkdir()
    pd.concat(uci_sheets().values()).to_csv(project / "data" / "t.csv", index=False)
    result = run_stage("ingest", project)
    assert_clean_failure(result, "customer_id='Client'", "Columns found", "Fix:")
    assert not (project / "build").exists() or not any((project / "build").iterdir())


def test_wrong_sheet_fails_cleanly(tmp_path):
    from conftest import write_xlsx

    project = make_project(tmp_path, data={**transactions_source("data/x.xlsx"), "sheets": ["Sheet9"]})
    (project / "data").mkdir()
    write_xlsx(project / "data" / "x.xlsx", uci_sheets())
    assert_clean_failure(run_stage("ingest", project), "Sheet9", "Year 2009-2010")


def test_bad_scale_fails_cleanly(tmp_path):
    project = make_project(tmp_path, data={**transactions_source("x"), "scale": -1})
    assert_clean_failure(run_stage("generate", project), "data.scale=-1")
    assert not (project / "build" / "synthetic.parquet").exists()


def test_ingest_then_clean_on_a_real_format_xlsx(tmp_path):
    from conftest import write_xlsx

    source = {**transactions_source("data/online_retail_II.xlsx"), "sheets": ["Year 2009-2010", "Year 2010-2011"]}
    project = make_project(tmp_path, data=source)
    (project / "data").mkdir()
    write_xlsx(project / "data" / "online_retail_II.xlsx", uci_sheets())
    assert run_stage("ingest", project).returncode == 0
    result = run_stage("clean", project)
    assert result.returncode == 0, result.stderr
    import json

    report = json.loads((project / "reports" / "cleaning.json").read_text())
    assert report["lines_in"] == 7 and report["removed"]["non_product"]["lines"] == 1
    assert report["flagged"] == {"unidentified": {"lines": 1, "revenue": 100.8},
                                 "cancellations": {"lines": 1, "revenue": -35.4}}


def test_hydra_entry_runs_the_same_steps_and_fails_cleanly(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "out"
    overrides = [f"paths.synthetic={out}/s.parquet", f"data.path={out}/s.parquet", f"paths.raw={out}/raw.parquet",
                 f"paths.clean={out}/clean.parquet", f"paths.cleaning_report={out}/cleaning.json",
                 f"paths.cleaning_metrics={out}/cleaning_metrics.json", f"paths.ingest_report={out}/ingest.json",
                 f"paths.last_source={out}/last_source.txt",
                 f"hydra.run.dir={tmp_path}/hydra", "data.scale=0.01"]
    ok = subprocess.run([sys.executable, "-m", "segmentation.prepare", *overrides], cwd=tmp_path,
                        capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert (out / "clean.parquet").is_file() and (out / "cleaning.json").is_file()
    bad = subprocess.run([sys.executable, "-m", "segmentation.prepare", *overrides, "data.columns.price=Prix"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert_clean_failure(bad, "price='Prix'")
