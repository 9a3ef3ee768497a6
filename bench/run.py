"""Benchmark: every pipeline step as its own process (wall time, peak RSS), the design card's
grid sweep, and the naive notebook way on the same data. Results: bench/results.json and
bench/results.md (medians over --repeats).

    python bench/run.py --scales 1 10 --repeats 3           # make bench
    python bench/run.py --scales 1 10 100 --repeats 3       # make bench SCALES="1 10 100"
    python bench/run.py --scales 1 --repeats 1 --no-sweep --no-notebook   # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = ["generate", "ingest", "clean", "features", "snapshots", "eda", "train", "stability", "report"]


def overrides(work: Path, scale: float) -> list[str]:
    """Config overrides that put every output of a benchmark run under `work`."""
    paths = {"synthetic": "synthetic.parquet", "raw": "raw.parquet", "clean": "clean.parquet",
             "cleaning_report": "cleaning.json", "features": "features.parquet", "features_report": "features.json",
             "snapshots": "snapshots", "snapshots_report": "snapshots_meta", "figures": "figures",
             "eda_summary": "eda.json", "eda_monthly": "monthly.csv", "embeddings": "embeddings", "train": "train",
             "stability": "stability", "report": "report.html", "slides": "slides.pptx",
             "segment_names": "segments.csv", "champion": "champion.json", "assignments_latest": "latest.csv",
             "train_run": "train_run_id.txt"}
    return [f"data.scale={scale}", f"data.path={work / 'synthetic.parquet'}", "mlflow.experiment=bench",
            *[f"paths.{key}={work / value}" for key, value in paths.items()]]


def run_step(step: str, work: Path, scale: float) -> None:
    """Run one step in this process (called in a child process by `measure`)."""
    from segmentation.config import compose
    from segmentation.stages import clean, eda, features, generate, ingest, report, snapshots, stability, train

    cfg = compose(overrides(work, scale))
    if step == "snapshots":
        for name in ["baseline", *map(str, cfg.snapshots.offsets)]:
            snapshots.run(cfg, name)
        return
    {"generate": generate, "ingest": ingest, "clean": clean, "features": features, "eda": eda, "train": train,
     "stability": stability, "report": report}[step].run(cfg)


def measure(command: list[str], env: dict) -> dict:
    """Wall seconds and peak RSS (MB) of a child process."""
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # RUSAGE_CHILDREN is the largest child so far: exact for the first, a lower bound of growth after
    return {"seconds": round(wall, 2), "peak_rss_mb": round(max(rss, before) / 1024, 1) if rss > before else None}


def rss_of(command: list[str], env: dict) -> dict:
    """Like measure, with the peak RSS read by GNU time when present (exact per child)."""
    if Path("/usr/bin/time").exists():
        started = time.perf_counter()
        result = subprocess.run(["/usr/bin/time", "-f", "%M", *command], env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
        return {"seconds": round(wall, 2), "peak_rss_mb": round(int(result.stderr.strip().splitlines()[-1]) / 1024, 1)}
    return measure(command, env)


def pipeline(scale: float, repeats: int, env: dict) -> dict:
    results = {step: [] for step in STEPS}
    for repeat in range(repeats):
        work = ROOT / "bench" / "work" / f"scale-{scale:g}-{repeat}"
        subprocess.run(["rm", "-rf", str(work)], check=True)
        work.mkdir(parents=True)
        for step in STEPS:
            if scale > 10 and step in ("eda", "stability", "report", "snapshots"):
                continue  # the scale-100 target covers generation, ingest, features and a model
            results[step].append(rss_of([sys.executable, __file__, "--step", step, "--scale", str(scale),
                                         "--work", str(work)], env))
            print(f"scale {scale:g} run {repeat + 1}: {step} {results[step][-1]}", flush=True)
    return {step: median(values) for step, values in results.items() if values}


def median(values: list[dict]) -> dict:
    return {"seconds": round(statistics.median(v["seconds"] for v in values), 2),
            "peak_rss_mb": round(statistics.median(v["peak_rss_mb"] or 0 for v in values), 1),
            "runs": len(values)}


def sweep(repeats: int, env: dict, launcher: list[str]) -> dict:
    """The grid at scale 1 (features from the scale-1 pipeline run), with the per-run split."""
    import mlflow

    work = ROOT / "bench" / "work" / "scale-1-0"
    walls, splits = [], []
    for repeat in range(repeats):
        store = ROOT / "bench" / "work" / f"sweep-{repeat}.db"
        store.unlink(missing_ok=True)
        run_env = {**env, "MLFLOW_TRACKING_URI": f"sqlite:///{store}"}
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "segmentation.train", "experiment=grid", *launcher,
                        *overrides(work, 1.0), f"hydra.sweep.dir={ROOT / 'bench' / 'work' / f'sweep-{repeat}'}"],
                       env=run_env, capture_output=True, text=True)
        walls.append(time.perf_counter() - started)
        client = mlflow.MlflowClient(f"sqlite:///{store}")
        runs = client.search_runs([client.get_experiment_by_name("bench").experiment_id],
                                  "tags.`segmentation.role` = 'job'", max_results=1000)
        keys = ["fit_seconds", "metrics_seconds", "plots_seconds", "logging_seconds"]
        splits.append({k: statistics.mean(r.data.metrics.get(k, 0.0) for r in runs) for k in keys}
                      | {"runs": len(runs), "finished": sum(r.info.status == "FINISHED" for r in runs)})
    split = {k: round(statistics.median(s[k] for s in splits), 3) for k in splits[0]}
    per_run = sum(split[k] for k in ("fit_seconds", "metrics_seconds", "plots_seconds", "logging_seconds"))
    split["tracking_and_plots_share"] = round((split["plots_seconds"] + split["logging_seconds"]) / per_run, 3)
    return {"seconds": round(statistics.median(walls), 1), "repeats": repeats, **split}


NOTEBOOK = r'''
import sys, time, pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler
started = time.perf_counter()
sheets = pd.read_excel(sys.argv[1], sheet_name=None, engine="openpyxl")
df = pd.concat(sheets.values())
df = df.dropna(subset=["Customer ID"])
df["TotalPrice"] = df["Quantity"] * df["Price"]
now = df["InvoiceDate"].max() + pd.Timedelta(days=1)
rfm = df.groupby("Customer ID").agg({"InvoiceDate": lambda d: (now - d.max()).days,
                                     "Invoice": lambda i: i.nunique(),
                                     "TotalPrice": lambda p: p.sum()})
X = StandardScaler().fit_transform(rfm)
for k in range(2, 11):
    labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(X)
    silhouette_score(X, labels)
print(time.perf_counter() - started)
'''

OURS = r'''
import sys, time
started = time.perf_counter()
from segmentation.config import compose
from segmentation.stages import ingest, clean, features
from segmentation.features import select_features
from segmentation.models import make_pipeline, fit_labels
from segmentation.evaluation import quality
cfg = compose(sys.argv[2:])
ingest.run(cfg); clean.run(cfg); features.run(cfg)
import pandas as pd
X, _ = select_features(pd.read_parquet(cfg.paths.features), {"columns": ["recency", "frequency", "monetary"]})
for k in range(2, 11):
    pipe = make_pipeline({"transform": "log1p", "scaler": "standard"}, {"name": "kmeans", "n_clusters": k}, 0)
    labels = fit_labels(pipe, X)
    quality(pipe[:-1].transform(X), labels, 10000, 0)
print(time.perf_counter() - started)
'''


def notebook(repeats: int, env: dict) -> dict:
    """The naive notebook way vs this project on the same two-sheet xlsx (scale 1)."""
    import pandas as pd

    work = ROOT / "bench" / "work" / "notebook"
    work.mkdir(parents=True, exist_ok=True)
    xlsx = work / "online_retail_II.xlsx"
    if not xlsx.exists():  # written once with openpyxl (write-only), in the real file's two sheets
        raw = pd.read_parquet(ROOT / "bench" / "work" / "scale-1-0" / "synthetic.parquet")
        cut = raw["InvoiceDate"] < "2010-12-10"
        with pd.ExcelWriter(xlsx, engine="openpyxl") as writer:
            raw[cut].to_excel(writer, sheet_name="Year 2009-2010", index=False)
            raw[~cut].to_excel(writer, sheet_name="Year 2010-2011", index=False)
    naive, ours = [], []
    for _ in range(repeats):
        result = subprocess.run([sys.executable, "-c", NOTEBOOK, str(xlsx)], env=env, capture_output=True, text=True)
        naive.append(float(result.stdout.strip().splitlines()[-1]))
        args = [*overrides(work, 1.0), "data=online_retail_ii", f"data.path={xlsx}"]
        result = subprocess.run([sys.executable, "-c", OURS, "--", *args], env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(result.stderr[-3000:])
        ours.append(float(result.stdout.strip().splitlines()[-1]))
    a, b = statistics.median(naive), statistics.median(ours)
    return {"naive_seconds": round(a, 1), "ours_seconds": round(b, 1), "speedup": round(a / b, 1), "repeats": repeats}


def markdown(results: dict) -> str:
    lines = [f"Machine: {results['machine']}", "",
             "| scale | step | wall (s, median) | peak RSS (MB) |", "|---|---|---|---|"]
    for scale, steps in results["pipeline"].items():
        for step, value in steps.items():
            lines.append(f"| {scale} | {step} | {value['seconds']} | {value['peak_rss_mb']} |")
    if "sweep" in results:
        s = results["sweep"]
        lines += ["", f"Grid sweep (84 runs, scale 1): {s['seconds']} s; per run: fit {s['fit_seconds']} s, "
                      f"metrics {s['metrics_seconds']} s, plots {s['plots_seconds']} s, logging {s['logging_seconds']} s "
                      f"(tracking and plots {100 * s['tracking_and_plots_share']:.0f}%); {s['finished']}/{s['runs']} FINISHED."]
    if "notebook" in results:
        n = results["notebook"]
        lines += ["", f"Notebook way (openpyxl + per-customer lambdas + KMeans k=2..10 with full silhouette): "
                      f"{n['naive_seconds']} s; this project on the same xlsx: {n['ours_seconds']} s "
                      f"({n['speedup']}x faster)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", type=float, default=[1, 10])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--no-notebook", action="store_true")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        run_step(args.step, Path(args.work), args.scale)
        return
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{ROOT / 'bench' / 'work' / 'bench.db'}",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    (ROOT / "bench" / "work").mkdir(parents=True, exist_ok=True)
    results = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB RAM, "
                          f"Python {platform.python_version()}",
               "pipeline": {f"{s:g}": pipeline(s, args.repeats, env) for s in args.scales}}
    if not args.no_sweep and 1 in args.scales:
        results["sweep"] = sweep(args.repeats, env, [])
    if not args.no_notebook and 1 in args.scales:
        results["notebook"] = notebook(args.repeats, env)
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (ROOT / "bench" / "results.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
