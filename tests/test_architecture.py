"""The layout's rules, checked on the code itself: commands at the package root and nowhere
else, step folders in the order of the flow with no arrow back up, no two modules of one name,
no cycles, one catalog for artifact paths, small modules and functions, algorithms added by
config alone."""

from __future__ import annotations

import ast
import importlib.util
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT

from segmentation.common.config import compose

spec = importlib.util.spec_from_file_location("dvc_deps", ROOT / "scripts" / "dvc_deps.py")
dvc_deps = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dvc_deps)

SRC = ROOT / "src"
PACKAGE = SRC / "segmentation"
#: the step folders in the order of the flow: a folder imports only the folders before it
FLOW = ["common", "engines", "tracking", "data", "cleaning", "features", "company", "models", "maintenance",
        "marketing", "reporting", "dashboard", "serving", "monitoring", "sweeps"]
#: file names several folders use by convention: a package's `__init__.py`, and `run.py`, the
#: edge of a step (its DVC stages, and what its commands call)
SHARED_NAMES = {"__init__.py", "run.py"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runs_as_main(path: Path) -> bool:
    """A module meant to be run (`python -m`): a `__main__.py`, or one with a `__main__` guard."""
    return path.name == "__main__.py" or any(
        isinstance(node, ast.If) and "__main__" in ast.unparse(node.test) for node in ast.parse(path.read_text()).body)


ENTRY_POINTS = {module_name(p) for p in PACKAGE.rglob("*.py") if runs_as_main(p)}


def is_entry_point(name: str) -> bool:
    return name in ENTRY_POINTS


def folder_of(name: str) -> str | None:
    """The step folder a module belongs to (None at the package root)."""
    parts = name.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and (PACKAGE / parts[1]).is_dir()) else None


def project_imports() -> dict[str, set[str]]:
    """Module -> the project modules it imports (function-level imports included)."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in dvc_deps.imported_modules(path, SRC) if m in modules} for name, path in modules.items()}


def test_the_commands_are_found_by_their_main_guard_and_are_the_package_root():
    """Every module at the package root is a command, and every command is at the root."""
    root_modules = {module_name(p) for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    assert root_modules == ENTRY_POINTS
    assert {"segmentation.train", "segmentation.select", "segmentation.assign", "segmentation.prepare",
            "segmentation.stage"} <= ENTRY_POINTS


def test_every_folder_is_a_step_of_the_flow():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(FLOW)


def test_the_tests_mirror_the_code():
    """tests/<step>/ for each step folder; besides them only the end-to-end tests (pipeline/), the
    real layouts the tests build (layouts/) and the documentation's tests (docs/)."""
    folders = {p.name for p in (ROOT / "tests").iterdir() if p.is_dir() and not p.name.startswith((".", "__"))}
    assert folders == set(FLOW) | {"pipeline", "layouts", "docs"}
    assert all(list((ROOT / "tests" / step).glob("test_*.py")) for step in FLOW)


def test_folders_import_only_the_folders_before_them_in_the_flow():
    """No arrow runs back up: a kit lives below its users (plot style in common, segment names in models)."""
    back = sorted(f"{name} -> {other}" for name, imported in project_imports().items()
                  if (here := folder_of(name)) for other in imported
                  if (there := folder_of(other)) and FLOW.index(there) > FLOW.index(here))
    assert back == []


def test_no_two_modules_share_a_file_name():
    names = [p.name for p in PACKAGE.rglob("*.py") if p.name not in SHARED_NAMES]
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_nothing_imports_an_entry_point():
    offenders = {name: sorted(filter(is_entry_point, imported)) for name, imported in project_imports().items()
                 if not is_entry_point(name)}
    assert not {k: v for k, v in offenders.items() if v}, "the core imports entry points"


def test_entry_points_import_no_other_entry_point():
    offenders = {name: sorted(m for m in imported if is_entry_point(m))
                 for name, imported in project_imports().items() if is_entry_point(name)}
    assert not {k: v for k, v in offenders.items() if v}


def test_the_import_graph_has_no_cycle():
    graph = {name: {m for m in imported if m != name} for name, imported in project_imports().items()}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(nxt_ := node, ())):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt]
                pytest.fail(f"import cycle: {' -> '.join(cycle)}")
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[nxt_] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])


def test_only_the_catalog_reads_artifact_locations():
    pattern = re.compile(r"\w\.paths\b|\[[\"']paths[\"']\]")  # cfg.paths, x["paths"]
    readers = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
               if p.name != "catalog.py" and pattern.search(p.read_text())]
    assert readers == []


def test_modules_and_functions_stay_small():
    long_modules = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py")
                    if (n := len(p.read_text().splitlines())) > 300}
    long_functions = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > 60:
                    long_functions[f"{path.relative_to(ROOT)}:{node.name}"] = length
    assert long_modules == {} and long_functions == {}


@pytest.mark.parametrize("model, run_name", [
    ("kmeans", "kmeans-k4-rfm_extras-all"), ("gmm", "gmm-k4-rfm_extras-all"),
    ("hdbscan", "hdbscan-mcs50-msauto-rfm_extras-all"), ("minibatch_kmeans", "minibatch_kmeans-k4-rfm_extras-all")])
def test_every_model_config_composes_builds_its_target_and_names_its_runs(model, run_name):
    from hydra.utils import get_class

    from segmentation.models.estimators import make_pipeline
    from segmentation.tracking.runs import run_name as name_of

    cfg = compose([f"model={model}"])
    assert name_of(cfg) == run_name
    pipeline = make_pipeline(cfg.features, cfg.model, seed=0)
    assert type(pipeline.steps[-1][1]) is get_class(cfg.model._target_)


def test_a_new_algorithm_is_one_yaml_file(tmp_path, monkeypatch):
    """Birch, unknown to the code, is declared in conf/ alone: it fits, is seeded where it can be,
    and names its runs."""
    from segmentation.models.estimators import fit_labels, make_pipeline
    from segmentation.tracking.runs import run_name

    shutil.copytree(ROOT / "conf", tmp_path / "conf")
    shutil.copy(ROOT / "dvc.yaml", tmp_path / "dvc.yaml")
    (tmp_path / "conf" / "model" / "birch.yaml").write_text(yaml.safe_dump(
        {"name": "birch", "_target_": "sklearn.cluster.Birch", "short_names": {"n_clusters": "k", "threshold": "t"},
         "n_clusters": 3, "threshold": 0.5}))
    monkeypatch.setenv("SEGMENTATION_ROOT", str(tmp_path))
    cfg = compose(["model=birch", "model.n_clusters=3", "features=rfm"])
    assert run_name(cfg) == "birch-k3-t0.5-rfm-all"
    rng = np.random.default_rng(0)
    centres = np.array([[5, 30, 8000], [60, 5, 800], [400, 1, 100]], float)
    X = pd.DataFrame(np.vstack([c * np.exp(rng.normal(scale=0.05, size=(50, 3))) for c in centres]),
                     columns=["recency", "frequency", "monetary"])
    labels = fit_labels(make_pipeline(cfg.features, cfg.model, seed=0), X)
    assert len(set(labels)) == 3 and len(set(labels[:50])) == 1


def test_the_architecture_page_shows_the_tree_as_it_is():
    """The architecture page's tree (generated from the package, tests/docs checks it is current) lists
    every step folder once, in the order of the flow declared here, and every command, and nothing that
    does not exist."""
    page = (ROOT / "docs" / "architecture.md").read_text()
    block = page.split("<!-- BEGIN GENERATED tree", 1)[1].split("```", 2)[1]
    folders = re.findall(r"^  ([a-z_]+)/ ", block, re.M)
    assert folders == FLOW
    [commands] = [line.split("(the commands)")[0].split() for line in block.splitlines() if "(the commands)" in line]
    assert {f"segmentation.{name.removesuffix('.py')}" for name in commands} == ENTRY_POINTS
