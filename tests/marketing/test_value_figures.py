"""The value figures draw from the stage's tables, in any currency."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.image import imread

from segmentation.marketing.value_figures import expected_revenue_bars, holdout_deciles
from segmentation.reporting.value_text import check_sentence

HOLDOUT = {"calibration_cutoff": "1998-04-02", "cutoff": "1998-07-01", "predicted_total": 15358.0,
           "actual_total": 17157.0, "relative_error": -0.105, "spearman": 0.31, "new_customers": 0,
           "new_customer_revenue": 0.0, "horizon_days": 90.0, "customers": 2357}


def test_two_dollar_amounts_in_a_title_are_text_not_a_formula(tmp_path):
    deciles = pd.DataFrame({"decile": [1, 2], "predicted_mean": [1.0, 10.0], "actual_mean": [2.0, 9.0]})
    holdout_deciles(deciles, HOLDOUT, tmp_path / "holdout.png", "USD")
    assert imread(tmp_path / "holdout.png").shape[1] > 800
    assert plt.rcParams["text.parse_math"] is False  # "$15k, actual $17k" would otherwise be set as mathtext


def test_expected_revenue_bars_name_every_segment(tmp_path):
    table = pd.DataFrame({"segment": [0, 1], "expected_revenue": [1000.0, 3000.0], "revenue_at_risk": [200.0, 0.0],
                          "expected_revenue_share": [0.25, 0.75]})
    expected_revenue_bars(table, {0: "Loyal", 1: "Big"}, 90, tmp_path / "bars.png", "EUR", "Checked: -10 %.")
    assert (tmp_path / "bars.png").is_file()


def test_the_check_sentence_without_new_customers():
    value = {"holdout": HOLDOUT}
    assert check_sentence(value, "USD").endswith("(1 = perfect order). No new customer joined in that period.")
