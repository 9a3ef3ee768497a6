"""Where the time goes: every stage of dvc.yaml as its own process, profiled.

Per stage: the wall time of `python -m segmentation.stage <name>` (as DVC runs it, on the
pipeline already built in this checkout, with the caches a rerun would read cleared: the
maintenance studies and the deployments' noise bands, so it shows the work of a first run), the seconds spent importing and their heaviest
top-level modules (`python -X importtime`), and the project's functions with the most cumulative
time (cProfile). Written to bench/profile.md and under "profile" in bench/results.json.

    dvc repro && python bench/profile.py              # every stage
    python bench/profile.py --stages train stability  # some
    python bench/profile.py --baseline                # recorded as the "before" of the comparison

The Performance page (`bench/report.py`) shows the baseline's and the latest profile side by side.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from segmentation.stage import STAGES  # noqa: E402

PROFILED = ("import cProfile, sys, runpy; sys.argv = ['segmentation.stage', *sys.argv[2:]]; "
            "cProfile.run(\"runpy.run_module('segmentation.stage', run_name='__main__')\", sys.argv_profile)")


def imports(stderr: str, top: int = 5) -> tuple[float, list[tuple[str, float]]]:
    """Seconds of the whole import, and the heaviest third-party packages it loads (each where it
    is first imported, its cumulative time), from `-X importtime` output."""
    total, packages = 0.0, {}
    for line in stderr.splitlines():
        found = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( +)(\S+)$", line)
        if not found:
            continue
        seconds, depth, name = int(found.group(1)) / 1e6, len(found.group(2)), found.group(3)
        total += seconds if depth == 1 else 0.0
        if "." not in name and name != "segmentation" and not name.startswith("_"):
            packages[name] = max(packages.get(name, 0.0), seconds)
    heaviest = sorted(packages.items(), key=lambda row: -row[1])[:top]
    return round(total, 2), [(name, round(seconds, 2)) for name, seconds in heaviest]


def hottest(profile: Path, top: int = 6) -> list[tuple[str, float]]:
    """The project's functions with the most cumulative seconds."""
    stats = pstats.Stats(str(profile)).stats
    wrappers = ("stage.py", "common/errors.py")  # the entry point and its error contract wrap everything
    rows = [(f"{path.split('src/segmentation/')[-1]}:{name}", cumulative)
            for (path, _, name), (_, _, _, cumulative, _) in stats.items()
            if "src/segmentation/" in path and not path.endswith(wrappers) and not name.startswith("<")]
    rows.sort(key=lambda row: -row[1])
    return [(name, round(seconds, 2)) for name, seconds in rows[:top]]


#: what a stage keeps for its next run: cleared before each run, so a profile shows the work of a first run
KEPT = ("build/cache/studies", "build/cache/deployments")


def first_run() -> None:
    for folder in KEPT:
        shutil.rmtree(ROOT / folder, ignore_errors=True)


def profile_stage(stage: str) -> dict:
    first_run()
    started = time.perf_counter()
    plain = subprocess.run([sys.executable, "-m", "segmentation.stage", stage], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if plain.returncode != 0:
        raise SystemExit(f"stage {stage} failed:\n{plain.stderr[-3000:]}")
    modules = ["segmentation.stage", *dict.fromkeys(target.split(":")[0] for target in targets(stage))]
    timed = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {', '.join(modules)}"], cwd=ROOT,
                           capture_output=True, text=True)
    first_run()
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "stage.prof"
        code = PROFILED.replace("sys.argv_profile", repr(str(output)))
        subprocess.run([sys.executable, "-c", code, "--", stage], cwd=ROOT, capture_output=True, text=True, check=True)
        functions = hottest(output)
    seconds, heaviest = imports(timed.stderr)
    return {"wall_seconds": round(wall, 2), "import_seconds": seconds, "heaviest_imports": heaviest,
            "hottest_functions": functions}


def targets(stage: str) -> list[str]:
    found = STAGES[stage]
    return [found] if isinstance(found, str) else found


def markdown(profile: dict) -> str:
    lines = [f"Per-stage profile, {profile['date']}, commit {profile['commit']} ({profile['machine']}): each stage "
             "as its own process on the built pipeline.", "",
             "| stage | wall (s) | imports (s) | heaviest imports | most time in |", "|---|---|---|---|---|"]
    for stage, row in profile["stages"].items():
        heavy = ", ".join(f"{name} {s:g}" for name, s in row["heaviest_imports"][:3])
        hot = ", ".join(f"`{name}` {s:g}" for name, s in row["hottest_functions"][:4])
        lines.append(f"| {stage} | {row['wall_seconds']} | {row['import_seconds']} | {heavy} | {hot} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stages", nargs="+", choices=list(STAGES), default=list(STAGES))
    parser.add_argument("--baseline", action="store_true", help='record it as "profile_baseline" (the before)')
    args = parser.parse_args()
    import platform

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    profile = {"date": dt.date.today().isoformat(), "commit": commit,
               "machine": f"{platform.machine()}, Python {platform.python_version()}", "stages": {}}
    for stage in args.stages:
        profile["stages"][stage] = profile_stage(stage)
        print(f"{stage}: {profile['stages'][stage]}", flush=True)
    results_file = ROOT / "bench" / "results.json"
    results = json.loads(results_file.read_text()) if results_file.is_file() else {}
    results["profile_baseline" if args.baseline else "profile"] = profile
    results_file.write_text(json.dumps(results, indent=2) + "\n")
    if not args.baseline:
        (ROOT / "bench" / "profile.md").write_text(markdown(profile))
    print(markdown(profile))


if __name__ == "__main__":
    main()
