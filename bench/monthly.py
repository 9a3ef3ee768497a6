"""Benchmark: one month added to data that arrive in monthly files, against the full rebuild.

The synthetic shop at `--scale` is split into one parquet file per month; its last month is
partial (9 days), so the month added is the last whole one (November 2011 for the synthetic
shop, its busiest) and the partial one is left out. Every earlier month is ingested, cleaned and featured, a model is deployed (the train stage, features cut at
`--deployed`) and checked once (its noise band is computed then, at deployment). Then, timed:

- added month: the last month's file lands in the folder; `ingest`, `clean`, `features` (the
  stages `dvc repro` runs) and `python -m segmentation.monitor monitor.replay=false`;
- full rebuild: the same four commands after the partitions are deleted (every file read again);
- replay: `python -m segmentation.monitor monitor.replay=true` (12 months, at scale 1 only).

Each command is its own process (as in `dvc repro`); wall seconds and the peak RSS of the
largest process. Results go into bench/results.json under "monthly" (date, commit, machine).

    python bench/monthly.py --scale 1 --repeats 3
    python bench/monthly.py --scale 100 --repeats 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
RSS_WRAPPER = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)")
STEPS = ("ingest", "clean", "features", "monitor")


def months(scale: float, folder: Path) -> list[Path]:
    """The synthetic shop at `scale`, one parquet file per month (in order), written once."""
    import duckdb
    import pyarrow.parquet as pq

    from segmentation.data.synthetic import generate

    done = folder / "_complete"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        whole = folder / "whole.parquet.tmp"
        writer = None
        for batch in generate(scale, 0, 0.0):
            writer = writer or pq.ParquetWriter(whole, batch.schema)
            writer.write_table(batch)
        writer.close()
        con = duckdb.connect()
        names = [m for (m,) in con.execute(f"SELECT DISTINCT strftime(InvoiceDate, '%Y-%m') AS m FROM read_parquet('{whole}') "
                                           "ORDER BY m").fetchall()]
        for name in names:
            con.execute(f"COPY (SELECT * FROM read_parquet('{whole}') WHERE strftime(InvoiceDate, '%Y-%m') = '{name}') "
                        f"TO '{folder / f'sales-{name}.parquet'}' (FORMAT parquet)")
        whole.unlink()
        done.touch()
    return sorted(folder.glob("sales-*.parquet"))


def project(work: Path, inbox: Path, deployed: str) -> Path:
    """A project folder whose data are the inbox of monthly files; the code is this checkout's."""
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(ROOT / "conf", work / "conf")  # the monitor composes its config from conf/
    (work / "dvc.yaml").write_text("stages: {}\n")
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["data"] = {**params["data"], "name": "monthly", "path": str(inbox), "format": "parquet", "scale": 1}
    params["features"]["cutoff"] = deployed
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return work


def command(step: str, inbox: Path, replay: bool = False) -> list[str]:
    if step == "monitor":  # a Hydra command: the data as overrides (the stages read them from params.yaml)
        return [sys.executable, "-m", "segmentation.monitor", f"monitor.replay={str(replay).lower()}",
                f"data.path={inbox}", "data.format=parquet", "data.name=monthly", "data.scale=1"]
    return [sys.executable, "-m", "segmentation.stage", step]


def timed(argv: list[str], work: Path) -> dict:
    env = {**{k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI",)},
           "SEGMENTATION_ROOT": str(work), "PYTHONPATH": str(ROOT / "src")}
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", RSS_WRAPPER, *argv], cwd=work, env=env, capture_output=True,
                            text=True)
    seconds = time.perf_counter() - started
    if result.returncode not in (0, 3):  # 3: the monitor says a refresh is due
        raise SystemExit(f"{' '.join(argv)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(int(result.stderr.strip().splitlines()[-1]) / 1024, 1)}


def sequence(work: Path, inbox: Path) -> dict:
    steps = {step: timed(command(step, inbox), work) for step in STEPS}
    return {"steps": steps, "seconds": round(sum(s["seconds"] for s in steps.values()), 2),
            "peak_rss_mb": max(s["peak_rss_mb"] for s in steps.values())}


def once(scale: float, files: list[Path], deployed: str, work: Path) -> dict:
    """Setup on every month but the added one, then the added month and the full rebuild, timed."""
    inbox = work.parent / f"{work.name}-inbox"
    shutil.rmtree(inbox, ignore_errors=True)
    inbox.mkdir(parents=True)
    for file in files[:-1]:
        os.link(file, inbox / file.name)
    folder = project(work, inbox, deployed)
    for step in ("ingest", "clean", "features", "train", "monitor"):  # the monitor: the deployment's band, once
        timed(command(step, inbox), folder)
    os.link(files[-1], inbox / files[-1].name)
    added = sequence(folder, inbox)
    for output in ("raw.parquet", "clean.parquet"):
        shutil.rmtree(folder / "build" / output)
    rebuilt = sequence(folder, inbox)
    out = {"added_month": added, "full_rebuild": rebuilt, "ratio": round(rebuilt["seconds"] / added["seconds"], 1)}
    if scale <= 1:  # the replay reads the snapshot series (the snapshots stage)
        timed(command("snapshots", inbox), folder)
        out["replay"] = timed(command("monitor", inbox, replay=True), folder)
    return out


def median_of(runs: list[dict]) -> dict:
    pick = statistics.median_low
    seconds = [r["added_month"]["seconds"] for r in runs]
    chosen = runs[seconds.index(pick(seconds))]
    return {**chosen, "runs": len(runs), "added_month_seconds_all": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--deployed", default="2011-06-01", help="the features' cutoff of the deployed model")
    args = parser.parse_args()
    base = ROOT / "bench" / "work" / f"monthly-{args.scale:g}"
    files = months(args.scale, base / "months")[:-1]  # without the partial last month
    runs = [once(args.scale, files, args.deployed, base / f"run-{i}") for i in range(args.repeats)]
    result = {**median_of(runs), "date": dt.date.today().isoformat(),
              "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                       text=True).stdout.strip(), "added_file": files[-1].name, "files": len(files)}
    path = ROOT / "bench" / "results.json"
    recorded = json.loads(path.read_text()) if path.is_file() else {}
    recorded.setdefault("monthly", {})[f"{args.scale:g}"] = result
    path.write_text(json.dumps(recorded, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
