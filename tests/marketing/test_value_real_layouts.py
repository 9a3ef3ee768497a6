"""The expected-revenue forecast read through the real file layouts, end to end from the reader:
how far off the holdout check is when the data follow the model (a CDNOW-layout file drawn
from CDNOW's published BG/NBD parameters), and the "not enough data" answer."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from conftest import ROOT
from layouts.cdnow import write_cdnow_like

from segmentation.cleaning.rules import clean_frame, cleaning_rules
from segmentation.data.facts import frame_facts, source_facts
from segmentation.data.readers import iter_transactions, mapped_columns
from segmentation.marketing import trust
from segmentation.marketing.run import forecast

SETTINGS = yaml.safe_load((ROOT / "conf" / "value" / "default.yaml").read_text())
CDNOW = {"header_names": ["customer", "date", "cds", "dollars"], "date_format": "%Y%m%d", "currency": "USD",
         "columns": {"customer_id": "customer", "invoice_date": "date", "amount": "dollars", "quantity": "cds"}}


def cleaned(path, **data) -> pd.DataFrame:
    data = {**yaml.safe_load((ROOT / "conf" / "data" / "transactions.yaml").read_text()), **data, "path": str(path)}
    lines = pd.concat(list(iter_transactions(data)))
    rules = cleaning_rules(yaml.safe_load((ROOT / "conf" / "cleaning" / "default.yaml").read_text()), data,
                           source_facts([frame_facts(lines)], mapped_columns(data)))
    return clean_frame(lines, rules)[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_on_data_that_follow_the_model_the_quarter_total_is_within_its_sampling_noise(tmp_path, seed):
    """2,357 customers as in the CDNOW 1/10 sample: seeds 0-5 missed by -10 %, +15 %, -3 %, -6 %,
    +9 %, +3 % (about 16k dollars a quarter: Poisson noise alone is several %), so 20 % is the bound."""
    lines = cleaned(write_cdnow_like(tmp_path / "CDNOW_master.txt", seed=seed), **CDNOW)
    cutoff = (lines["invoice_date"].max().normalize() + pd.Timedelta(days=1)).date().isoformat()
    segments = pd.DataFrame({"customer_id": lines["customer_id"].unique(), "segment": 0})
    result = forecast(lines, cutoff, segments, {0: "Everyone"}, SETTINGS, "USD", 42)
    assert result["status"] == trust.OK
    assert abs(result["holdout"]["relative_error"]) < 0.20
    assert result["holdout"]["calibration_cutoff"] == "1998-04-02" and result["holdout"]["new_customers"] == 0
    assert result["plan"]["gap"] == pytest.approx(0.10 * result["customers"]["expected_revenue"].sum())


def test_too_little_history_is_not_enough_data_with_the_reasons(tmp_path):
    lines = cleaned(write_cdnow_like(tmp_path / "CDNOW_master.txt", customers=120, seed=0), **CDNOW)
    result = forecast(lines, "1997-05-01", pd.DataFrame({"customer_id": [], "segment": []}), {}, SETTINGS, "USD", 42)
    assert result["status"] == trust.NOT_ENOUGH_DATA and result["customers"] is None
    assert any("customers with a repeat purchase" in reason for reason in result["reasons"])
    assert any("days of history before the cutoff (at least 180 needed" in reason for reason in result["reasons"])
