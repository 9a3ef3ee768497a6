"""Stage `ingest`: the configured source read once into canonical parquet (on this host, or on
Spark with engine=spark), with what it supplies (the ingest report)."""

from __future__ import annotations

import time

import pyarrow as pa
import pyarrow.parquet as pq
from omegaconf import DictConfig, OmegaConf

from segmentation.common.catalog import Catalog, atomic_path, write_json, write_text
from segmentation.common.money import check_currency
from segmentation.data.facts import data_change, frame_facts, source_facts, source_label
from segmentation.data.ingest_spark import ingest_on_spark
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
    with atomic_path(target) as tmp:
        if on_spark(cfg):  # parquet parts written by Spark, each partition normalised by the same function
            lines, facts = ingest_on_spark(connection(cfg), data, tmp)
        else:
            lines, facts = _ingest_here(data, tmp)
    write_json(catalog.ingest_report, {"lines": lines, "source": source_label(data), **facts})
    write_text(catalog.last_source, source_label(data))
    print(f"ingest: {lines:,} lines from {cfg.data.path} -> {target.name} in {time.perf_counter() - started:.1f}s")
    return lines


def _ingest_here(data: dict, tmp) -> tuple[int, dict]:
    """The source, frame by frame, into one parquet file on this host; lines and facts."""
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
    return lines, source_facts(per_frame, mapped_columns(data))
