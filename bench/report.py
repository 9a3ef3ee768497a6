"""The measured part of docs/performance.md, generated from bench/results.json.

    python bench/report.py          # print it (scripts/docs_generate.py writes it into the page)

One table per scale (each step's median wall seconds and peak RSS, with the date and commit it was
measured on, "not recorded" for figures from before the benchmark recorded them), the targets,
the cold `dvc repro`, the grid sweep, the notebook way and the paired comparison of two commits.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
NOT_RECORDED = "not recorded"


def bench_run():
    """bench/run.py as a module (its target rules are the one definition of met and missed)."""
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def provenance(figure: dict) -> str:
    date, commit = when(figure)
    return f"{date}, commit {commit}" if "date" in figure else "date and commit not recorded"


def when(figure: dict) -> tuple[str, str]:
    return figure.get("date", NOT_RECORDED), f"`{figure['commit']}`" if "commit" in figure else NOT_RECORDED


def scale_table(scale: str, steps: dict) -> list[str]:
    lines = [f"### Scale {scale}", "", "| step | wall (s, median) | peak RSS (MB) | runs | measured on | commit |",
             "|---|---:|---:|---:|---|---|"]
    for step, figure in steps.items():
        date, commit = when(figure)
        lines.append(f"| {step} | {figure['seconds']} | {figure['peak_rss_mb']} | {figure.get('runs', '')} | "
                     f"{date} | {commit} |")
    return lines + [""]


def others(results: dict) -> list[str]:
    lines = []
    if "repro" in results:
        r = results["repro"]
        lines.append(f"- Cold `dvc repro` in a fresh clone, scale 1: {r['seconds']} s, peak {r['peak_rss_mb']} MB "
                     f"(median of {r.get('runs', '?')}; {provenance(r)}).")
    for launcher, s in results.get("sweeps", {}).items():
        lines.append(f"- Grid sweep, {launcher} launcher, {s['runs']} runs at scale 1: {s['seconds']} s; per run fit "
                     f"{s['fit_seconds']} s, metrics {s['metrics_seconds']} s, plots {s['plots_seconds']} s, logging "
                     f"{s['logging_seconds']} s; {s['finished']}/{s['runs']} finished ({provenance(s)}).")
    if "notebook" in results:
        n = results["notebook"]
        lines.append(f"- The notebook way on the same xlsx: {n['naive_seconds']} s against {n['ours_seconds']} s for "
                     f"this project ({n['speedup']}× faster; {provenance(n)}).")
    return lines


def paired(results: dict) -> list[str]:
    p = results.get("paired")
    if not p:
        return []
    base, candidate = p["commits"]["baseline"], p["commits"]["candidate"]
    lines = ["### Two commits compared (`bench/paired.py`)", "",
             f"Measured on {p['date']}, {p['machine']}, medians of {p['repeats']}.", "",
             f"| measure | `{base}` (s) | `{candidate}` (s) | ratio |", "|---|---:|---:|---:|"]
    for name, m in p["measured"].items():
        lines.append(f"| {name} | {m['baseline']['seconds']} | {m['candidate']['seconds']} | {m['ratio']} |")
    return lines + [""]


def monthly(results: dict) -> list[str]:
    """One month added to data in monthly files (`bench/monthly.py`), against the full rebuild."""
    if not results.get("monthly"):
        return []
    lines = ["### One month added, against the full rebuild (`bench/monthly.py`)", "",
             "| scale | added month (s) | full rebuild (s) | ratio | peak RSS (MB) | replay, 12 months (s) | measured on "
             "| commit |", "|---|---:|---:|---:|---:|---:|---|---|"]
    for scale, m in results["monthly"].items():
        date, commit = when(m)
        replay = m["replay"]["seconds"] if "replay" in m else "not measured"
        lines.append(f"| {scale} | {m['added_month']['seconds']} | {m['full_rebuild']['seconds']} | {m['ratio']}x | "
                     f"{max(m['added_month']['peak_rss_mb'], m['full_rebuild']['peak_rss_mb'])} | {replay} | {date} | "
                     f"{commit} |")
    steps = " + ".join(next(iter(results["monthly"].values()))["added_month"]["steps"])
    return lines + ["", f"Each side runs {steps} as separate processes, as `dvc repro` does.", ""]


def report(results: dict | None = None) -> str:
    results = results if results is not None else json.loads(RESULTS.read_text())
    run = bench_run()
    machine = (f"Machine: {results['machine']}; each figure is the median of {results['repeats']} runs "
               "unless its row says otherwise.")
    lines = [machine, "", "### Targets", "", *run.targets(results), "", *others(results), ""]
    for scale, steps in results["pipeline"].items():
        lines += scale_table(scale, steps)
    lines += monthly(results)
    lines += paired(results)
    return "\n".join(lines).rstrip()


if __name__ == "__main__":
    print(report())
