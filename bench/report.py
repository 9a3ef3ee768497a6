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
    """Each paired comparison of two commits (`paired`; `paired_grid`, `paired_scale10`: run on their own),
    with the peak RSS of each side's largest process."""
    lines = []
    for key in ("paired", "paired_grid", "paired_scale10"):
        p = results.get(key)
        if not p:
            continue
        base, candidate = p["commits"]["baseline"], p["commits"]["candidate"]
        if not lines:
            lines = ["### Two commits compared (`bench/paired.py`)", ""]
        lines += [f"Measured on {p['date']}, {p['machine']}, medians of {p['repeats']}.", "",
                  f"| measure | `{base}` (s) | `{candidate}` (s) | ratio | `{base}` peak (MB) | `{candidate}` peak (MB) |",
                  "|---|---:|---:|---:|---:|---:|"]
        for name, m in p["measured"].items():
            lines.append(f"| {name} | {m['baseline']['seconds']} | {m['candidate']['seconds']} | {m['ratio']} | "
                         f"{m['baseline']['peak_rss_mb']} | {m['candidate']['peak_rss_mb']} |")
        lines.append("")
    return lines


def profiles(results: dict) -> list[str]:
    """Each stage's wall time as its own process, before (`profile_baseline`) and after
    (`profile`), with where the time goes now (`bench/profile.py`)."""
    after, before = results.get("profile"), results.get("profile_baseline")
    if not after:
        return []
    stages = [*after["stages"], *(s for s in (before or {}).get("stages", {}) if s not in after["stages"])]
    head = (f"Each stage as its own process on a built pipeline (`bench/profile.py`): before at `{before['commit']}` "
            f"({before['date']}), now at `{after['commit']}` ({after['date']})." if before else
            f"Each stage as its own process on a built pipeline (`bench/profile.py`), at `{after['commit']}` "
            f"({after['date']}).")
    lines = ["### Where the time goes, stage by stage", "", head, "",
             "| stage | before (s) | now (s) | of which imports (s) | most time in, now |", "|---|---:|---:|---:|---|"]
    for stage in stages:
        now, then = after["stages"].get(stage), (before or {}).get("stages", {}).get(stage)
        hot = ", ".join(f"`{name}` {seconds:g}" for name, seconds in now["hottest_functions"][:2]) if now else \
            "merged into another stage"
        lines.append(f"| {stage} | {then['wall_seconds'] if then else '-'} | {now['wall_seconds'] if now else '-'} | "
                     f"{now['import_seconds'] if now else '-'} | {hot} |")
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
    lines += profiles(results)
    lines += monthly(results)
    lines += paired(results)
    return "\n".join(lines).rstrip()


if __name__ == "__main__":
    print(report())
