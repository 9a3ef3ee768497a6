"""Benchmark: every pipeline step as its own process (wall time, peak RSS), a cold `dvc repro`
in a fresh clone, the design card's grid sweep, and the naive notebook way on the same data.
Results: bench/results.json and bench/results.md (medians over --repeats), rewritten after
each part so an interrupted run keeps what it measured.

    python bench/run.py --scales 1 10 --repeats 3           # make bench
    python bench/run.py --scales 1 10 100 --repeats 3       # make bench SCALES="1 10 100"
    python bench/run.py --scales 1 --repeats 1 --no-sweep --no-notebook --no-repro   # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = ["generate", "ingest", "clean", "categories", "features", "features_interests", "snapshots", "eda", "train",
         "stability", "value", "report"]
MAPS = ["train_umap", "train_tsne"]  # the train step with the slow 2-D maps (scale 1 only)
# engine=spark (local[2]) for the steps that touch transactions, into work/spark (run with --only)
SPARK_STEPS = ["ingest_spark", "clean_spark", "features_spark", "snapshots_spark", "eda_spark"]
SCALE_100_TARGET = ["generate", "ingest", "clean", "features", "train"]
SWEEP_LAUNCHERS = {"joblib": ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"], "basic": ["hydra/launcher=basic"]}


def overrides(work: Path, scale: float) -> list[str]:
    """Config overrides that put every output of a benchmark run under `work`."""
    paths = {"synthetic": "synthetic.parquet", "raw": "raw.parquet", "clean": "clean.parquet",
             "cleaning_report": "cleaning.json", "cleaning_metrics": "cleaning_metrics.json",
             "ingest_report": "ingest.json", "last_source": "last_source.txt", "eda_metrics": "eda_metrics.json",
             "stability_metrics": "stability_metrics.json",
             "features": "features.parquet", "features_report": "features.json",
             "snapshots": "snapshots", "snapshots_report": "snapshots_meta", "figures": "figures",
             "eda_summary": "eda.json", "eda_monthly": "monthly.csv", "embeddings": "embeddings", "train": "train",
             "stability": "stability", "report": "report.html", "slides": "slides.pptx",
             "segment_names": "segments.csv", "champion": "champion.json", "assignments_latest": "latest.csv",
             "train_run": "train_run_id.txt", "value": "value", "value_metrics": "value_metrics.json",
             "campaign": "campaign", "dashboard": "dashboard.html", "categories": "categories.parquet",
             "categories_summary": "categories.csv", "categories_report": "categories.json",
             "categories_metrics": "categories_metrics.json"}
    return [f"data.scale={scale}", f"data.path={work / 'synthetic.parquet'}", "mlflow.experiment=bench",
            *[f"paths.{key}={work / value}" for key, value in paths.items()]]


def run_step(step: str, work: Path, scale: float) -> None:
    """Run one step in this process (called in a child process by `measure`)."""
    import importlib

    from segmentation.common.config import compose
    from segmentation.stage import STAGES

    variants = {"train_umap": ["projection=umap"], "train_tsne": ["projection=tsne"],
                # the features stage computing the interest features too (into its own file)
                "features_interests": ["features=rfm_interests", f"paths.features={work / 'features_interests.parquet'}",
                                       f"paths.features_report={work / 'features_interests.json'}"]}
    if step in SPARK_STEPS:
        spark = work / "spark"
        variants[step] = ["engine=spark", *[f"paths.{key}={spark / name}" for key, name in (
            ("raw", "raw.parquet"), ("clean", "clean.parquet"), ("cleaning_report", "cleaning.json"),
            ("cleaning_metrics", "cleaning_metrics.json"), ("ingest_report", "ingest.json"),
            ("last_source", "last_source.txt"), ("features", "features.parquet"),
            ("features_report", "features.json"), ("snapshots", "snapshots"), ("snapshots_report", "snapshots_meta"),
            ("figures", "figures"), ("eda_summary", "eda.json"), ("eda_monthly", "monthly.csv"),
            ("eda_metrics", "eda_metrics.json"))]]
    cfg = compose(overrides(work, scale) + variants.get(step, []))
    step = {"train_umap": "train", "train_tsne": "train", "features_interests": "features"}.get(
        step, step.removesuffix("_spark"))
    targets = STAGES[step]  # the stage's own code, as `dvc repro` runs it
    for target in [targets] if isinstance(targets, str) else targets:
        module, function = target.split(":")
        getattr(importlib.import_module(module), function)(cfg)


# runs a command and prints its peak RSS (KB on Linux) last on stderr: exact per child, no GNU time needed
RSS_WRAPPER = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)")


def measure(command: list[str], env: dict, cwd: Path | None = None) -> dict:
    """Wall seconds and peak RSS (MB) of one child process; stops the benchmark if it fails."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", RSS_WRAPPER, *command], env=env, cwd=cwd,
                            capture_output=True, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    return {"seconds": round(wall, 2), "peak_rss_mb": round(int(result.stderr.strip().splitlines()[-1]) / 1024, 1)}


def pipeline(scale: float, repeats: int, env: dict, only: list[str] | None = None) -> dict:
    results: dict[str, list[dict]] = {}
    for repeat in range(repeats):
        work = ROOT / "bench" / "work" / f"scale-{scale:g}-{repeat}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        steps = STEPS + MAPS if scale == 1 else SCALE_100_TARGET if scale > 10 else STEPS
        steps = [s for s in steps + SPARK_STEPS if s in only] if only else steps
        for step in steps:
            results.setdefault(step, [])
            results[step].append(measure([sys.executable, __file__, "--step", step, "--scale", str(scale),
                                          "--work", str(work)], env))
            print(f"scale {scale:g} run {repeat + 1}: {step} {results[step][-1]}", flush=True)
    return {step: median(values) for step, values in results.items()}


def median(values: list[dict]) -> dict:
    return {"seconds": round(statistics.median(v["seconds"] for v in values), 2),
            "peak_rss_mb": round(statistics.median(v["peak_rss_mb"] for v in values), 1),
            "runs": len(values), **stamp()}


def stamp() -> dict:
    """When and on what code a figure was measured (bench/report.py shows it beside the figure)."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=False)
    dirty = subprocess.run(["git", "status", "--porcelain", "src", "conf"], cwd=ROOT, capture_output=True, text=True,
                           check=False)
    return {"date": time.strftime("%Y-%m-%d"), "commit": commit.stdout.strip() + ("-dirty" if dirty.stdout else "")}


def sweep(repeats: int, env: dict, launcher: str) -> dict:
    """The grid at scale 1 (features from the scale-1 pipeline run), with the per-run split and
    a check that every finished run has its radar chart, map and model."""
    import mlflow

    work = ROOT / "bench" / "work" / "scale-1-0"
    walls, splits = [], []
    for repeat in range(repeats):
        store = ROOT / "bench" / "work" / f"sweep-{launcher}-{repeat}.db"
        store.unlink(missing_ok=True)
        run_env = {**env, "MLFLOW_TRACKING_URI": f"sqlite:///{store}"}
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "segmentation.train", "experiment=grid",
                                 *SWEEP_LAUNCHERS[launcher], *overrides(work, 1.0), "mlflow.experiment=bench-sweep",
                                 f"hydra.sweep.dir={ROOT / 'bench' / 'work' / f'sweep-{launcher}-{repeat}'}"],
                                env=run_env, capture_output=True, text=True)
        walls.append(time.perf_counter() - started)
        print(f"sweep {launcher} run {repeat + 1}: {walls[-1]:.0f} s", flush=True)
        client = mlflow.MlflowClient(f"sqlite:///{store}")
        if client.get_experiment_by_name("bench-sweep") is None:  # the sweep did not start (a failed job only exits 1)
            raise SystemExit(f"the {launcher} sweep did not run:\n{result.stderr[-3000:]}")
        experiment = client.get_experiment_by_name("bench-sweep").experiment_id
        runs = client.search_runs([experiment], "tags.`segmentation.role` = 'job'", max_results=1000)
        modelled = {m.source_run_id for m in client.search_logged_models([experiment], max_results=1000)}
        complete = sum(r.info.status == "FINISHED" and r.info.run_id in modelled
                       and {"radar.png", "projection.png"} <= {a.path for a in client.list_artifacts(r.info.run_id)}
                       for r in runs)
        keys = ["fit_seconds", "metrics_seconds", "plots_seconds", "logging_seconds"]
        splits.append({k: statistics.mean(r.data.metrics.get(k, 0.0) for r in runs) for k in keys}
                      | {"runs": len(runs), "finished": sum(r.info.status == "FINISHED" for r in runs),
                         "with_radar_map_model": complete})
    split = {k: round(statistics.median(s[k] for s in splits), 3) for k in splits[0]}
    per_run = sum(split[k] for k in ("fit_seconds", "metrics_seconds", "plots_seconds", "logging_seconds"))
    split["tracking_and_plots_share"] = round((split["plots_seconds"] + split["logging_seconds"]) / per_run, 3)
    return {"launcher": launcher, "seconds": round(statistics.median(walls), 1), "repeats": repeats, **split}


def cold_repro(repeats: int, env: dict) -> dict:
    """`dvc repro` of the default pipeline in a fresh clone of this commit: no cache, no store."""
    import tempfile

    values = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as scratch:
            clone = Path(scratch) / "project"
            subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
            clean_env = {k: v for k, v in env.items() if k != "MLFLOW_TRACKING_URI"}
            values.append(measure(["dvc", "repro", "-q"], clean_env, cwd=clone))
            print(f"cold dvc repro: {values[-1]}", flush=True)
    return median(values)


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
from segmentation.common.config import compose
from segmentation.common.catalog import Catalog
from segmentation.cleaning.run import run as clean
from segmentation.data.run import run as ingest
from segmentation.features.run import customer_features
from segmentation.features.selection import select_features
from segmentation.models.estimators import make_pipeline, fit_labels
from segmentation.models.evaluation import quality
cfg = compose([*sys.argv[2:], "features=rfm"])
ingest(cfg); clean(cfg); customer_features(cfg)
import pandas as pd
X, _ = select_features(pd.read_parquet(Catalog(cfg).features), cfg.features)
for k in range(2, 11):
    pipe = make_pipeline(cfg.features, {**cfg.model, "n_clusters": k}, 0)
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


def targets(results: dict) -> list[str]:
    """The issue's targets against the medians measured."""
    lines = []
    if "repro" in results and not results.get("paired", {}).get("measured", {}).get("cold"):
        # the first goal (≤ 60 s), until #27's paired cold measurement (≤ 30 s) supersedes it
        r = results["repro"]
        lines.append(f"| scale 1: cold `dvc repro` (fresh clone, whole pipeline) | ≤ 60 s | {r['seconds']} s "
                     f"(peak {r['peak_rss_mb']} MB) | {'met' if r['seconds'] <= 60 else 'missed'} |")
    steps = results["pipeline"].get("1", {})
    for step in MAPS:
        if step in steps:
            lines.append(f"| scale 1: train with projection={step.split('_')[1]} (cold cache) | say how long | "
                         f"{steps[step]['seconds']} s (pca: {steps['train']['seconds']} s) | reported |")
    if "notebook" in results:
        n = results["notebook"]
        lines.append(f"| notebook way ÷ this project, same xlsx | ≥ 5× | {n['naive_seconds']} s ÷ {n['ours_seconds']} s"
                     f" = {n['speedup']}× | {'met' if n['speedup'] >= 5 else 'missed'} |")
    for launcher, s in results.get("sweeps", {}).items():
        share = s["tracking_and_plots_share"]
        lines.append(f"| grid sweep, {s['runs']} runs, {launcher} launcher | ≤ 240 s, tracking+plots ≤ 50 % | "
                     f"{s['seconds']} s, {100 * share:.0f} %, {s['with_radar_map_model']}/{s['runs']} with radar, "
                     f"map and model | {'met' if s['seconds'] <= 240 and share <= 0.5 else 'missed'} |")
    big = results["pipeline"].get("100")
    if big:
        total = round(sum(big[step]["seconds"] for step in SCALE_100_TARGET if step in big), 1)
        peak = max(big[step]["peak_rss_mb"] for step in SCALE_100_TARGET if step in big)
        lines.append(f"| scale 100: generate + ingest + clean + features + train (KMeans, sampled silhouette) | "
                     f"≤ 600 s, peak RSS ≤ 8 GB | {total} s, {peak / 1024:.1f} GB | "
                     f"{'met' if total <= 600 and peak <= 8192 else 'missed'} |")
    lines += paired_targets(results)
    return ["| target | goal | measured (median) | |", "|---|---|---|---|", *lines] if lines else []


#: #27's targets, read from the paired comparisons (bench/paired.py): measure -> (what, goal in s)
PAIRED_TARGETS = {"cold": ("scale 1: cold `dvc repro` (fresh clone)", 30),
                  "k_change": ("scale 1: after a repro, `dvc exp run -S model.n_clusters=5`", 15),
                  "grid": ("grid sweep, 84 runs, joblib launcher", 90)}


def paired_targets(results: dict) -> list[str]:
    """A row per target of #27 with the candidate's median of its latest paired comparison."""
    lines = []
    for key, measure in (("paired", "cold"), ("paired", "k_change"), ("paired_grid", "grid")):
        paired = results.get(key, {})
        row = paired.get("measured", {}).get(measure)
        if not row:
            continue
        what, goal = PAIRED_TARGETS[measure]
        candidate, baseline = row["candidate"], row["baseline"]
        lines.append(f"| {what} | ≤ {goal} s | {candidate['seconds']} s at `{paired['commits']['candidate']}` "
                     f"({paired['date']}; `{paired['commits']['baseline']}`: {baseline['seconds']} s, "
                     f"{row['ratio']}× faster) | {'met' if candidate['seconds'] <= goal else 'missed'} |")
    return lines


def markdown(results: dict) -> str:
    """bench/results.md: the same tables as the documentation's Performance page (bench/report.py)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from report import report

    return report(results) + "\n"


def save(results: dict) -> None:
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (ROOT / "bench" / "results.md").write_text(markdown(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", type=float, default=[1, 10])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--launchers", nargs="*", default=["joblib"], choices=sorted(SWEEP_LAUNCHERS),
                        help="launchers for the grid sweep (basic: one job at a time, ≈ 2.5x slower)")
    parser.add_argument("--no-sweep", action="store_true")
    parser.add_argument("--no-notebook", action="store_true")
    parser.add_argument("--no-repro", action="store_true")
    parser.add_argument("--render", action="store_true", help="only rewrite results.md from results.json")
    parser.add_argument("--only", nargs="+", choices=STEPS + MAPS + SPARK_STEPS,
                        help="run these steps only (and what they read must come first: e.g. generate ingest clean "
                             "categories) and merge their medians into bench/results.json")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        run_step(args.step, Path(args.work), args.scale)
        return
    if args.render:
        save(json.loads((ROOT / "bench" / "results.json").read_text()))
        return
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{ROOT / 'bench' / 'work' / 'bench.db'}",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    (ROOT / "bench" / "work").mkdir(parents=True, exist_ok=True)
    results = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB RAM, "
                          f"Python {platform.python_version()}",
               "repeats": args.repeats, "pipeline": {}}
    if args.only:  # a partial run: merge into the recorded results
        recorded = json.loads((ROOT / "bench" / "results.json").read_text())
        for scale in sorted(args.scales):
            recorded["pipeline"].setdefault(f"{scale:g}", {}).update(pipeline(scale, args.repeats, env, args.only))
            save(recorded)
        print(markdown(recorded))
        return
    for scale in sorted(args.scales):
        results["pipeline"][f"{scale:g}"] = pipeline(scale, args.repeats, env)
        save(results)
    if not args.no_repro:
        results["repro"] = cold_repro(args.repeats, env)
        save(results)
    if not args.no_notebook and 1 in args.scales:
        results["notebook"] = {**notebook(args.repeats, env), **stamp()}
        save(results)
    if not args.no_sweep and 1 in args.scales:
        results["sweeps"] = {}
        for launcher in args.launchers:
            results["sweeps"][launcher] = {**sweep(args.repeats, env, launcher), **stamp()}
            save(results)
    print(markdown(results))


if __name__ == "__main__":
    main()
