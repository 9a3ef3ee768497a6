"""A file in the public CDNOW master layout (`   00001 19970101  1  11.77`: customer, day,
CDs, dollars; whitespace, no header), whose customers follow BG/NBD and Gamma-Gamma with the
parameters published for CDNOW (Fader, Hardie & Lee 2005: r 0.243, alpha 4.414 weeks, a 0.793,
b 2.426; Fader & Hardie 2013: p 6.25, q 3.74, v 15.44). The real file cannot be downloaded
here; this one has its layout and a known generating process, so a forecast check on it says
how far off the model is when its assumptions hold (no seasonality, a closed cohort)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

PUBLISHED = {"r": 0.243, "alpha": 4.414 * 7, "a": 0.793, "b": 2.426, "p": 6.25, "q": 3.74, "v": 15.44}
START, DAYS, JOINING_DAYS = pd.Timestamp("1997-01-01"), 546, 84  # 78 weeks; the cohort joins in Q1 1997


def purchase_days(customers: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(customer index, day) of every purchase: the first on a day of the joining quarter, then
    BG/NBD repeat purchases (exponential gaps at rate lambda, dropout p after each) until day 546."""
    rate = rng.gamma(PUBLISHED["r"], 1 / PUBLISHED["alpha"], customers)
    dropout = rng.beta(PUBLISHED["a"], PUBLISHED["b"], customers)
    now = rng.integers(0, JOINING_DAYS, customers).astype(float)
    who, when = [np.arange(customers)], [now.copy()]
    alive = np.ones(customers, dtype=bool)
    while alive.any():
        now = np.where(alive, now + rng.exponential(1 / rate), now)
        alive &= now < DAYS
        who.append(np.flatnonzero(alive))
        when.append(now[alive])
        alive &= rng.random(customers) >= dropout
    return np.concatenate(who), np.floor(np.concatenate(when)).astype(int)


def write_cdnow_like(path: Path, customers: int = 2357, seed: int = 0) -> Path:
    """The file (one line per purchase; same-day purchases of a customer stay separate lines)."""
    rng = np.random.default_rng(seed)
    who, day = purchase_days(customers, rng)
    nu = rng.gamma(PUBLISHED["q"], 1 / PUBLISHED["v"], customers)
    dollars = rng.gamma(PUBLISHED["p"], 1 / nu[who])
    cds = np.maximum(1, np.round(dollars / 15)).astype(int)
    frame = pd.DataFrame({"customer": who + 1, "date": (START + pd.to_timedelta(day, unit="D")).strftime("%Y%m%d"),
                          "cds": cds, "dollars": dollars.round(2)}).sort_values(["customer", "date"], kind="stable")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{c:>8} {d} {n:>2} {x:>6.2f}\n" for c, d, n, x in frame.itertuples(index=False))
    path.write_text(text)
    return path
