"""The local sqlite store, created from a template: a new MLflow sqlite store runs every schema
migration on first use (seconds, in every process that meets a new store: each test project,
each clone); a copy of a migrated store of the same MLflow version costs milliseconds.

The template is kept per MLflow version in `$SEGMENTATION_STORE_TEMPLATES` (default: the
project's build/cache), then copied wherever a new store is needed. It comes from the package
(`store_templates/`, gzipped: a fresh clone pays no migration) when one is shipped for the
installed MLflow version, else MLflow makes it once. `python scripts/ship_store_template.py`
ships the installed version's.
"""

from __future__ import annotations

import gzip
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from segmentation.common.project import project_root

TEMPLATES_ENV = "SEGMENTATION_STORE_TEMPLATES"
SHIPPED = Path(__file__).parent / "store_templates"


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


def shipped_template(name: str) -> Path:
    """The package's gzipped copy of template `name` (it may not exist)."""
    return SHIPPED / f"{name}.gz"


def unpack_template(shipped: Path, target: Path) -> Path:
    """The shipped template decompressed into place whole (parallel unpackers are safe)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        fresh = Path(scratch) / "store.db"
        with gzip.open(shipped, "rb") as source, fresh.open("wb") as out:
            shutil.copyfileobj(source, out)
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
        shipped = shipped_template(template.name)
        if shipped.is_file():
            unpack_template(shipped, template)
        else:
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


def ship() -> Path:
    """Make the installed MLflow version's template and ship it in the package (gzipped)."""
    with tempfile.TemporaryDirectory() as scratch:
        template = make_template(Path(scratch) / template_path().name)
        shipped = shipped_template(template.name)
        shipped.parent.mkdir(parents=True, exist_ok=True)
        with template.open("rb") as source, gzip.GzipFile(shipped, "wb", compresslevel=9, mtime=0) as out:
            shutil.copyfileobj(source, out)
    return shipped
