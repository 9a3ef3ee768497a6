"""Paired benchmark: this commit against another (default: the one before it), in the same run.

Each measurement runs on a fresh clone of each commit, alternating A B A B so a drift of the
machine's speed hits both; each side imports its own code (PYTHONPATH=<clone>/src, the same
installed dependencies). Results go into bench/results.json under "paired" (with the date and
both commits; `--only grid` under "paired_grid", `--only scale10` under "paired_scale10") and bench/results.md; `python bench/report.py` renders the tables users read.

    python bench/paired.py                                # HEAD vs HEAD~1: cold repro, k change, scale 10
    python bench/paired.py --baseline 9e78a4e --grid      # against a given commit, with the 84-run grid
    python bench/paired.py --only cold --repeats 5

Measured, per side: wall seconds and peak RSS of the largest process (MB) of
- cold: `dvc repro` at scale 1 in a fresh clone (no build, no MLflow store, no DVC cache);
- k_change: after that repro, `dvc exp run -S model.n_clusters=5` until the report is rewritten;
- scale10: a cold `dvc repro` at data.scale=10 (once per side: minutes);
- grid: `python -m segmentation.train experiment=grid` (84 runs, joblib launcher) after the repro.
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

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work" / "paired"
# runs a command and prints the peak RSS (KB) of its largest descendant last on stderr
RSS_WRAPPER = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)")


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def environment(clone: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI", "SEGMENTATION_ROOT",
                                                            "SEGMENTATION_STORE_TEMPLATES")}
    return {**env, "PYTHONPATH": str(clone / "src"), "DVC_NO_ANALYTICS": "1",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"}


def fresh_clone(commit: str, name: str, scale: float = 1.0) -> Path:
    """A clone of `commit` with nothing built, at `scale` (committed as the clone's own params)."""
    clone = WORK / name
    shutil.rmtree(clone, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    git("checkout", "-q", commit, cwd=clone)
    if scale != 1.0:
        import yaml

        params = yaml.safe_load((clone / "params.yaml").read_text())
        params["data"]["scale"] = scale
        (clone / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
        git("-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-qam", "scale", cwd=clone)
    return clone


def measure(command: list[str], clone: Path) -> dict:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", RSS_WRAPPER, *command], cwd=clone, env=environment(clone),
                            capture_output=True, text=True)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed in {clone}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return {"seconds": round(wall, 2), "peak_rss_mb": round(int(result.stderr.strip().splitlines()[-1]) / 1024, 1)}


def cold_then_k(commit: str, side: str, with_k: bool, with_grid: bool) -> dict:
    clone = fresh_clone(commit, f"{side}-scale1")
    out = {"cold": measure(["dvc", "repro", "-q"], clone)}
    if with_k:
        git("-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-qam", "repro", "--allow-empty",
            cwd=clone)
        out["k_change"] = measure(["dvc", "exp", "run", "-q", "-S", "model.n_clusters=5"], clone)
    if with_grid:
        out["grid"] = measure([sys.executable, "-m", "segmentation.train", "experiment=grid",
                               "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={clone / 'multirun' / 'grid'}"], clone)
    return out


def summary(values: list[dict]) -> dict:
    seconds = [v["seconds"] for v in values]
    return {"seconds": round(statistics.median(seconds), 2), "min": min(seconds), "max": max(seconds),
            "peak_rss_mb": max(v["peak_rss_mb"] for v in values), "runs": len(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="HEAD~1")
    parser.add_argument("--candidate", default="HEAD")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="+", choices=["cold", "k_change", "scale10", "grid"])
    parser.add_argument("--grid", action="store_true", help="also the 84-run grid (minutes per side)")
    args = parser.parse_args()
    wanted = set(args.only or ["cold", "k_change", "scale10"]) | ({"grid"} if args.grid else set())
    commits = {"baseline": git("rev-parse", "--short", args.baseline),
               "candidate": git("rev-parse", "--short", args.candidate)}
    runs: dict[str, dict[str, list]] = {"baseline": {}, "candidate": {}}
    for repeat in range(args.repeats):
        for side in ("baseline", "candidate") if repeat % 2 == 0 else ("candidate", "baseline"):
            if wanted & {"cold", "k_change"} or (repeat == 0 and "grid" in wanted):
                measured = cold_then_k(commits[side], side, "k_change" in wanted, repeat == 0 and "grid" in wanted)
                for key, value in measured.items():
                    runs[side].setdefault(key, []).append(value)
                    print(f"{side} {commits[side]} {key}: {value}", flush=True)
            if repeat == 0 and "scale10" in wanted:
                value = measure(["dvc", "repro", "-q"], fresh_clone(commits[side], f"{side}-scale10", 10.0))
                runs[side].setdefault("scale10", []).append(value)
                print(f"{side} {commits[side]} scale10: {value}", flush=True)
    table = {key: {side: summary(runs[side][key]) for side in runs} for key in runs["candidate"]}
    for row in table.values():
        row["ratio"] = round(row["baseline"]["seconds"] / row["candidate"]["seconds"], 2)
    results_file = ROOT / "bench" / "results.json"
    results = json.loads(results_file.read_text()) if results_file.is_file() else {}
    # the grid or scale 10 alone (minutes per side, one repeat) is kept beside the cold / k-change comparison
    key = "paired" if wanted & {"cold", "k_change"} else "paired_" + "_".join(sorted(wanted))
    results[key] = {"date": dt.date.today().isoformat(), "machine": machine(), "commits": commits,
                    "repeats": args.repeats, "measured": table}
    results_file.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results[key], indent=2))


def machine() -> str:
    import platform

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GB RAM, Python {platform.python_version()}"


if __name__ == "__main__":
    main()
