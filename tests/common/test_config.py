"""One config truth: conf/ composes, params.yaml is its default composition, dvc.yaml agrees."""

from __future__ import annotations

import re

import pytest
import yaml
from conftest import ROOT
from omegaconf import OmegaConf

from segmentation.common.config import compose, load_params
from segmentation.common.errors import UserError

DATA_SOURCES = sorted(p.stem for p in (ROOT / "conf" / "data").glob("*.yaml"))


def test_params_yaml_is_the_default_composition():
    assert OmegaConf.to_container(load_params(ROOT / "params.yaml")) == OmegaConf.to_container(compose(), resolve=True)


def test_data_group_has_the_five_sources():
    assert DATA_SOURCES == ["olist", "online_retail", "online_retail_ii", "synthetic", "transactions"]


@pytest.mark.parametrize("source", DATA_SOURCES)
def test_every_data_source_composes_with_the_keys_readers_need(source):
    cfg = compose([f"data={source}"])
    assert cfg.data.name == source
    assert {"path", "format", "scale", "sheets", "encoding", "delimiter", "date_format", "columns",
            "currency", "market_label", "cancellation_prefix"} <= set(cfg.data)
    assert {"customer_id", "invoice_date", "price", "amount"} <= set(cfg.data.columns)


def test_synthetic_source_reads_what_the_generate_stage_writes():
    cfg = compose()
    assert cfg.data.path == cfg.paths.synthetic


def test_bad_override_is_a_plain_user_error():
    with pytest.raises(UserError, match="bad configuration override"):
        compose(["data=nonexistent"])


def test_every_stage_depends_on_its_own_script_and_reads_only_known_params():
    """The whole import closure is checked by tests/test_dvc_deps.py; here the params."""
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    for name, stage in stages.items():
        module = re.search(r"python -m ([\w.]+)", stage["cmd"]).group(1)
        script = "src/" + module.replace(".", "/") + ".py"
        assert script in stage["deps"], f"stage {name} does not depend on {script}"
        for key in stage.get("params", []):
            node = params
            for part in key.split("."):
                assert part in node, f"stage {name} reads unknown param {key}"
                node = node[part]
