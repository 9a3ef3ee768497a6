"""Malformed inputs through the real entry points: one clear line, exit 2, no traceback,
no output file and no temporary file left behind."""

from __future__ import annotations

import os

import pandas as pd
import pytest
import yaml
from conftest import UCI_MAPPING, conf_group, make_project, run_stage, uci_sheets, write_xlsx

TX = {"customer_id": "client", "invoice_date": "day", "price": None, "amount": "amount", "invoice": None,
      "quantity": None, "country": None, "stock_code": None, "description": None}
GOOD = "client,day,amount\nA,2011-01-03,10.0\nB,2011-01-04,20.0\n"


def source(path: str, columns: dict = TX, **options) -> dict:
    """conf/data/transactions.yaml (the one truth) pointed at `path` with these columns."""
    return conf_group("data", "transactions", path=path, columns=columns, **options)


def text(content: str, encoding: str = "utf-8"):
    return lambda path: path.write_bytes(content.encode(encoding))


def xlsx(sheets):
    return lambda path: write_xlsx(path, sheets)


# name, file name, writer, data overrides, expected fragment of the message
INGEST_CASES = [
    ("empty file", "t.csv", text(""), {}, "is empty (0 bytes)"),
    ("header only", "t.csv", text("client,day,amount\n"), {}, "header but no data rows"),
    ("missing column", "t.csv", text("customer,day,amount\nA,2011-01-03,1\n"), {}, "client"),
    ("renamed UCI column", "t.csv", text(pd.concat(uci_sheets().values()).rename(
        columns={"Customer ID": "CustomerID"}).to_csv(index=False)), {"columns": UCI_MAPPING},
     "data.columns.customer_id=CustomerID"),
    ("duplicated header", "t.csv", text("client,day,amount,amount\nA,2011-01-03,1,2\n"), {}, "repeats column"),
    ("semicolons with decimal commas", "t.csv", text("client;day;amount\nA;2011-01-03;3,50\n"), {},
     "decimal separator"),
    ("Latin-1 file declared UTF-8", "t.csv", text("client,day,amount\nRéunion,2011-01-03,1\n", "latin-1"),
     {"encoding": "utf-8"}, "encoding (data.encoding)"),
    ("mixed date formats", "t.csv", text("client,day,amount\nA,2011-01-03,1\nB,03/01/2011 10:00,2\n"), {},
     "one consistent format"),
    ("dates in the future", "t.csv", text("client,day,amount\nA,2999-01-03,1\n"), {}, "in the future"),
    ("price with a currency sign", "t.csv", text('client,day,amount\nA,2011-01-03,"£3.50"\n'), {}, "currency"),
    ("price with a decimal comma", "t.csv", text('client,day,amount\nA,2011-01-03,"3,50"\n'), {},
     "decimal separator"),
    ("missing price", "t.csv", text("client,day,amount\nA,2011-01-03,\n"), {}, "is empty on data row 1"),
    ("infinite price", "t.csv", text("client,day,amount\nA,2011-01-03,inf\n"), {}, "infinite value"),
    ("non-numeric quantity", "t.csv", text("client,day,amount,qty\nA,2011-01-03,1,ten\n"),
     {"columns": {**TX, "quantity": "qty"}}, "column 'qty' are not numbers"),
    ("numeric dates without a format", "t.parquet",
     lambda p: pd.DataFrame({"client": ["A"], "day": [20110103], "amount": [1.0]}).to_parquet(p), {},
     "data.date_format='%Y%m%d'"),
    ("unexpected sheet names", "t.xlsx", xlsx({"Sheet1": uci_sheets()["Year 2009-2010"]}),
     {"columns": UCI_MAPPING, "sheets": ["Year 2009-2010", "Year 2010-2011"]}, "Sheets in the file: ['Sheet1']"),
    ("corrupted xlsx", "t.xlsx", lambda p: p.write_bytes(b"PK\x03\x04 broken"), {}, "not a readable Excel file"),
    ("corrupted parquet", "t.parquet", lambda p: p.write_bytes(b"PAR1 broken"), {}, "not a readable parquet file"),
    ("unknown extension", "t.json", text("{}"), {}, "cannot tell the format"),
    ("missing file", "absent.csv", None, {}, "data file not found"),
]


def assert_one_clear_line(result, fragment: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr[-3000:])
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr[-3000:]
    assert fragment in errors[0] and "Fix" in errors[0], errors[0]


def assert_no_outputs(folder) -> None:
    if folder.exists():
        left = [p.name for p in folder.rglob("*") if p.is_file()]
        assert not left, left


@pytest.mark.parametrize("name, filename, write, options, fragment", INGEST_CASES, ids=[c[0] for c in INGEST_CASES])
def test_ingest_refuses_bad_files_cleanly(tmp_path, name, filename, write, options, fragment):
    project = make_project(tmp_path, data=source(f"data/{filename}", **options))
    (project / "data").mkdir()
    if write:
        write(project / "data" / filename)
    assert_one_clear_line(run_stage("ingest", project), fragment)
    assert_no_outputs(project / "build")


def test_a_path_leaving_the_project_is_refused(tmp_path):
    (tmp_path / "outside.csv").write_text(GOOD)
    project = make_project(tmp_path, data=source("../outside.csv"))
    assert_one_clear_line(run_stage("ingest", project), "leads outside the project")


def test_extreme_quantities_are_accepted_and_accounted_for(tmp_path):
    project = make_project(tmp_path, data=source("data/t.csv", columns={**TX, "quantity": "qty", "invoice": "inv"}))
    (project / "data").mkdir()
    (project / "data" / "t.csv").write_text("client,day,amount,qty,inv\nA,2011-01-03,168469.6,80995,1\n"
                                           "A,2011-01-03,-168469.6,-80995,C2\nB,2011-01-04,10,5,3\n")
    assert run_stage("ingest", project).returncode == 0
    assert run_stage("clean", project).returncode == 0
    report = yaml.safe_load((project / "metrics" / "cleaning.json").read_text())
    assert report["removed"]["quantity_outliers"] == {"lines": 2, "revenue": 0.0}


def prepared(tmp_path, content: str, **params):
    """A project whose raw and clean stages already ran on `content`."""
    project = make_project(tmp_path, data=source("data/t.csv", columns={**TX, "invoice": "inv", "quantity": "qty"}),
                           **params)
    (project / "data").mkdir()
    (project / "data" / "t.csv").write_text(content)
    for stage in ("ingest", "clean"):
        result = run_stage(stage, project)
        assert result.returncode == 0, result.stderr
    return project


def test_every_line_cancelled_leaves_no_customer_to_describe(tmp_path):
    project = prepared(tmp_path, "client,day,amount,qty,inv\nA,2011-01-03,-10,-2,C1\nB,2011-01-04,-5,-1,C2\n")
    assert_one_clear_line(run_stage("features", project), "no identified customer has a purchase")
    assert not (project / "build" / "features.parquet").exists()


def test_a_cutoff_before_the_data_starts(tmp_path):
    project = prepared(tmp_path, "client,day,amount,qty,inv\nA,2011-01-03,10,1,1\nB,2011-01-04,20,2,2\n")
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["features"]["cutoff"] = "2000-01-01"
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    assert_one_clear_line(run_stage("features", project), "before the first line")


def test_precomputed_features_without_their_id_column(tmp_path):
    project = make_project(tmp_path)
    pd.DataFrame({"recency": [1], "frequency": [2], "monetary": [3.0]}).to_csv(project / "f.csv", index=False)
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["features"].update(precomputed="f.csv", columns=["recency", "frequency", "monetary"])
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    assert_one_clear_line(run_stage("features", project), "no customer id column among")


def training_project(tmp_path, customers: int, **model):
    project = make_project(tmp_path)
    rows = [{"customer_id": f"c{i}", "recency": 5 + i, "frequency": 1 + i % 7, "monetary": 100.0 + 37 * i}
            for i in range(customers)]
    pd.DataFrame(rows).to_csv(project / "f.csv", index=False)
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["features"].update(precomputed="f.csv", columns=["recency", "frequency", "monetary"])
    params["model"].update(model)
    params["evaluation"]["bootstrap_resamples"] = 2
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    return project


@pytest.mark.parametrize("customers, model, fragment", [
    (1, {}, "larger than the number of customers (1)"),
    (30, {"n_clusters": 50}, "k=50 is larger than the number of customers (30)"),
    (30, {"n_clusters": -3}, "model.n_clusters=-3 must be a whole number"),
    (30, {"_target_": "sklearn.cluster.DBSCANN"}, "model._target_='sklearn.cluster.DBSCANN' cannot be imported"),
], ids=["one customer only", "k above the customers", "negative k", "unknown estimator"])
def test_training_refuses_impossible_configurations(tmp_path, customers, model, fragment):
    project = training_project(tmp_path, customers, **model)
    result = run_stage("train", project,
                        env_extra={"MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'm.db'}"})
    assert_one_clear_line(result, fragment)
    assert_no_outputs(project / "reports")


def test_a_config_typo_on_the_command_line_is_named(tmp_path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "segmentation.train", "model=dbscan",
                             f"hydra.run.dir={tmp_path}"], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'm.db'}"})
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "model/dbscan" in result.stderr and "Available options" in result.stderr


@pytest.mark.parametrize("section, key", [("features", "scaler"), ("model", "short_names"),
                                          ("evaluation", "silhouette_max_customers")])
def test_a_setting_missing_from_the_config_is_named_not_defaulted(tmp_path, section, key):
    """Defaults live in conf/ only: code never falls back to a literal of its own."""
    project = training_project(tmp_path, 30)
    params = yaml.safe_load((project / "params.yaml").read_text())
    del params[section][key]
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    result = run_stage("train", project,
                        env_extra={"MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'm.db'}"})
    assert_one_clear_line(result, f"config key {section}.{key} is missing")
    assert_no_outputs(project / "reports")
