"""Data that arrive in periods: `data.path` a folder of monthly files. Ingest and clean process
only new or changed files, one partition per file; adding files one by one gives, byte for byte,
what reading the whole folder at once gives, and the same cleaned lines and report as one file."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import ROOT, make_project

from segmentation.cleaning import run as clean_stage
from segmentation.common.config import load_params
from segmentation.common.errors import UserError
from segmentation.data import run as ingest_stage
from segmentation.data import synthetic
from segmentation.data.partitions import MANIFEST


@pytest.fixture(scope="module")
def months(tmp_path_factory):
    """A small synthetic shop, and the same lines split into one parquet file per month (in order)."""
    folder = tmp_path_factory.mktemp("months")
    whole = pa.concat_tables(list(synthetic.generate(0.01, 0, 0.0))).to_pandas()
    whole = whole.sort_values(["InvoiceDate", "Invoice"], kind="stable").reset_index(drop=True)
    pq.write_table(pa.Table.from_pandas(whole, preserve_index=False), folder / "whole.parquet")
    month = whole["InvoiceDate"].dt.strftime("%Y-%m")
    files = []
    for name in sorted(month.unique())[-4:]:  # the last four months: three added after the first
        part = whole[month == name]
        path = folder / "parts" / f"sales-{name}.parquet"
        path.parent.mkdir(exist_ok=True)
        pq.write_table(pa.Table.from_pandas(part, preserve_index=False), path)
        files.append(path)
    tail = whole[month.isin([p.stem.removeprefix("sales-") for p in files])]
    pq.write_table(pa.Table.from_pandas(tail, preserve_index=False), folder / "tail.parquet")
    return folder, files


def stages(project, monkeypatch) -> tuple[dict, dict]:
    """ingest then clean in `project`, as `dvc repro` runs them; the cleaning report."""
    monkeypatch.setenv("SEGMENTATION_ROOT", str(project))
    ingest_stage.run(load_params())
    return clean_stage.run(load_params())


def digests(folder) -> dict[str, str]:
    return {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def project_on(tmp_path, name, path):
    params = {"name": "periods", "path": str(path), "format": "parquet", "currency": "GBP"}
    data = {**yaml.safe_load((ROOT / "params.yaml").read_text())["data"], **params}
    return make_project(tmp_path / name, data)


def test_files_added_one_by_one_equal_the_folder_read_at_once_byte_for_byte(months, tmp_path, monkeypatch, capsys):
    folder, files = months
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    stepwise = project_on(tmp_path, "stepwise", inbox)
    for file in files:
        shutil.copy(file, inbox / file.name)
        report = stages(stepwise, monkeypatch)
    said = capsys.readouterr().out
    assert "4 files: 1 read now, 3 unchanged" in said and "clean: 1 of 4 partition(s) cleaned now" in said
    at_once = project_on(tmp_path, "at_once", folder / "parts")
    assert stages(at_once, monkeypatch) == report
    for output in ("raw", "clean"):
        assert digests(stepwise / "build" / f"{output}.parquet") == digests(at_once / "build" / f"{output}.parquet")
    assert len(digests(at_once / "build" / "clean.parquet")) == 5  # four partitions and the manifest


def test_the_partitions_clean_to_the_lines_and_report_of_one_file(months, tmp_path, monkeypatch):
    folder, _ = months
    single = project_on(tmp_path, "single", folder / "tail.parquet")
    whole_report = stages(single, monkeypatch)
    parts = project_on(tmp_path, "parts", folder / "parts")
    parts_report = stages(parts, monkeypatch)
    assert parts_report.pop("partitions") == 4
    assert parts_report == whole_report
    columns = ["invoice", "stock_code", "customer_id", "invoice_date", "quantity", "price"]
    one = pd.read_parquet(single / "build" / "clean.parquet").sort_values(columns, kind="stable").reset_index(drop=True)
    many = pd.read_parquet(parts / "build" / "clean.parquet").sort_values(columns, kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(one, many[one.columns])


def test_a_changed_earlier_file_is_read_again_and_a_removed_one_dropped(months, tmp_path, monkeypatch, capsys):
    _, files = months
    inbox = tmp_path / "inbox"
    shutil.copytree(files[0].parent, inbox)
    project = project_on(tmp_path, "project", inbox)
    before = stages(project, monkeypatch)
    first = pd.read_parquet(inbox / files[0].name)
    pq.write_table(pa.Table.from_pandas(first.iloc[:-5], preserve_index=False), inbox / files[0].name)
    capsys.readouterr()
    after = stages(project, monkeypatch)
    said = capsys.readouterr().out
    assert "4 files: 1 read now, 3 unchanged, 1 partition(s) dropped" in said
    assert after["lines_in"] == before["lines_in"] - 5
    (inbox / files[1].name).unlink()
    stages(project, monkeypatch)
    kept = [p.name for p in sorted((project / "build" / "raw.parquet").iterdir()) if p.name != MANIFEST]
    assert [name.split(".")[0] for name in kept] == [f.stem for f in (files[0], files[2], files[3])]


def test_a_killed_partition_is_redone_and_nothing_else(months, tmp_path, monkeypatch):
    """A partition file no manifest lists (a run killed while writing it) is removed and redone."""
    _, files = months
    project = project_on(tmp_path, "project", files[0].parent)
    stages(project, monkeypatch)
    raw = project / "build" / "raw.parquet"
    good = digests(raw)
    stray = raw / "sales-2099-01.parquet.0123456789ab.parquet"
    stray.write_bytes(b"half written")
    victim = next(p for p in sorted(raw.iterdir()) if p.name != MANIFEST)
    entries = json.loads((raw / MANIFEST).read_text())
    entries["partitions"] = [e for e in entries["partitions"] if e["partition"] != victim.name]
    (raw / MANIFEST).write_text(json.dumps(entries, indent=2) + "\n")  # as if killed before listing it
    stages(project, monkeypatch)
    assert digests(raw) == good


def test_bad_folders_are_refused_in_one_line(months, tmp_path, monkeypatch):
    _, files = months
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("SEGMENTATION_ROOT", str(project_on(tmp_path, "empty_project", empty)))
    with pytest.raises(UserError, match=r"holds no data file\. Fix: "):
        ingest_stage.run(load_params())
    mixed = tmp_path / "mixed"
    shutil.copytree(files[0].parent, mixed)
    pd.read_parquet(files[0]).rename(columns={"Price": "UnitPrice"}).to_parquet(mixed / "sales-9999-99.parquet")
    monkeypatch.setenv("SEGMENTATION_ROOT", str(project_on(tmp_path, "mixed_project", mixed)))
    with pytest.raises(UserError, match=r"sales-9999-99.parquet has the layout .* a folder holds files of one layout"):
        ingest_stage.run(load_params())
    repeated = tmp_path / "repeated"
    shutil.copytree(files[0].parent, repeated)
    shutil.copy(files[1], repeated / "sales-9999-99.parquet")
    project = project_on(tmp_path, "repeated_project", repeated)
    monkeypatch.setenv("SEGMENTATION_ROOT", str(project))
    with pytest.raises(UserError, match=rf"sales-9999-99.parquet repeats invoice .* of {files[1].name}.* Fix: "):
        ingest_stage.run(load_params())
    assert not any("9999" in p.name for p in (project / "build" / "raw.parquet").iterdir())


def partitions(folder) -> dict[str, str]:
    """Each partition's digest, and the manifest must parse and list only partitions that exist."""
    listed = [e["partition"] for e in json.loads((folder / MANIFEST).read_text())["partitions"]]
    assert all((folder / name).is_file() for name in listed), "the manifest lists a partition that is not there"
    return {name: hashlib.md5((folder / name).read_bytes()).hexdigest() for name in listed}


def test_a_run_killed_while_adding_a_month_loses_nothing_and_the_next_run_completes_it(months, tmp_path):
    """SIGKILL at several moments of ingest + clean of a fourth month: the three months already
    there stay listed and byte-identical; the next run gives what an uninterrupted run gives."""
    folder, files = months
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for file in files[:3]:
        shutil.copy(file, inbox / file.name)
    project = project_on(tmp_path, "project", inbox)
    env = {**os.environ, "SEGMENTATION_ROOT": str(project)}
    stage = f"{sys.executable} -m segmentation.stage"
    both = ["sh", "-c", f"{stage} ingest && {stage} clean"]  # as `dvc repro` runs them
    subprocess.run(both, env=env, check=True, capture_output=True, timeout=300)
    before = {out: partitions(project / "build" / f"{out}.parquet") for out in ("raw", "clean")}
    shutil.copy(files[3], inbox / files[3].name)
    for delay in (0.3, 0.6, 0.9, 1.2, 1.6, 2.0):  # from mid-ingest to after the clean
        process = subprocess.Popen(both, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        for out, kept in before.items():
            now = partitions(project / "build" / f"{out}.parquet")
            assert {name: now.get(name) for name in kept} == kept, f"{out}: an earlier month changed after a kill"
    subprocess.run(both, env=env, check=True, capture_output=True, timeout=300)
    uninterrupted = project_on(tmp_path, "uninterrupted", folder / "parts")
    subprocess.run(both, env={**os.environ, "SEGMENTATION_ROOT": str(uninterrupted)}, check=True,
                   capture_output=True, timeout=300)
    for output in ("raw", "clean"):
        assert digests(project / "build" / f"{output}.parquet") == digests(uninterrupted / "build" / f"{output}.parquet")
