"""Whether the expected-revenue forecast can be shown, and how much to trust it (pure).

Three answers, each with its reasons in words:
- not_enough_data: too few customers with a repeat purchase to fit the models, or too little
  history before the holdout's calibration cutoff to check them (no forecast is shown);
- unreliable: the holdout check missed the past horizon's total by more than
  `max_holdout_error` (the forecast is shown with its error, no plan is derived from it);
  a rank correlation below `min_rank_correlation` adds a note on the per-customer order;
- ok: the forecast and the plan are shown, always with the holdout error beside them.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

NOT_ENOUGH_DATA, UNRELIABLE, OK = "not_enough_data", "unreliable", "ok"


def history_problems(inputs: pd.DataFrame, first_date, cutoff, horizon_days: float, min_repeat: int) -> list[str]:
    """Reasons the forecast cannot be fitted and checked (empty: it can). `inputs` are the
    customers as of `cutoff` (btyd_inputs); `first_date` is the data's first purchase date."""
    problems = []
    repeat = int((inputs["frequency"] > 0).sum()) if len(inputs) else 0
    if repeat < min_repeat:
        problems.append(f"{repeat:,} customers with a repeat purchase (at least {min_repeat:,} needed to fit "
                        "purchase rates)")
    history = (pd.Timestamp(cutoff) - pd.Timestamp(first_date)).days if first_date is not None else 0
    if history < 2 * horizon_days:
        problems.append(f"{history:,} days of history before the cutoff (at least {2 * horizon_days:,.0f} needed: "
                        f"one {horizon_days:,.0f}-day horizon to fit on and one to check the forecast against)")
    return problems


def judged(holdout: Mapping, max_holdout_error: float, min_rank_correlation: float) -> dict:
    """status (ok or unreliable: the total's miss only) and its reasons; ranking_ok and
    ranking_note for the per-customer order the campaign lists follow. A weak rank correlation
    alone does not make the forecast unreliable: purchases are random, so even a true model
    ranks low-frequency customers poorly (about 0.3 on data simulated from BG/NBD itself)."""
    reasons = []
    error, rank = holdout["relative_error"], holdout["spearman"]
    if not pd.notna(error) or abs(error) > max_holdout_error:
        reasons.append(f"the check on the past {holdout['horizon_days']:,.0f} days missed the actual total by "
                       f"{error:+.0%} (more than the {max_holdout_error:.0%} allowed)" if pd.notna(error)
                       else "the past horizon had no revenue from these customers to check against")
    ranking_ok = bool(pd.notna(rank) and rank >= min_rank_correlation)
    note = "" if ranking_ok else (
        f"the order of customers by expected revenue is weak (rank correlation {rank:.2f} with what they spent, "
        f"below {min_rank_correlation:.2f}): use the campaign lists' expected revenue by segment, not customer by "
        "customer" if pd.notna(rank) else "the order of customers by expected revenue could not be checked")
    return {"status": UNRELIABLE if reasons else OK, "reasons": reasons, "ranking_ok": ranking_ok,
            "ranking_note": note}
