"""The leaderboard's files: leaderboard.csv (every column, full precision), leaderboard.png
(quality and stability against the number of clusters, one line per algorithm x feature set)
and leaderboard.html (a self-contained page: the table rounded to 3 decimals, inline CSS, the
chart embedded, no external resource)."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from segmentation.common.catalog import atomic_path  # noqa: E402
from segmentation.common.figure_style import GREY, PALETTE, save, style  # noqa: E402
from segmentation.serving.champion_rule import active_constraints  # noqa: E402
from segmentation.sweeps.leaderboard import BEST_IN_LINE, CHAMPION, LINE, SYMBOLS, rule_text  # noqa: E402

HEADERS = {"rank": "#", "mark": "", "run_name": "run", "silhouette": "silhouette",
           "bootstrap_ari_mean": "bootstrap agreement (ARI)", "temporal": "temporal verdict",
           "refresh_interval_months": "refresh interval (months)", "smallest_cluster_share": "smallest segment share",
           "status": "status", "fails": "fails the rule on", "algorithm": "algorithm", "features": "feature set",
           "wholesalers": "wholesalers", "size": "k / min cluster size", "variant": "other swept values"}
NUMERIC = {"rank", "silhouette", "bootstrap_ari_mean", "refresh_interval_months", "smallest_cluster_share"}
CSS = """body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222}
h1{font-size:20px;margin:0 0 4px}p{margin:4px 0 12px;color:#555;font-size:13px}
table{border-collapse:collapse;font-size:13px}th,td{padding:4px 8px;border-bottom:1px solid #e4e4e4;text-align:left}
td{white-space:nowrap}th{background:#f4f4f4;position:sticky;top:0;vertical-align:bottom;max-width:110px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tr.champion td{background:#fff4d6;font-weight:600}tr.best td{background:#f3f8fc}tr.failed td{color:#a33}
img{max-width:100%;margin-top:18px}"""


def write(table: pd.DataFrame, rule: Mapping, folder: Path, title: str) -> list[Path]:
    """leaderboard.csv, leaderboard.png and leaderboard.html into `folder`; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    csv, png, page = folder / "leaderboard.csv", folder / "leaderboard.png", folder / "leaderboard.html"
    with atomic_path(csv) as tmp:
        table.to_csv(tmp, index=False)
    chart(table, rule, png)
    with atomic_path(page) as tmp:
        tmp.write_text(as_html(table, rule, title, png.read_bytes()), encoding="utf-8")
    return [csv, page, png]


def chart(table: pd.DataFrame, rule: Mapping, target: Path) -> None:
    """Silhouette and bootstrap agreement against the number of clusters, one line per
    algorithm x feature set (x other swept values); the champion starred, the bounds dashed."""
    style()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), sharex=True)
    finished = table[table["status"] == "FINISHED"].copy()
    finished["n_clusters"] = pd.to_numeric(finished["n_clusters"], errors="coerce")
    bounds = {metric: bound for _, metric, bound, _ in active_constraints(rule)}
    for ax, metric, label in ((axes[0], "silhouette", "Quality: silhouette (higher is better)"),
                              (axes[1], "bootstrap_ari_mean", "Stability: bootstrap agreement (ARI)")):
        for i, (key, line) in enumerate(finished.groupby(LINE, sort=True, dropna=False)):
            line = line.dropna(subset=["n_clusters", metric]).sort_values("n_clusters")
            ax.plot(line["n_clusters"], line[metric], marker="o", color=PALETTE[i % len(PALETTE)],
                    label=line_label(key))
        best = finished[finished["mark"] == CHAMPION]
        ax.scatter(best["n_clusters"], best[metric], marker="*", s=260, color="#d4a017", zorder=5,
                   edgecolor="black", linewidth=0.6, label="champion")
        if metric in bounds:
            ax.axhline(bounds[metric], color=GREY, linestyle="--", linewidth=1,
                       label=f"champion rule: ≥ {bounds[metric]:g}")
        ax.set_title(label)
        ax.set_xlabel("number of clusters (k; HDBSCAN: as found)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[1].legend(loc="upper left", bbox_to_anchor=(1.02, 1), frameon=False, fontsize=9)
    save(fig, target)


#: the `segmentation.wholesalers` tag (features.wholesalers keep, drop, separate) in a legend
WHOLESALER_LABELS = {"kept": "wholesalers kept", "removed": "no wholesalers", "separate": "wholesalers apart"}


def line_label(key: tuple) -> str:
    """'kmeans · rfm_extras · wholesalers kept', the wholesaler policy ('wholesalers kept', 'no
    wholesalers', 'wholesalers apart'), then the other swept values when they apply."""
    algorithm, features, wholesalers, variant = (str(part) if isinstance(part, str) else "" for part in key)
    parts = [algorithm, features, WHOLESALER_LABELS.get(wholesalers, wholesalers), variant]
    return " · ".join(part for part in parts if part)


def _cell(column: str, value) -> tuple[str, str]:
    """(text, css class) of one table cell."""
    if column == "mark":
        return SYMBOLS.get(value, ""), ""
    if column in ("rank", "n_clusters") and pd.notna(value) and value != "":
        return f"{int(value)}", "n"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ("" if pd.isna(value) else f"{value:.3f}"), "n"
    return ("" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)), ""


def as_html(table: pd.DataFrame, rule: Mapping, title: str, png: bytes) -> str:
    filled = table.replace("", float("nan")).notna().any()
    columns = [c for c in HEADERS if c in table and (c in ("mark", "status") or filled[c])]
    head = "".join(f"<th{' class=n' if c in NUMERIC else ''}>{html.escape(HEADERS[c])}</th>" for c in columns)
    rows = []
    for row in table.to_dict("records"):
        kind = {CHAMPION: "champion", BEST_IN_LINE: "best"}.get(row["mark"], "failed" if row["status"] != "FINISHED"
                                                                  else "")
        cells = "".join(f'<td class="{css}">{html.escape(text)}</td>' for text, css in
                        (_cell(c, row[c]) for c in columns))
        rows.append(f'<tr class="{kind}">{cells}</tr>')
    finished = int((table["status"] == "FINISHED").sum())
    legend = (f"{len(table)} runs, {finished} finished, {len(table) - finished} failed. "
              f"★ champion: {html.escape(rule_text(rule))} (the rule <code>segmentation.select</code> applies). "
              "☆ best of its line (algorithm × feature set) by the same rule.")
    image = base64.b64encode(png).decode("ascii")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{CSS}</style></head><body><h1>{html.escape(title)}</h1><p>{legend}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"<img alt='silhouette and bootstrap agreement against the number of clusters' "
            f"src='data:image/png;base64,{image}'></body></html>")
