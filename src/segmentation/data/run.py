"""Stage `ingest`: the configured source read once into canonical parquet (on this host, or on
Spark with engine=spark), with what it supplies (the ingest report). A source in periods (a
folder or glob of files, `data.partitions`) becomes one partition per file, and a run reads
only the files that are new or changed."""

from __future__ import annotations

import shutil
import time

import pyarrow as pa
import pyarrow.parquet as pq
from omegaconf import DictConfig, OmegaConf

from segmentation.common.catalog import Catalog, atomic_path, write_json, write_text
from segmentation.common.errors import UserError
from segmentation.common.money import check_currency
from segmentation.data.facts import data_change, frame_facts, merged_facts, source_facts, source_label
from segmentation.data.ingest_spark import ingest_on_spark
from segmentation.data.partitions import (
    check_layouts,
    in_file_order,
    partition_name,
    plan,
    prepare_folder,
    read_manifest,
    repeated_invoice,
    source_files,
    write_manifest,
)
from segmentation.data.readers import iter_transactions, mapped_columns
from segmentation.data.schema import schema_for
from segmentation.engines.connect import connection, on_spark


def run(cfg: DictConfig) -> int:
    """Write the catalog's `raw` file (all lines, canonical schema) and the ingest report;
    return the number of lines."""
    catalog = Catalog(cfg)
    data = OmegaConf.to_container(cfg.data, resolve=True)
    check_currency(data.get("currency"))
    # DVC deletes a stage's outputs before running it: the last source is kept beside them
    previous = {"source": catalog.last_source.read_text().strip()} if catalog.last_source.is_file() else None
    change = data_change(previous, data)
    if change:
        print(f"ingest: {change}")
    target = catalog.raw
    started = time.perf_counter()
    files = source_files(data)
    if files is not None:
        if on_spark(cfg):
            raise UserError("data.path is a folder of period files, which ingest reads on this host. "
                            "Fix: engine=duckdb, or point data.path at one file.")
        lines, facts, done = _ingest_partitions(data, files, target)
    else:
        if target.is_dir():  # partitions of an earlier source in periods
            shutil.rmtree(target)
        with atomic_path(target) as tmp:
            if on_spark(cfg):  # parquet parts written by Spark, each partition normalised by the same function
                lines, facts = ingest_on_spark(connection(cfg), data, tmp)
            else:
                lines, per_frame = _ingest_here(data, tmp)
                facts = source_facts(per_frame, mapped_columns(data))
        done = ""
    write_json(catalog.ingest_report, {"lines": lines, "source": source_label(data), **facts})
    write_text(catalog.last_source, source_label(data))
    print(f"ingest: {lines:,} lines from {cfg.data.path} -> {target.name}{done} in {time.perf_counter() - started:.1f}s")
    return lines


def _ingest_partitions(data: dict, files: list, target) -> tuple[int, dict, str]:
    """One partition per file of the source in periods, only for the new or changed files."""
    check_layouts(files, data)
    folder = prepare_folder(target)
    kept, todo, gone = plan(files, read_manifest(folder))
    for entry in gone:
        (folder / entry["partition"]).unlink(missing_ok=True)
    entries = in_file_order(kept, files)
    write_manifest(folder, entries)
    for file, digest in todo:
        part = folder / partition_name(file, digest)
        with atomic_path(part) as tmp:
            lines, per_frame = _ingest_here({**data, "path": str(file)}, tmp)
        repeated_invoice(part, [folder / entry["partition"] for entry in entries], entries, file)
        entries = in_file_order([*entries, {"file": file.name, "md5": digest, "partition": part.name, "lines": lines,
                                            "facts": merged_facts(per_frame)}], files)
        write_manifest(folder, entries)
    facts = source_facts([entry["facts"] for entry in entries], mapped_columns(data))
    done = f" ({len(files)} files: {len(todo)} read now, {len(kept)} unchanged, {len(gone)} partition(s) dropped)"
    return sum(entry["lines"] for entry in entries), facts, done


def _ingest_here(data: dict, tmp) -> tuple[int, list[dict]]:
    """The source, frame by frame, into one parquet file on this host; lines and each frame's facts."""
    lines, per_frame, writer = 0, [], None
    try:
        for frame in iter_transactions(data):
            schema = schema_for(frame.columns)  # the file's schema carries no pandas metadata
            table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
            writer = writer or pq.ParquetWriter(tmp, schema, compression="zstd")
            writer.write_table(table)
            lines += len(frame)
            per_frame.append(frame_facts(frame))
    finally:
        if writer is not None:
            writer.close()
    return lines, per_frame
