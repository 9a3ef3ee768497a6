"""A new sqlite store is a copy of one migrated template: the same schema MLflow itself creates,
the Default experiment's artifacts beside the new store, an existing store never touched."""

from __future__ import annotations

import gzip
import sqlite3

import mlflow
import pytest

from segmentation.tracking import store as store_module
from segmentation.tracking.store import (
    ensure_sqlite_store,
    make_template,
    shipped_template,
    template_path,
    unpack_template,
)


def schema(path) -> list:
    """Every table and index with its definition's clauses (MLflow's migrations write a table's
    constraints in no fixed order), and the migration head."""
    with sqlite3.connect(path) as db:
        objects = db.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()
        revision = db.execute("SELECT version_num FROM alembic_version").fetchall()
    db.close()
    clauses = lambda sql: sorted(line.strip().rstrip(",") for line in (sql or "").splitlines())  # noqa: E731
    return [sorted((kind, name, clauses(sql)) for kind, name, sql in objects), revision]


def test_the_template_is_the_schema_the_installed_mlflow_creates(tmp_path, monkeypatch):
    monkeypatch.setenv("SEGMENTATION_STORE_TEMPLATES", str(tmp_path / "templates"))
    template = make_template(template_path())
    assert template.name == f"mlflow-{mlflow.__version__}-empty-store.db"
    fresh = tmp_path / "fresh.db"
    mlflow.MlflowClient(f"sqlite:///{fresh}").search_experiments()
    assert schema(template) == schema(fresh) and schema(fresh)[1]  # same tables, same migration head


def test_the_shipped_template_is_the_schema_the_installed_mlflow_creates(tmp_path):
    shipped = shipped_template(f"mlflow-{mlflow.__version__}-empty-store.db")
    if not shipped.is_file():
        pytest.skip(f"no template shipped for MLflow {mlflow.__version__}: each clone migrates its own once "
                    "(`python scripts/ship_store_template.py` ships one)")
    fresh = tmp_path / "fresh.db"
    mlflow.MlflowClient(f"sqlite:///{fresh}").search_experiments()
    assert schema(unpack_template(shipped, tmp_path / "unpacked.db")) == schema(fresh)


def test_a_fresh_clone_unpacks_the_shipped_template_and_migrates_nothing(tmp_path, monkeypatch):
    shipped_dir, tiny = tmp_path / "shipped", tmp_path / "tiny.db"
    with sqlite3.connect(tiny) as db:
        db.execute("CREATE TABLE experiments (experiment_id INTEGER, artifact_location TEXT)")
        db.execute("INSERT INTO experiments VALUES (0, 'elsewhere')")
    db.close()
    shipped_dir.mkdir()
    with gzip.open(shipped_dir / f"mlflow-{mlflow.__version__}-empty-store.db.gz", "wb") as out:
        out.write(tiny.read_bytes())
    monkeypatch.setattr(store_module, "SHIPPED", shipped_dir)
    monkeypatch.setenv("SEGMENTATION_STORE_TEMPLATES", str(tmp_path / "templates"))
    monkeypatch.setattr(store_module, "make_template", lambda target: pytest.fail("migrated a new template"))
    store = tmp_path / "project" / "mlruns" / "mlflow.db"
    ensure_sqlite_store(f"sqlite:///{store}")
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT artifact_location FROM experiments").fetchall() == [
            (str(store.parent / "artifacts" / "0"),)]
    db.close()
    assert template_path().is_file()  # unpacked once, copied for every later store


def test_a_new_store_is_copied_and_its_default_experiment_points_beside_it(tmp_path):
    store = tmp_path / "project" / "mlruns" / "mlflow.db"
    ensure_sqlite_store(f"sqlite:///{store}")
    client = mlflow.MlflowClient(f"sqlite:///{store}")
    assert client.get_experiment("0").artifact_location == str(store.parent / "artifacts" / "0")
    run = client.create_run(client.create_experiment("e"))
    client.log_metric(run.info.run_id, "m", 1.5)
    assert client.get_run(run.info.run_id).data.metrics == {"m": 1.5}
    assert [p.name for p in store.parent.iterdir()] == ["mlflow.db"]  # no temporary copy left


def test_an_existing_store_and_other_uris_are_left_to_mlflow(tmp_path):
    store = tmp_path / "mlflow.db"
    store.write_bytes(b"not touched")
    ensure_sqlite_store(f"sqlite:///{store}")
    assert store.read_bytes() == b"not touched"
    ensure_sqlite_store("http://127.0.0.1:5000")
    ensure_sqlite_store("postgresql://u@h/db")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mlflow.db"]


@pytest.mark.parametrize("uri", ["file:///tmp/mlruns", "databricks"])
def test_uris_of_other_stores_create_nothing(uri, tmp_path, monkeypatch):
    monkeypatch.setenv("SEGMENTATION_STORE_TEMPLATES", str(tmp_path / "templates"))
    ensure_sqlite_store(uri)
    assert not (tmp_path / "templates").exists()
