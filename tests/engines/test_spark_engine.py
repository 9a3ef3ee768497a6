"""engine=spark gives what DuckDB gives: the cleaning report to the line and penny, the
customer features to 1e-9 and the company-performance aggregates, on the synthetic shop and
on the public real layouts (UCI xlsx, customer/date/amount CSV, CDNOW text, Olist folder).

One local Spark session (local[2]) serves the module; the SQL is the DuckDB SQL transpiled by
SQLGlot, so these tests are what keeps the two engines from drifting."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import ROOT, uci_sheets, write_xlsx
from layouts.cdnow import write_cdnow_like
from layouts.minimal import write_minimal_csv
from layouts.olist import write_olist

from segmentation.cleaning.rules import clean_file, cleaning_rules
from segmentation.cleaning.rules_spark import clean_on_spark
from segmentation.common.errors import UserError
from segmentation.company.sales import company_performance, lines_view
from segmentation.data import synthetic
from segmentation.data.facts import frame_facts, source_facts
from segmentation.data.ingest_spark import ON_SPARK, ingest_on_spark
from segmentation.data.readers import detect_format, iter_transactions, mapped_columns
from segmentation.data.schema import schema_for
from segmentation.engines.spark import SparkConnection, session
from segmentation.features.rfm import features_from_file

# its module fixtures are built once: every test of this module runs on one xdist worker
pytestmark = pytest.mark.xdist_group("spark")

pytest.importorskip("pyspark")


@pytest.fixture(scope="module")
def spark_con():
    settings = yaml.safe_load((ROOT / "conf" / "engine" / "spark.yaml").read_text())["spark"]
    # short queries on small data: the JVM's optimising compiler and parallel GC threads cost more
    # CPU than they save (this module: 88 -> 55 CPU-seconds, the other test worker's share)
    settings["options"]["spark.driver.extraJavaOptions"] = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
    return SparkConnection(session(settings))


def data_config(name: str, **overrides) -> dict:
    loaded = yaml.safe_load((ROOT / "conf" / "data" / f"{name}.yaml").read_text())
    data = loaded.get("data", loaded)
    columns = {**data.get("columns", {}), **overrides.pop("columns", {})}
    return {**data, **overrides, "columns": columns, "scale": None}


def ingested(data: dict, target) -> tuple:
    """The source as the ingest stage writes it (canonical parquet), and the cleaning rules."""
    frames = list(iter_transactions(data))
    tables = [pa.Table.from_pandas(f, schema=schema_for(f.columns), preserve_index=False) for f in frames]
    pq.write_table(pa.concat_tables(tables), target)
    rules = cleaning_rules(yaml.safe_load((ROOT / "conf" / "cleaning" / "default.yaml").read_text()), data,
                           source_facts([frame_facts(f) for f in frames], mapped_columns(data)))
    return target, rules


def both_engines(tmp_path, data: dict, spark_con):
    """Ingest and clean on each engine (Spark reads the source itself when it can: parquet,
    CSV, text); the canonical lines and what the source supplies must be the same."""
    raw, rules = ingested(data, tmp_path / "raw.parquet")
    spark_raw = raw
    if detect_format(Path(data["path"]), data.get("format")) in ON_SPARK:
        spark_raw = tmp_path / "raw_spark.parquet"
        lines, facts = ingest_on_spark(spark_con, data, spark_raw)
        here, there = pq.read_table(raw), pq.read_table(spark_raw)
        assert there.schema.names == here.schema.names
        assert lines == here.num_rows and facts == rules_facts(data, here.to_pandas())
        assert there.cast(here.schema).equals(here)  # the same lines, in the same order
    on_duckdb = clean_file(raw, tmp_path / "clean.parquet", rules)
    on_spark = clean_on_spark(spark_con, spark_raw, tmp_path / "clean_spark.parquet", rules)
    return (on_duckdb, tmp_path / "clean.parquet"), (on_spark, tmp_path / "clean_spark.parquet")


def rules_facts(data: dict, frame: pd.DataFrame) -> dict:
    return source_facts([frame_facts(frame)], mapped_columns(data))


def assert_same_features(duck_path, spark_path, spark_con, cutoff):
    duck = features_from_file(duck_path, cutoff)
    spark = features_from_file(spark_path, cutoff, spark_con)
    assert len(duck) > 0
    pd.testing.assert_frame_equal(spark, duck, check_exact=False, atol=1e-9, rtol=0)


def day_after_last(path) -> pd.Timestamp:
    dates = pq.read_table(path, columns=["invoice_date"])["invoice_date"].to_pandas()
    return dates.max().normalize() + pd.Timedelta(days=1)


def test_synthetic_shop_cleaning_features_and_performance_are_the_same_on_spark(tmp_path, spark_con):
    raw = tmp_path / "synthetic.parquet"
    pq.write_table(pa.concat_tables(list(synthetic.generate(0.03, 42, 0.6))), raw)
    (report, duck), (spark_report, spark) = both_engines(tmp_path, data_config("synthetic", path=str(raw)), spark_con)
    assert spark_report == report  # every count and every amount, to the penny
    assert report["removed"]["duplicates"]["lines"] > 0 and report["flagged"]["cancellations"]["lines"] > 0
    assert spark.is_dir() and len(list(spark.glob("*.parquet"))) >= 1  # parquet parts
    for cutoff in (day_after_last(duck), pd.Timestamp("2011-01-01")):  # the features and the baseline snapshot
        assert_same_features(duck, spark, spark_con, cutoff)
    available = {"country": True, "description": True, "quantity": True, "invoice": True, "stock_code": True}
    results = []
    for con, path in ((None, duck), (spark_con, spark)):
        import duckdb
        con = con or duckdb.connect()
        lines_view(con, path)
        results.append(company_performance(con, None, None, available, "country", currency="GBP"))
    duck_perf, spark_perf = results
    assert spark_perf.summary.keys() == duck_perf.summary.keys()
    for key in ("customers", "orders", "top_market"):
        assert spark_perf.summary[key] == duck_perf.summary[key]
    for key in ("revenue", "average_basket"):
        assert spark_perf.summary[key] == pytest.approx(duck_perf.summary[key], rel=1e-9)


REAL_LAYOUTS = {
    "uci_xlsx": lambda tmp: data_config("online_retail_ii", path=str(write_xlsx(tmp / "uci.xlsx", uci_sheets()))),
    "customer_date_amount_csv": lambda tmp: data_config(
        "transactions", path=str(write_minimal_csv(tmp / "shop.csv", scale=0.05)), currency="USD",
        columns={"customer_id": "customer", "invoice_date": "date", "amount": "amount"}),
    "cdnow_text": lambda tmp: data_config(
        "transactions", path=str(write_cdnow_like(tmp / "CDNOW_master.txt", customers=300)),
        header_names=["customer", "date", "cds", "dollars"], date_format="%Y%m%d", currency="USD",
        columns={"customer_id": "customer", "invoice_date": "date", "amount": "dollars", "quantity": "cds"}),
    "olist_folder": lambda tmp: data_config("olist", path=str(write_olist(tmp / "olist", customers=200))),
}


@pytest.mark.parametrize("layout", sorted(REAL_LAYOUTS))
def test_real_layouts_clean_and_segment_the_same_on_spark(tmp_path, spark_con, layout):
    (report, duck), (spark_report, spark) = both_engines(tmp_path, REAL_LAYOUTS[layout](tmp_path), spark_con)
    assert spark_report == report
    assert_same_features(duck, spark, spark_con, day_after_last(duck))


def test_the_engine_config_composes_and_a_bad_engine_is_one_line():
    from segmentation.common.config import compose
    from segmentation.common.errors import UserError

    cfg = compose(["engine=spark"])
    assert cfg.engine.name == "spark" and cfg.engine.spark.master == "local[2]"
    assert compose([]).engine.name == "duckdb"
    with pytest.raises(UserError, match="engine.spark.shuffle_partitions"):
        compose(["engine=spark", "engine.spark.shuffle_partitions=0"])


def test_a_sample_fitted_pipeline_assigns_every_customer_on_the_executors_as_on_the_driver(spark_con):
    from sklearn.cluster import KMeans
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from segmentation.models.placement_spark import assign_on_spark, fit_sample

    rng = np.random.default_rng(0)
    customers = pd.DataFrame({"customer_id": [f"c{i}" for i in range(3000)],
                              "recency": rng.exponential(100, 3000), "frequency": rng.poisson(4, 3000) + 1.0})
    sample = fit_sample(customers, 500, seed=7)
    assert len(sample) == 500 and sample.equals(fit_sample(customers, 500, seed=7))  # seeded
    pipeline = make_pipeline(StandardScaler(), KMeans(3, n_init=3, random_state=0)).fit(sample[["recency", "frequency"]])
    placed = assign_on_spark(spark_con.spark, spark_con.spark.createDataFrame(customers), pipeline,
                             ["recency", "frequency"]).toPandas().set_index("customer_id")["segment"]
    expected = pd.Series(pipeline.predict(customers[["recency", "frequency"]]), index=customers["customer_id"])
    assert (placed.loc[expected.index] == expected).all()


def test_bad_input_on_spark_is_the_same_one_line_error(tmp_path, spark_con):
    bad = tmp_path / "shop.csv"
    bad.write_text("customer,date,amount\na,2024-01-05,30\nb,not a date,10\n")
    data = data_config("transactions", path=str(bad), columns={"customer_id": "customer", "invoice_date": "date",
                                                               "amount": "amount"})
    with pytest.raises(UserError) as here:
        list(iter_transactions(data))
    with pytest.raises(UserError) as there:
        ingest_on_spark(spark_con, data, tmp_path / "raw")
    assert str(there.value) == str(here.value) and "\n" not in str(there.value)
    with pytest.raises(UserError, match="engine=spark reads parquet, csv, txt or a catalog table"):
        ingest_on_spark(spark_con, data_config("online_retail_ii", path=str(write_xlsx(tmp_path / "u.xlsx", uci_sheets()))),
                        tmp_path / "raw2")


def test_a_catalog_table_is_ingested_on_spark_and_refused_with_the_fix_on_duckdb(tmp_path, spark_con):
    rows = pd.DataFrame({"customer": ["a", "a", "b"], "date": ["2024-01-05", "2024-02-05", "2024-01-07"],
                         "amount": ["30.00", "-10.00", "12.50"]})
    spark_con.spark.createDataFrame(rows).createOrReplaceTempView("shop_lines")
    data = data_config("transactions", path="shop_lines", format="table",
                       columns={"customer_id": "customer", "invoice_date": "date", "amount": "amount"})
    lines, facts = ingest_on_spark(spark_con, data, tmp_path / "raw")
    from segmentation.data.normalise import normalise
    expected = normalise(rows, data["columns"], None, "shop_lines")
    got = pq.read_table(tmp_path / "raw").to_pandas()
    assert lines == 3 and got["amount" if "amount" in got else "price"].tolist() == \
        expected["amount" if "amount" in expected else "price"].tolist()
    assert facts["time_of_day"] is False
    with pytest.raises(UserError, match="data.format=table reads a catalog table, which only Spark does. Fix: add engine=spark"):
        list(iter_transactions(data))


def test_without_pyspark_or_java_engine_spark_is_one_line_with_the_fix(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pyspark(name, *args, **kwargs):
        if name.startswith("pyspark"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyspark)
    with pytest.raises(UserError, match=r"engine=spark needs PySpark\. Fix: pip install -e '\.\[spark\]'"):
        session({"master": "local[1]", "driver_memory": "1g", "shuffle_partitions": 1})


def test_without_java_engine_spark_is_one_line_with_the_fix(tmp_path):
    import os
    import subprocess
    import sys

    code = ("from segmentation.engines.spark import session\n"
            "session({'master': 'local[1]', 'driver_memory': '1g', 'shuffle_partitions': 1})\n")
    result = subprocess.run([sys.executable, "-c", code], env={**os.environ, "JAVA_HOME": str(tmp_path / "no-java")},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == ("segmentation.common.errors.UserError: engine=spark could not start "
                                                       "Java. Fix: install Java 17 and set JAVA_HOME, or use engine=duckdb.")
