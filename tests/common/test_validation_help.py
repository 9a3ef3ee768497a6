"""Strict config values (booleans, enumerations, ranges: one line and the fix, exit 2, wherever
a run starts) and the help a user gets: `--help` of the Hydra commands, `make help`."""

from __future__ import annotations

import functools
import re
import subprocess

import pytest
import yaml
from conftest import ROOT, assert_one_line, hydra_command, make_project, run_stage
from omegaconf import OmegaConf

from segmentation.common.config import compose
from segmentation.common.errors import UserError
from segmentation.common.validation import RULES, check

GROUPS = {group.name: sorted(p.stem for p in group.glob("*.yaml")) for group in (ROOT / "conf").iterdir()
          if group.is_dir()}


@functools.cache
def compositions() -> tuple:
    """The default composition and every option of every group (experiments included); composed
    once per worker (~7 s), for the two tests of group "compositions" that read them."""
    return (compose(), *(compose([f"{group}={option}"]) for group, options in GROUPS.items() for option in options))


def leaves(node, prefix=""):
    for key, value in node.items():
        if isinstance(value, dict):
            yield from leaves(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


@pytest.mark.parametrize("override, message", [
    # boolean
    ("cleaning.drop_non_product=maybe", "cleaning.drop_non_product='maybe' is not true or false. "
                                        "Fix: use cleaning.drop_non_product=true or false."),
    ("mlflow.log_model=1", "mlflow.log_model=1 is not true or false. Fix: use mlflow.log_model=true or false."),
    # enumeration, with and without null, booleans among the options
    ("features.scaler=zscore", "features.scaler='zscore' is not one of standard, robust or minmax. "
                               "Fix: use features.scaler=standard, robust or minmax."),
    ("cleaning.drop_duplicates=maybe", "cleaning.drop_duplicates='maybe' is not one of auto, true or false. "
                                       "Fix: use cleaning.drop_duplicates=auto, true or false."),
    ("assign.noise=far", "assign.noise='far' is not one of keep or nearest. "
                         "Fix: use assign.noise=keep or nearest (null: as trained)."),
    ("projection.method=mds", "projection.method='mds' is not one of pca, tsne or umap. "
                              "Fix: use projection.method=pca, tsne or umap."),
    ("features.wholesalers=maybe", "features.wholesalers='maybe' is not one of keep, drop or separate. "
                                   "Fix: use features.wholesalers=keep, drop or separate."),
    # a former key: its replacement, with the value the old one meant
    ("features.drop_wholesalers=true", "features.drop_wholesalers=true was replaced by features.wholesalers "
                                       "(keep, drop or separate). Fix: use features.wholesalers=drop."),
    # a list drawn from options
    ("stability.classifiers=[random_forest,svm]", "stability.classifiers=['random_forest', 'svm'] is not a list "
                                                  "drawn from random_forest or nearest_centroid. Fix: e.g. "
                                                  "stability.classifiers=[random_forest,nearest_centroid] "
                                                  "(or [] for none)."),
    # ranges: open bounds, whole numbers, null where it means something
    ("features.wholesaler_quantile=1", "features.wholesaler_quantile=1 must be a number (above 0 and below 1). "
                                       "Fix: e.g. features.wholesaler_quantile=0.98."),
    ("data.scale=0", "data.scale=0 must be a number (above 0). Fix: e.g. data.scale=1 "
                     "(null: not a synthetic source)."),
    ("model.n_clusters=1", "model.n_clusters=1 must be a whole number (at least 2). Fix: e.g. model.n_clusters=4 "
                           "(null: the estimator's own choice)."),
    ("model.n_clusters=2.5", "model.n_clusters=2.5 must be a whole number (at least 2)."),
    ("evaluation.bootstrap_resamples=0", "evaluation.bootstrap_resamples=0 must be a whole number (at least 1)."),
    ("seed=-1", "seed=-1 must be a whole number (at least 0). Fix: e.g. seed=42."),
    ("stability.threshold=1.5", "stability.threshold=1.5 must be a number (above 0 and at most 1)."),
    ("select.min_bootstrap_ari=true", "select.min_bootstrap_ari=true must be a number (at least -1 and at most 1)."),
])
def test_a_bad_value_is_one_line_naming_it_and_the_fix(override, message):
    with pytest.raises(UserError) as error:
        compose([override])
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


@pytest.mark.parametrize("override", [
    "features.wholesalers=separate", "features.drop_wholesalers=null", "cleaning.drop_duplicates=false",
    "cleaning.drop_duplicates=auto",
    "assign.noise=null", "assign.noise=keep", "stability.classifiers=[]", "features.wholesaler_quantile=0.5",
    "data.scale=0.1", "data=transactions", "model.n_clusters=2", "model=hdbscan model.noise=keep",
    "select.min_refresh_interval_months=null", "select.min_bootstrap_ari=0", "stability.noise_resamples=0",
])
def test_good_values_pass(override):
    assert compose(override.split()) is not None


@pytest.mark.xdist_group("compositions")
def test_the_rules_cover_every_boolean_and_number_in_conf_and_name_only_real_keys():
    """A new switch or quantity in conf/ must get its rule; a rule must not check a key no
    composition has (a typo would silently check nothing)."""
    ruled = {rule.key for rule in RULES}
    seen: set[str] = set()
    for cfg in compositions():
        values = dict(leaves(OmegaConf.to_container(cfg, resolve=True)))
        seen |= set(values)
        unruled = {key for key, value in values.items() if isinstance(value, (bool, int, float))
                   and not key.startswith("paths.")} - ruled
        assert not unruled, f"no validation rule for {sorted(unruled)}"
    assert ruled <= seen, f"rules for keys no composition has: {sorted(ruled - seen)}"


@pytest.mark.xdist_group("compositions")
def test_every_shipped_composition_passes():
    for cfg in compositions():
        assert check(cfg) is cfg


def test_a_dvc_stage_refuses_a_bad_params_yaml_value(tmp_path):
    """`dvc exp run -S features.wholesalers=maybe` writes it into params.yaml; the stage stops
    before reading anything."""
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    project = make_project(tmp_path, features={**params["features"], "wholesalers": "maybe"})
    result = run_stage("features", project)
    assert_one_line(result, "features.wholesalers='maybe' is not one of keep, drop or separate. "
                            "Fix: use features.wholesalers=keep, drop or separate.")
    assert not (project / "build").exists()


@pytest.mark.parametrize("module", ["segmentation.train", "segmentation.select", "segmentation.assign",
                                    "segmentation.prepare"])
def test_every_hydra_command_refuses_a_bad_value(module, tmp_path):
    result = hydra_command(module, "features.scaler=zscore", f"hydra.run.dir={tmp_path}/run", tmp_path=tmp_path)
    assert_one_line(result, "features.scaler='zscore' is not one of standard, robust or minmax. "
                            "Fix: use features.scaler=standard, robust or minmax.")


def test_a_sweep_with_a_bad_value_stops_at_once(tmp_path):
    """An old command line sweeping the former switch: Hydra accepts the key (null in conf/), the
    check names its replacement before the first job."""
    result = hydra_command("segmentation.train", "-m", "features.drop_wholesalers=false,true", "model.n_clusters=2",
                           "hydra/launcher=basic", f"hydra.sweep.dir={tmp_path}/sweep", tmp_path=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
    assert errors == ["error: features.drop_wholesalers=false was replaced by features.wholesalers (keep, drop or "
                      "separate). Fix: use features.wholesalers=keep."]  # (the sweep's own closing line may follow)
    assert "#1 :" not in result.stdout + result.stderr  # the second job never started


def test_help_starts_with_the_usage_and_examples_then_the_config(tmp_path):
    result = hydra_command("segmentation.train", "--help", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("usage: python -m segmentation.train [key=value ...]")
    sweep = "python -m segmentation.train -m features=rfm,rfm_extras model=kmeans,gmm 'model.n_clusters=range(2,11)'"
    order = [text.index(part) for part in ("usage:", sweep, "experiment=grid", "segmentation.use_data",
                                            "Results:", "== Configuration groups", "model: gmm, hdbscan",
                                            "wholesalers: keep")]
    assert order == sorted(order)
    select_help = hydra_command("segmentation.select", "--help", tmp_path=tmp_path).stdout
    assert select_help.startswith("usage: python -m segmentation.select [key=value ...]")


def test_make_help_lists_every_target_with_its_description():
    result = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    listed = dict(re.findall(r"^  (\S+) +(.+)$", result.stdout, flags=re.MULTILINE))
    phony = re.search(r"^\.PHONY:(.*)$", (ROOT / "Makefile").read_text(), flags=re.MULTILINE).group(1).split()
    assert set(phony) == set(listed) and {"repro", "test", "ui", "help"} <= set(listed)
    assert listed["repro"] == "rebuild every pipeline output from the data (DVC)"
    assert all(len(description) > 10 for description in listed.values())


def test_every_allowed_value_is_implemented_and_nothing_else_is():
    """The validation table is the one list of each enumeration's values; the code implementing
    them covers exactly that list (a new option is added in one place and implemented in another)."""
    from segmentation.common.validation import options
    from segmentation.features.selection import SCALER_CLASSES, make_preprocessor
    from segmentation.maintenance.curve_figure import CURVE_LABELS
    from segmentation.tracking.run_names import WHOLESALER_WORDS

    assert set(SCALER_CLASSES) == set(options("features.scaler")) == {"standard", "robust", "minmax"}
    assert set(WHOLESALER_WORDS) == set(options("features.wholesalers")) == {"keep", "drop", "separate"}
    assert set(CURVE_LABELS) == set(options("stability.curve")) == {"keep_vs_refit", "baseline_vs_refit"}
    for transform in options("features.transform"):
        for scaler in options("features.scaler"):
            assert len(make_preprocessor(transform, scaler).steps) == (2 if transform == "log1p" else 1)
    with pytest.raises(UserError, match=r"features.scaler='zscore' is not one of standard, robust or minmax"):
        make_preprocessor("none", "zscore")
