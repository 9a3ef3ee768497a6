"""The trading calendar (seasonality, no Saturdays, closed over Christmas) and drawing days from it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .calibration import END, MONTH_WEIGHT, START, TREND


def trading_calendar() -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Trading days and their relative order intensity (no Saturdays, closed over Christmas)."""
    days = pd.date_range(START, END, freq="D")
    intensity = np.array(days.month.map(MONTH_WEIGHT), dtype=float)
    intensity[days.dayofweek == 5] = 0.0
    intensity[days.dayofweek == 6] *= 0.55
    christmas = ((days.month == 12) & (days.day >= 23)) | ((days.month == 1) & (days.day <= 3))
    intensity[christmas] = 0.0
    return days, intensity


def snap_to_trading_day(day: np.ndarray, open_days: np.ndarray) -> np.ndarray:
    """The last trading day on or before `day` (the first one if none)."""
    position = np.searchsorted(open_days, day, side="right") - 1
    return open_days[np.clip(position, 0, len(open_days) - 1)]


def draw_days(rng, lo: np.ndarray, hi: np.ndarray, cumulative: np.ndarray) -> np.ndarray:
    """Draw a trading day in [lo, hi] for each row, proportional to the calendar intensity."""
    c_lo = np.where(lo > 0, cumulative[np.maximum(lo - 1, 0)], 0.0)
    c_hi = cumulative[hi]
    target = c_lo + rng.random(len(lo)) * (c_hi - c_lo)
    return np.clip(np.searchsorted(cumulative, target, side="left"), lo, hi)


@dataclass(frozen=True)
class Calendar:
    cumulative: np.ndarray  # cumulative order intensity per day, to draw days in proportion to it
    open_days: np.ndarray   # indices of trading days
    last_day: int

    def draw_any_days(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw `n` days anywhere in the data, proportional to the calendar intensity."""
        return draw_days(rng, np.zeros(n, np.int64), np.full(n, self.last_day), self.cumulative)


def order_calendar() -> Calendar:
    days, intensity = trading_calendar()
    # customers' windows pile up late (recent last purchases); a mild decay in the
    # placement of repeat orders keeps 2010 and 2011 revenue level, as in the real data
    cumulative = np.cumsum(intensity * np.exp(-TREND * np.arange(len(days)) / len(days)))
    return Calendar(cumulative, np.flatnonzero(intensity > 0), len(days) - 1)
