"""The local sqlite store, created from a template: a new MLflow sqlite store runs every schema
migration on first use (seconds, in every process that meets a new store: each test project,
each clone); a copy of a migrated store of the same MLflow version costs milliseconds.

The template is made once per MLflow version in `$SEGMENTATION_STORE_TEMPLATES` (default: the
project's build/cache), then copied wherever a new store is needed.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from segmentation.common.project import project_root

TEMPLATES_ENV = "SEGMENTATION_STORE_TEMPLATES"


def template_path() -> Path:
    """The migrated empty store for the installed MLflow version."""
    from importlib.metadata import version

    folder = Path(os.environ.get(TEMPLATES_ENV) or project_root() / "build" / "cache")
    return folder / f"mlflow-{version('mlflow')}-empty-store.db"


def make_template(target: Path) -> Path:
    """A store MLflow itself created and migrated, moved into place whole (parallel makers are safe)."""
    import mlflow

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        fresh = Path(scratch) / "store.db"
        mlflow.MlflowClient(f"sqlite:///{fresh}").search_experiments()  # creates and migrates the schema
        os.replace(fresh, target)
    return target


def ensure_sqlite_store(uri: str) -> None:
    """For a `sqlite:///` URI whose file does not exist yet: copy the template there (made first
    if missing), with its Default experiment's artifacts beside the new store. Any other URI, or
    an existing file, is left to MLflow."""
    if not uri.startswith("sqlite:///"):
        return
    store = Path(uri.removeprefix("sqlite:///"))
    if store.exists():
        return
    template = template_path()
    if not template.is_file():
        make_template(template)
    store.parent.mkdir(parents=True, exist_ok=True)
    partial = store.with_name(f".{store.name}.{os.getpid()}.tmp")
    shutil.copyfile(template, partial)
    with sqlite3.connect(partial) as db:  # MLflow's own default: artifacts of experiment 0 beside the store
        db.execute("UPDATE experiments SET artifact_location = ? WHERE experiment_id = 0",
                   (str(store.parent / "artifacts" / "0"),))
    db.close()
    try:
        os.link(partial, store)  # atomic: a store another process made meanwhile is kept
    except FileExistsError:
        pass
    finally:
        partial.unlink()
