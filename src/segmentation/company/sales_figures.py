"""Company-performance figures for general management: plain titles, money in data.currency,
no jargon. Only the figures the data support are drawn; the others are listed with the column
that would enable them."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from segmentation.common.figure_style import BLUE, GREY, ORANGE, PALETTE, save, style  # noqa: E402
from segmentation.common.money import money, money_axis, unit  # noqa: E402
from segmentation.company.periods import data_span, day_text, partial_months_note, year_labels  # noqa: E402
from segmentation.company.sales import TOP_COUNTRIES, CompanyPerformance, plural  # noqa: E402

NO_CANCELLATIONS = ("no cancellations in the data: map an invoice column whose cancellations start with "
                    "data.cancellation_prefix, or quantities/amounts with negative values")


@dataclass(frozen=True)
class Look:
    """What the figures say about the data: the currency of amounts and what a market is."""
    currency: str | None = None
    market_label: str = "country"


def _note(ax, text: str) -> None:
    """A footnote under the whole figure (kept out of the axes so layouts stay intact)."""
    ax.figure.text(0.01, 0.01, text, fontsize=8.5, color=GREY, ha="left", va="bottom")


#: width one "Jan 2023" tick label needs, with a gap, in inches at the figures' font size
MONTH_LABEL_INCHES = 0.95


def month_step(months: int, width_inches: float) -> int:
    """Months between two labelled ticks so that the labels of `months` months fit in
    `width_inches`: 1, 2, 3, 4, 6, 12 or 24."""
    room = max(1, int(width_inches / MONTH_LABEL_INCHES))
    return next((step for step in (1, 2, 3, 4, 6, 12) if months / step < room), 24)


def _month_axis(ax, periods) -> None:
    """Month ticks spaced so that no two labels overlap at the axes' width."""
    periods = pd.DatetimeIndex(periods)
    months = 1 if periods.empty else (periods.max().year - periods.min().year) * 12 + periods.max().month \
        - periods.min().month + 2
    step = month_step(months, ax.get_position().width * ax.figure.get_figwidth())
    locator = mdates.YearLocator(2) if step > 12 else mdates.MonthLocator(bymonth=range(1, 13, step))
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y" if step >= 12 else "%b %Y"))


def _span(perf: CompanyPerformance) -> tuple[str | None, str | None]:
    """The data's first and last dates: days when the summary holds them, else months."""
    return data_span(perf.summary, None, perf.monthly["period"].dt.strftime("%Y-%m"))


def _partial_note(ax, perf: CompanyPerformance, text: str = "") -> None:
    note = " ".join(t for t in (text, partial_months_note(*_span(perf))) if t)
    if note:
        _note(ax, note)


def _money_label(text: str, currency: str | None) -> str:
    """An axis label for amounts: tick labels carry the currency, unless it is not set."""
    return text if currency else f"{text} ({unit(currency)})"


def monthly_sales(perf: CompanyPerformance, target: Path, look: Look) -> None:
    fig, ax = plt.subplots(figsize=(11, 4.8))
    months = perf.monthly["period"]
    years = sorted({d.year for d in months})
    color_of = {year: PALETTE[i % len(PALETTE)] for i, year in enumerate(years)}
    ax.bar(months, perf.monthly["revenue"], width=24, color=[color_of[d.year] for d in months])
    ax.set_ylim(top=max(float(perf.monthly["revenue"].max()), 0.0) * 1.15 or None)  # room for the legend
    ax.yaxis.set_major_formatter(FuncFormatter(money_axis(look.currency)))
    best = perf.monthly.loc[perf.monthly["revenue"].idxmax(), "period"]
    ax.set_title(f"Sales per month (best month: {best:%B %Y})")
    ax.set_ylabel(_money_label("Net sales", look.currency))
    _month_axis(ax, months)
    labels = year_labels(years, *_span(perf))
    ax.legend(handles=[Patch(color=color_of[y], label=labels[str(y)]) for y in years], frameon=False,
              ncol=len(years), loc="upper left")
    _partial_note(ax, perf, "Net sales = purchases minus cancellations.")
    save(fig, target)


def yearly_overview(perf: CompanyPerformance, target: Path, look: Look) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.2))
    first, last = _span(perf)
    labels = year_labels(perf.yearly["period"].astype(int).astype(str), first, last)
    years = [label.replace(" (", "\n(") for label in labels.values()]
    for ax, column, title, fmt in [
        (axes[0], "revenue", _money_label("Net sales per year", look.currency), money_axis(look.currency)),
        (axes[1], "orders", "Orders per year", lambda v, _=None: f"{v:,.0f}"),
        (axes[2], "customers", "Active customers per year", lambda v, _=None: f"{v:,.0f}"),
    ]:
        bars = ax.bar(years, perf.yearly[column], color=BLUE)
        ax.set_title(title)
        ax.yaxis.set_major_formatter(FuncFormatter(fmt))
        for bar, value in zip(bars, perf.yearly[column]):
            ax.annotate(fmt(value), (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        ha="center", va="bottom", fontsize=9)
    partial = [label for label in labels.values() if "(" in label]
    _note(axes[0], f"Data run from {day_text(first)} to {day_text(last)}."
          + (f" Partial years: {', '.join(partial)}." if partial else " Every year is complete."))
    save(fig, target)


def sales_by_country(perf: CompanyPerformance, target: Path, look: Look) -> None:
    table = perf.countries.iloc[::-1]
    names = [str(c) for c in table["country"]]
    top = (perf.summary.get("top_market") or {}).get("name")
    markets = int(perf.summary.get("countries") or len(names))
    fig, ax = plt.subplots(figsize=(9, 5.2))
    ax.barh(names, table["revenue"], color=[ORANGE if c == top else BLUE for c in names])
    ax.xaxis.set_major_formatter(FuncFormatter(money_axis(look.currency)))
    total = perf.countries["revenue"].sum()
    for y, value in enumerate(table["revenue"]):
        ax.annotate(f" {100 * value / total:.1f}%", (value, y), va="center", fontsize=9)
    label = plural(look.market_label)
    ax.set_title(f"Where sales come from: top {TOP_COUNTRIES} {label}" if markets > TOP_COUNTRIES
                 else f"Where sales come from: all {markets} {label if markets > 1 else look.market_label}")
    ax.set_xlabel(_money_label("Net sales (share of the total in %)", look.currency))
    save(fig, target)


def _type_bars(ax, perf: CompanyPerformance, dimension: str, title: str, currency: str | None) -> None:
    """One panel of customer types: net sales per type, with its share and customers."""
    table = perf.customer_types[perf.customer_types["dimension"] == dimension]
    bars = ax.bar([textwrap.fill(str(t), 16) for t in table["type"]], table["revenue"],
                  color=[BLUE, ORANGE, GREY][: len(table)])  # wrapped: three panels share the figure's width
    ax.yaxis.set_major_formatter(FuncFormatter(money_axis(currency)))
    ax.set_title(textwrap.fill(title, 40), fontsize=11)
    for bar, (_, row) in zip(bars, table.iterrows()):
        label = f"{row['revenue_share_pct']:.0f}% of sales"
        if dimension != "Identification" or row["type"] == "Identified":
            label += f"\n{int(row['customers']):,} customers"
        ax.annotate(label, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center",
                    va="bottom", fontsize=9)
    ax.margins(y=0.25)


def _type_axes(panels: int):
    """The monthly panel across the top (room for its month labels), `panels` bar panels below."""
    fig = plt.figure(figsize=(12, 8.5))
    grid = fig.add_gridspec(2, max(panels, 1))
    return fig, fig.add_subplot(grid[0, :]), [fig.add_subplot(grid[1, i]) for i in range(panels)]


def customer_types(perf: CompanyPerformance, target: Path, look: Look) -> None:
    top = (perf.summary.get("top_market") or {}).get("name")
    wanted = [("Account", "Wholesale vs retail customers"),
              ("Identification", "Sales with and without a customer id"),
              ("Market", f"{top} vs other {plural(look.market_label)}")]
    present = set(perf.customer_types["dimension"])
    panels = [(dimension, title) for dimension, title in wanted if dimension in present]
    fig, ax, bar_axes = _type_axes(len(panels))
    pivot = perf.new_vs_returning.pivot(index="period", columns="type", values="revenue").fillna(0)
    bottom = np.zeros(len(pivot))
    for column, color in zip(["Returning", "New"], [BLUE, ORANGE]):
        if column in pivot:
            ax.bar(pivot.index, pivot[column], width=24, bottom=bottom, color=color, label=f"{column} customers")
            bottom += pivot[column].to_numpy()
    ax.yaxis.set_major_formatter(FuncFormatter(money_axis(look.currency)))
    _month_axis(ax, pivot.index)
    ax.set_title(_money_label("Monthly sales from new and returning customers", look.currency))
    if not pivot.empty:
        ax.legend(frameon=False)
    for panel_ax, (dimension, title) in zip(bar_axes, panels):
        _type_bars(panel_ax, perf, dimension, title, look.currency)
    threshold = perf.summary.get("wholesaler_units_per_order_threshold")
    _partial_note(ax, perf, "" if threshold is None else f"Wholesale: more than {threshold:,.0f} units per order on "
                  "average.")
    save(fig, target)


def average_basket(perf: CompanyPerformance, target: Path, look: Look) -> None:
    fig, ax = plt.subplots(figsize=(10, 4.2))
    ax.plot(perf.monthly["period"], perf.monthly["average_basket"], marker="o", color=BLUE)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _=None: money(v, look.currency)))
    _month_axis(ax, perf.monthly["period"])
    ax.set_title("Average order value per month")
    ax.set_ylabel(_money_label("Sales per order", look.currency))
    _partial_note(ax, perf)
    save(fig, target)


def cancellation_rate(perf: CompanyPerformance, target: Path, look: Look) -> None:
    fig, ax = plt.subplots(figsize=(10, 4.2))
    ax.plot(perf.monthly["period"], perf.monthly["cancellation_rate_pct"], marker="o", color=ORANGE)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _=None: f"{v:.0f}%"))
    ax.set_ylim(bottom=0)
    _month_axis(ax, perf.monthly["period"])
    ax.set_title("Share of invoices that are cancellations, per month")
    _partial_note(ax, perf)
    save(fig, target)


def cohort_retention(perf: CompanyPerformance, target: Path, look: Look) -> None:
    table = perf.cohorts.drop(columns=0, errors="ignore")
    fig, ax = plt.subplots(figsize=(12, 0.22 * len(table) + 2))  # wide rows: legible on a 16:9 slide too
    image = ax.imshow(table.to_numpy(), cmap="Blues", aspect="auto", vmin=0, vmax=max(1.0, np.nanmax(table.to_numpy())))
    ax.set_xticks(range(table.shape[1]), [f"+{m}" for m in table.columns])
    ax.set_yticks(range(len(table)), [f"{d:%b %Y}" for d in table.index])
    for (i, j), value in np.ndenumerate(table.to_numpy()):
        if value > 0:
            ax.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=9,
                    color="white" if value > 0.6 * np.nanmax(table.to_numpy()) else "black")
    ax.grid(False)
    ax.set_xlabel("Months after the first purchase")
    ax.set_ylabel("Month of first purchase")
    ax.set_title("How many new customers come back: % of each month's new customers buying again")
    fig.colorbar(image, ax=ax, format=FuncFormatter(lambda v, _=None: f"{v:.0f}%"), shrink=0.8)
    _partial_note(ax, perf)
    save(fig, target)


def top_products(perf: CompanyPerformance, target: Path, look: Look) -> None:
    table = perf.products.iloc[::-1]
    fig, ax = plt.subplots(figsize=(10, 5))
    names = [str(p).title() if str(p).isupper() else str(p) for p in table["product"]]  # 'WHITE MUG' -> 'White Mug'
    ax.barh(names, table["revenue"], color=BLUE)
    ax.xaxis.set_major_formatter(FuncFormatter(money_axis(look.currency)))
    ax.set_title("Best-selling products by sales")
    if not look.currency:
        ax.set_xlabel(_money_label("Net sales", look.currency))
    save(fig, target)


FIGURES = {
    "1_sales_per_month": monthly_sales,
    "2_sales_orders_customers_per_year": yearly_overview,
    "3_sales_by_country": sales_by_country,
    "4_customer_types": customer_types,
    "5_average_order_value": average_basket,
    "6_cancellation_rate": cancellation_rate,
    "7_cohort_retention": cohort_retention,
    "8_top_products": top_products,
}


def skipped_figures(perf: CompanyPerformance, available: Mapping[str, bool]) -> dict[str, str]:
    """Figure name -> why it is not drawn (the column or data that would enable it)."""
    if perf.monthly.empty:
        return {name: "no sales lines left after cleaning: check data.path and the cleaning rules" for name in FIGURES}
    skipped = {}
    if not available.get("country") or perf.countries.empty or not perf.summary.get("top_market"):
        skipped["3_sales_by_country"] = "needs a country column: set data.columns.country"
    if not perf.monthly["cancellations"].fillna(0).sum():
        skipped["6_cancellation_rate"] = NO_CANCELLATIONS
    if perf.cohorts.empty:
        skipped["7_cohort_retention"] = "no identified customer with a purchase: needs ids in data.columns.customer_id"
    if perf.products.empty:
        skipped["8_top_products"] = ("needs a product column: set data.columns.description "
                                     "or data.columns.stock_code")
    return skipped


def draw_all(perf: CompanyPerformance, folder: Path, currency: str | None, market_label: str,
             available: Mapping[str, bool]) -> tuple[list[str], dict[str, str]]:
    """Draw the figures the data support into `folder` (deleting skipped ones a previous run
    left there); return the names drawn and {name: reason} of the skipped ones."""
    style()
    look, skipped, drawn = Look(currency, market_label), skipped_figures(perf, available), []
    for name, draw in FIGURES.items():
        target = Path(folder) / f"{name}.png"
        if name in skipped:
            target.unlink(missing_ok=True)
            continue
        draw(perf, target, look)
        drawn.append(name)
    return drawn, skipped
