"""Company-performance figures for general management: plain titles, £ axes, no jargon."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import matplotlib.dates as mdates  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from segmentation.performance import CompanyPerformance  # noqa: E402
from segmentation.reporting.plots.style import BLUE, GREY, ORANGE, PALETTE, pounds, save, style  # noqa: E402


def _note(ax, text: str) -> None:
    """A footnote under the whole figure (kept out of the axes so layouts stay intact)."""
    ax.figure.text(0.01, 0.01, text, fontsize=8.5, color=GREY, ha="left", va="bottom")


def _month_axis(ax) -> None:
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=[1, 4, 7, 10]))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))


def monthly_sales(perf: CompanyPerformance, target: Path) -> None:
    fig, ax = plt.subplots(figsize=(11, 4.8))
    months = perf.monthly["period"]
    years = sorted({d.year for d in months})
    color_of = {year: PALETTE[i % len(PALETTE)] for i, year in enumerate(years)}
    ax.bar(months, perf.monthly["revenue"], width=24, color=[color_of[d.year] for d in months])
    ax.yaxis.set_major_formatter(FuncFormatter(pounds))
    best = perf.monthly.loc[perf.monthly["revenue"].idxmax(), "period"]
    ax.set_title(f"Sales per month (best month: {best:%B %Y})")
    ax.set_ylabel("Net sales")
    _month_axis(ax)
    ax.legend(handles=[Patch(color=color_of[y], label=str(y)) for y in years], frameon=False, ncol=len(years),
              loc="upper left")
    _note(ax, "Net sales = purchases minus cancellations. The last month is incomplete when the data stop mid-month.")
    save(fig, target)


def yearly_overview(perf: CompanyPerformance, target: Path) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.2))
    years = perf.yearly["period"].astype(int).astype(str)
    for ax, column, title, fmt in [
        (axes[0], "revenue", "Net sales per year", pounds),
        (axes[1], "orders", "Orders per year", lambda v, _=None: f"{v:,.0f}"),
        (axes[2], "customers", "Active customers per year", lambda v, _=None: f"{v:,.0f}"),
    ]:
        bars = ax.bar(years, perf.yearly[column], color=BLUE)
        ax.set_title(title)
        ax.yaxis.set_major_formatter(FuncFormatter(fmt))
        for bar, value in zip(bars, perf.yearly[column]):
            ax.annotate(fmt(value), (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        ha="center", va="bottom", fontsize=9)
    first, last = perf.monthly["period"].min(), perf.monthly["period"].max()
    _note(axes[0], f"Data run from {first:%B %Y} to {last:%B %Y}: the first and last years are partial.")
    save(fig, target)


def sales_by_country(perf: CompanyPerformance, target: Path) -> None:
    table = perf.countries.iloc[::-1]
    fig, ax = plt.subplots(figsize=(9, 5.2))
    colors = [ORANGE if c == "United Kingdom" else BLUE for c in table["country"]]
    ax.barh(table["country"], table["revenue"], color=colors)
    ax.xaxis.set_major_formatter(FuncFormatter(pounds))
    total = perf.countries["revenue"].sum()
    for y, value in enumerate(table["revenue"]):
        ax.annotate(f" {100 * value / total:.1f}%", (value, y), va="center", fontsize=9)
    ax.set_title("Where sales come from: top 10 countries")
    ax.set_xlabel("Net sales (share of the total in %)")
    save(fig, target)


def customer_types(perf: CompanyPerformance, target: Path) -> None:
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5))
    pivot = perf.new_vs_returning.pivot(index="period", columns="type", values="revenue").fillna(0)
    ax = axes[0, 0]
    bottom = np.zeros(len(pivot))
    for column, color in zip(["Returning", "New"], [BLUE, ORANGE]):
        if column in pivot:
            ax.bar(pivot.index, pivot[column], width=24, bottom=bottom, color=color, label=f"{column} customers")
            bottom += pivot[column].to_numpy()
    ax.yaxis.set_major_formatter(FuncFormatter(pounds))
    _month_axis(ax)
    ax.set_title("Monthly sales from new and returning customers")
    ax.legend(frameon=False)
    for ax, dimension, title in [(axes[0, 1], "Account", "Wholesale vs retail customers"),
                                 (axes[1, 0], "Identification", "Sales with and without a customer id"),
                                 (axes[1, 1], "Market", "United Kingdom vs international")]:
        table = perf.customer_types[perf.customer_types["dimension"] == dimension]
        bars = ax.bar(table["type"], table["revenue"], color=[BLUE, ORANGE, GREY][: len(table)])
        ax.yaxis.set_major_formatter(FuncFormatter(pounds))
        ax.set_title(title)
        for bar, (_, row) in zip(bars, table.iterrows()):
            label = f"{row['revenue_share_pct']:.0f}% of sales"
            if dimension != "Identification" or row["type"] == "Identified":
                label += f"\n{int(row['customers']):,} customers"
            ax.annotate(label, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center",
                        va="bottom", fontsize=9)
        ax.margins(y=0.25)
    threshold = perf.summary.get("wholesaler_units_per_order_threshold", 0)
    _note(axes[0, 1], f"Wholesale: more than {threshold:,.0f} units per order on average.")
    save(fig, target)


def average_basket(perf: CompanyPerformance, target: Path) -> None:
    fig, ax = plt.subplots(figsize=(10, 4.2))
    ax.plot(perf.monthly["period"], perf.monthly["average_basket"], marker="o", color=BLUE)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _=None: f"£{v:,.0f}"))
    _month_axis(ax)
    ax.set_title("Average order value per month")
    ax.set_ylabel("Sales per order")
    save(fig, target)


def cancellation_rate(perf: CompanyPerformance, target: Path) -> None:
    fig, ax = plt.subplots(figsize=(10, 4.2))
    ax.plot(perf.monthly["period"], perf.monthly["cancellation_rate_pct"], marker="o", color=ORANGE)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _=None: f"{v:.0f}%"))
    ax.set_ylim(bottom=0)
    _month_axis(ax)
    ax.set_title("Share of invoices that are cancellations, per month")
    save(fig, target)


def cohort_retention(perf: CompanyPerformance, target: Path) -> None:
    table = perf.cohorts.drop(columns=0, errors="ignore")
    fig, ax = plt.subplots(figsize=(12, 0.32 * len(table) + 2))
    image = ax.imshow(table.to_numpy(), cmap="Blues", aspect="auto", vmin=0, vmax=max(1.0, np.nanmax(table.to_numpy())))
    ax.set_xticks(range(table.shape[1]), [f"+{m}" for m in table.columns])
    ax.set_yticks(range(len(table)), [f"{d:%b %Y}" for d in table.index])
    for (i, j), value in np.ndenumerate(table.to_numpy()):
        if value > 0:
            ax.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=7,
                    color="white" if value > 0.6 * np.nanmax(table.to_numpy()) else "black")
    ax.set_xlabel("Months after the first purchase")
    ax.set_ylabel("Month of first purchase")
    ax.set_title("How many new customers come back: % of each month's new customers buying again")
    fig.colorbar(image, ax=ax, format=FuncFormatter(lambda v, _=None: f"{v:.0f}%"), shrink=0.8)
    save(fig, target)


def top_products(perf: CompanyPerformance, target: Path) -> None:
    table = perf.products.iloc[::-1]
    fig, ax = plt.subplots(figsize=(10, 5))
    ax.barh([p.title() for p in table["product"]], table["revenue"], color=BLUE)
    ax.xaxis.set_major_formatter(FuncFormatter(pounds))
    ax.set_title("Best-selling products by sales")
    save(fig, target)


FIGURES = {
    "1_sales_per_month.png": monthly_sales,
    "2_sales_orders_customers_per_year.png": yearly_overview,
    "3_sales_by_country.png": sales_by_country,
    "4_customer_types.png": customer_types,
    "5_average_order_value.png": average_basket,
    "6_cancellation_rate.png": cancellation_rate,
    "7_cohort_retention.png": cohort_retention,
    "8_top_products.png": top_products,
}


def draw_all(perf: CompanyPerformance, folder: Path) -> list[Path]:
    style()
    paths = []
    for name, draw in FIGURES.items():
        draw(perf, folder / name)
        paths.append(folder / name)
    return paths
