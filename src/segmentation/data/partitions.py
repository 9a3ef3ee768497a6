"""Data that arrive in periods: `data.path` may be a folder, or a glob, of files of one layout
(monthly exports, say). Each file becomes one partition of the ingested and of the cleaned data,
named after the file and its content (`<file>.<md5 12>.parquet`), so a run processes only the
files that are new or changed, and drops the partitions of files that went away.

The folder holds a manifest (`_manifest.json`: file, md5, partition, lines, facts per partition),
rewritten after each partition: a run killed midway keeps what it finished, and the next run
completes the rest. A file that repeats an invoice of another file is refused (a month's export
holds that month's invoices): exact duplicate lines can then only sit inside one file, where the
cleaning removes them, so the cleaning of the parts is the cleaning of the whole.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
from collections.abc import Mapping
from pathlib import Path

from segmentation.common.catalog import atomic_path, file_digest, user_path
from segmentation.common.errors import UserError

MANIFEST = "_manifest.json"
GLOB_CHARACTERS = re.compile(r"[*?\[]")


def source_files(data: Mapping) -> list[Path] | None:
    """The files of a source in periods, sorted by name; None for one file (or an Olist export,
    whose folder is one source). An empty folder or a glob matching nothing is a user error."""
    if data.get("format") == "olist" or not data.get("path"):
        return None
    text = str(data["path"])
    if GLOB_CHARACTERS.search(text):
        root = user_path(".")
        files = sorted(Path(p) for p in glob.glob(text if os.path.isabs(text) else str(root / text)) if Path(p).is_file())
        if not files:
            raise UserError(f"data.path={text} matches no file. Fix: check the pattern, e.g. data/monthly/*.csv.")
        return files
    folder = user_path(text)
    if not folder.is_dir():
        return None
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "_")))
    if not files:
        raise UserError(f"the folder {folder} holds no data file. Fix: put the period files there (one layout), or "
                        "point data.path at a file.")
    return files


def partition_name(file: Path, digest: str) -> str:
    """The partition of a source file: sorts like the files, changes when the content does."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", file.name)
    return f"{safe}.{digest[:12]}.parquet"


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    return json.loads(path.read_text()) if path.is_file() else {"partitions": []}


def write_manifest(folder: Path, entries: list[dict], extra: Mapping | None = None) -> None:
    """The manifest, whole or not at all (a kill leaves the previous one)."""
    with atomic_path(folder / MANIFEST) as tmp:
        tmp.write_text(json.dumps({**(extra or {}), "partitions": entries}, indent=2) + "\n")


def prepare_folder(target: Path) -> Path:
    """`target` as a folder of partitions: a single-file output of an earlier run, or a partition no
    manifest lists (a killed run's), is removed."""
    if target.is_file():
        target.unlink()
    target.mkdir(parents=True, exist_ok=True)
    listed = {entry["partition"] for entry in read_manifest(target)["partitions"]}
    for part in target.iterdir():
        if part.name != MANIFEST and part.name not in listed:
            shutil.rmtree(part) if part.is_dir() else part.unlink()
    return target


def plan(files: list[Path], manifest: Mapping) -> tuple[list[dict], list[tuple[Path, str]], list[dict]]:
    """(entries kept as they are, (file, md5) to process, entries to remove), by content."""
    known = {(entry["file"], entry["md5"]): entry for entry in manifest["partitions"]}
    kept, todo = [], []
    for file in files:
        digest = file_digest(file)
        entry = known.get((file.name, digest))
        (kept.append(entry) if entry else todo.append((file, digest)))
    wanted = {entry["partition"] for entry in kept}
    gone = [entry for entry in manifest["partitions"] if entry["partition"] not in wanted]
    return kept, todo, gone


def in_file_order(entries: list[dict], files: list[Path]) -> list[dict]:
    order = {file.name: index for index, file in enumerate(files)}
    return sorted(entries, key=lambda entry: order.get(entry["file"], len(order)))


def check_layouts(files: list[Path], data: Mapping) -> None:
    """Every file in the layout of the first: the same format and header, else one line naming
    the first file that differs."""
    from segmentation.data.readers import header_of

    first = header_of(files[0], data)
    for file in files[1:]:
        found = header_of(file, data)
        if found != first:
            raise UserError(f"{file.name} has the layout {found[0]} {found[1]}, unlike {files[0].name} ({first[0]} "
                            f"{first[1]}): a folder holds files of one layout. Fix: move {file.name} out, or convert it.")


def repeated_invoice(part: Path, others: list[Path], entries: list[dict], file: Path) -> None:
    """Refuse a new partition that repeats an invoice of another file (and remove it): then
    exact duplicates can only sit inside one file, where the cleaning removes them."""
    import duckdb

    from segmentation.common.sql import quote

    if not others:
        return
    found = duckdb.execute(
        f"SELECT invoice, filename FROM read_parquet([{', '.join(quote(p.as_posix()) for p in others)}], filename = true) "
        f"WHERE invoice IN (SELECT invoice FROM read_parquet({quote(part.as_posix())})) LIMIT 1").fetchone()
    if found:
        part.unlink()
        earlier = {entry["partition"]: entry["file"] for entry in entries}.get(Path(found[1]).name, Path(found[1]).name)
        raise UserError(f"{file.name} repeats invoice {found[0]} of {earlier}: each period's file holds its own "
                        f"invoices. Fix: remove the repeated lines from {file.name} (or the file itself).")
