"""The management report: one self-contained HTML file (every image embedded as data URI).

`build_context` gathers the numbers and words (pure, from frames and dicts); `render_html`
lays them out for a laptop screen and for print. No statistics jargon outside the method
note and the glossary.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from segmentation.common.money import check_currency as currency_code
from segmentation.common.money import money, unit
from segmentation.reporting import maintenance_text
from segmentation.reporting.eda_text import labels
from segmentation.reporting.health_section import health_html
from segmentation.reporting.html_parts import figure as _img
from segmentation.reporting.value_section import value_html
from segmentation.reporting.wholesale_text import map_caption, method_sentences


def glossary(currency: str | None) -> dict[str, str]:
    """The report's words, amounts in the data's currency (`data.currency`)."""
    amounts = f"in {unit(currency)}" if currency_code(currency) else "in the data's own amounts (no currency set)"
    return {
        "Net sales": f"Sales minus cancellations and returns, {amounts}.",
        "Order": "One purchase invoice (without invoice numbers: a customer's purchases on one day); a "
                 "cancellation is not an order.",
        "Active customer": "A customer with a customer number who placed at least one order in the period.",
        "Segment": "A group of customers who buy in a similar way, found automatically from their history.",
        "Recency": "Days since the customer's last order.",
        "Frequency": "Number of orders the customer placed.",
        "Spend": f"The customer's net sales {amounts}.",
        "Items per order": "Average number of units in one of the customer's orders.",
        "Cohort": "Customers whose first order was in the same month.",
        "Wholesaler": "A customer whose orders are far larger than almost everyone else's.",
        "Agreement score (ARI)": "How much two ways of grouping customers agree: 1 = identical, 0 = no better than "
                                 "chance.",
        "Refresh interval": "How long the segments stay valid before they should be rebuilt.",
        "Noise band": "How much the segmentation disagrees with itself when rebuilt on the same data: smaller "
                      "changes are noise, not a change in customers.",
    }


STYLE = """ body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1d2430; margin: 0;
        line-height: 1.5; background: #f6f7f9; }
 main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 64px; background: white; }
 h1 { font-size: 30px; margin-bottom: 4px; } h2 { border-bottom: 3px solid #2f6690; padding-bottom: 4px;
        margin-top: 44px; }
 .subtitle { color: #5b6573; margin-top: 0; }
 .provenance { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 10px 0 0;
        padding: 10px 14px; background: #f3f5f8; border-radius: 6px; font-size: 14px; color: #3b4552; }
 .provenance dt { margin: 0; } .provenance dd { margin: 0; overflow-wrap: anywhere; }
 .figure-note { font-size: 16px; margin: 0 0 8px; }
 figure { margin: 28px 0; } img { max-width: 100%; height: auto; display: block; margin: 0 auto; }
 figcaption { color: #5b6573; font-size: 14px; text-align: center; }
 .summary li { margin: 8px 0; font-size: 17px; }
 .callout { background: #eaf2f8; border-left: 5px solid #2f6690; padding: 10px 14px; font-size: 18px; }
 table { border-collapse: collapse; width: 100%; margin: 12px 0; }
 th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #dde2e8; }
 .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 16px; }
 .card { border: 1px solid #dde2e8; border-radius: 8px; padding: 4px 16px 8px; break-inside: avoid; }
 .card h3 { margin-bottom: 0; color: #2f6690; } .size { color: #5b6573; margin-top: 2px; }
 .taste { color: #3d4a5c; font-size: 0.95em; }
 .data-note { background: #fdf6e3; border-left: 5px solid #c98a1b; padding: 6px 14px; margin: 16px 0; }
 .data-note ul { margin: 4px 0 6px; padding-left: 20px; } .data-note li { margin: 4px 0; }
 dt { font-weight: bold; margin-top: 8px; } dd { margin-left: 0; }
 @media print { body { background: white; } main { max-width: none; padding: 0; }
   h2 { break-before: page; } h2.first { break-before: auto; } figure, .card, table, .data-note { break-inside: avoid; } }
"""


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _season(peak: Mapping | None) -> str:
    """The seasonality sentence from eda["peak_month"]: a calendar month when the data span
    full years, else a dated month ("March 2024") that cannot be called seasonal yet."""
    if not peak:
        return ""
    share = float(peak["share_pct"])
    if re.search(r"\d{4}", str(peak["month"])):
        return (f" The strongest month was {peak['month']} ({share:.0f}% of the sales in the data); the data "
                "are too short to call it a seasonal peak.")
    return f" Sales peak in {peak['month']} ({share:.0f}% of an average year's sales)."


def _market(eda: Mapping) -> str:
    """The market sentence from eda["top_market"]; empty when the data have no country column."""
    top = eda.get("top_market")
    if not top:
        return ""
    label = eda.get("market_label") or "country"
    if int(top.get("markets") or 0) <= 1:
        return f" All sales come from {top['name']}."
    return f" {top['name']} brings {float(top['share_pct']):.0f}% of sales (top {label} of {int(top['markets'])})."


def executive_summary(eda: Mapping, cards: pd.DataFrame, stability: Mapping | None,
                      currency: str | None = None, replayed: Mapping | None = None) -> list[str]:
    """Five plain sentences with the numbers management needs, every one from the data;
    amounts in `currency` (default: the EDA summary's); `replayed`: the monitor's recommendation."""
    currency = currency if currency is not None else eda.get("currency")
    years, named = sorted(eda["revenue"]), labels(eda)  # "2024 (to 9 Dec)": partial years are said
    full = [y for y in years if eda["orders"][y] > 0.5 * max(eda["orders"].values())]
    sales = " and ".join(f"{money(eda['revenue'][y], currency, compact=True)} in {named[y]}" for y in full[-2:])
    wholesale = (eda.get("revenue_share_pct") or {}).get("wholesale")
    bullets = [f"Net sales were {sales}.{_season(eda.get('peak_month'))}",
               f"{eda['customers'][full[-1]]:,} customers bought in {named[full[-1]]}"
               + (f"; wholesale-sized accounts bring {wholesale:.0f}% of sales." if wholesale is not None else ".")
               + _market(eda)]
    top = cards.iloc[0]
    bullets.append(f"Customers fall into {len(cards)} segments. \u201c{top['name']}\u201d are "
                   f"{100 * top['share_of_customers']:.0f}% of customers but bring {100 * top['share_of_revenue']:.0f}% "
                   "of revenue: keep them close.")
    # the biggest opportunity: the largest-revenue segment that is not already the best customers
    others = cards.iloc[1:][~cards.iloc[1:]["name"].str.startswith(("Champions", "Loyal", "Wholesalers"))]
    target = others.iloc[0] if len(others) else cards.iloc[min(1, len(cards) - 1)]
    bullets.append(f"The biggest opportunity is \u201c{target['name']}\u201d ({target['customers']:,} customers, "
                   f"{100 * target['share_of_revenue']:.0f}% of revenue): "
                   f"{target['actions'][0][0].lower()}{target['actions'][0][1:]}")
    if stability:
        bullets.append(maintenance_text.executive_sentence(stability, replayed))
    else:
        bullets.append("Rebuild the segments regularly and place new customers in them at every data update.")
    return bullets


def _provenance(rows) -> str:
    """The header block: report date, data source, rows, MLflow run, commit (provenance.header)."""
    items = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in rows or [])
    return f'<dl class="provenance" id="provenance">{items}</dl>' if items else ""


def render_html(context: Mapping) -> str:
    """The whole report. `context["images"]` maps names to data URIs."""
    esc = html.escape
    images = context["images"]
    cards = context["cards"]
    segment_rows = "".join(
        f"<tr><td><b>{esc(c['name'])}</b></td><td>{c['customers']:,}</td><td>{100 * c['share_of_customers']:.0f}%</td>"
        f"<td>{100 * c['share_of_revenue']:.0f}%</td></tr>" for _, c in cards.iterrows())
    segment_cards = "".join(
        f"<div class='card'><h3>{esc(c['name'])}</h3><p class='size'>{c['customers']:,} customers "
        f"({100 * c['share_of_customers']:.0f}%) &middot; {100 * c['share_of_revenue']:.0f}% of revenue</p>"
        f"<p>{esc(c['traits'])}</p>" + "".join(f"<p class='taste'>{esc(t)}</p>" for t in c.get("tastes") or [])
        + "<p><b>What to do</b></p><ul>"
        + "".join(f"<li>{esc(a)}</li>" for a in c["actions"]) + "</ul></div>" for _, c in cards.iterrows())
    maintenance = _maintenance_plan(context, images)
    words = glossary(context.get("currency"))
    terms = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in words.items())
    notes = context.get("figure_notes") or {}
    performance = _data_note(context.get("data_note")) + ("".join(
        _img(images[key], caption, notes.get(key, "")) for key, caption in context["eda_figures"] if key in images)
        or "<p>No company-performance figure could be drawn from this data.</p>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(context['title'])}</title>
<style>
{STYLE}</style></head>
<body><main>
<h1>{esc(context['title'])}</h1>
<p class="subtitle">{esc(context['subtitle'])}</p>
{_provenance(context.get('header'))}
<h2 id="executive-summary" class="first">Executive summary</h2>
<ul class="summary">{''.join(f'<li>{esc(b)}</li>' for b in context['summary'])}</ul>
<h2 id="company-performance">Company performance</h2>
{performance}
<h2 id="customer-segments">Customer segments</h2>
<p>Customers were grouped by how recently and how often they buy, how much they spend and how they order.
Each segment has a name, its typical customer and what marketing can do.</p>
<table><thead><tr><th>Segment</th><th>Customers</th><th>Share of customers</th><th>Share of revenue</th></tr></thead>
<tbody>{segment_rows}</tbody></table>
{_img(images['radar'], 'Segment profiles: further out means higher than most customers, except days since the '
                          'last purchase, where further out means more recent')}
<div class="cards">{segment_cards}</div>
<h2 id="map-of-customers">Map of customers</h2>
<p>{esc(map_caption(context['method']))}</p>
{_img(images['map'], 'Customers placed by buying behaviour, coloured by segment')}
<h2 id="how-segments-differ">How segments differ</h2>
{_img(images['snake'], 'Each segment compared with the average customer')}
{_img(images['heatmap'], 'What stands out in each segment: green = better for the business, red = worse')}
<h2 id="value-and-movement">Value and movement</h2>
{value_html(context.get('value'), images, context.get('currency'))}
<h2 id="maintenance-plan">Maintenance plan</h2>
{maintenance}
<h2 id="segment-health">Segment health</h2>
{health_html(context.get('health'), images)}
<h2 id="method">Method</h2>
<ul>{''.join(f'<li>{esc(line)}</li>' for line in context['method'])}</ul>
<h2 id="glossary">Glossary</h2>
<dl>{terms}</dl>
</main></body></html>
"""


def _maintenance_plan(context: Mapping, images: Mapping) -> str:
    """The study's plan, then the refresh policy the monitor's replay recommends."""
    stability = context.get("stability")
    plan = _maintenance(stability, images) if stability else \
        "<p>The maintenance study has not been run for this segmentation.</p>"
    policy = ((context.get("health") or {}).get("recommendation") or {}).get("sentence")
    return plan + (f"<p class='callout'><b>Refresh policy, replayed month by month.</b> {html.escape(policy)}</p>"
                   if policy else "")


def _data_note(lines: list[str] | None) -> str:
    """The "Data available" note (availability.data_note); nothing when the data supplied everything."""
    if not lines:
        return ""
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return (f'<aside class="data-note" id="data-available"><p><b>Data available.</b> The data did not supply '
            f"everything this report can show; adding these would complete it:</p><ul>{items}</ul></aside>")


def _maintenance(stability: Mapping, images: Mapping) -> str:
    esc = html.escape
    title = maintenance_text.VERDICT_TITLES[stability["verdict"]]
    warned = maintenance_text.warnings(stability)
    return (f"<p>{esc(maintenance_text.scope(stability))}</p>"
            f"<p class='callout'><b>{esc(title)}.</b> {esc(stability['headline'])}</p>"
            + "".join(f"<p>{esc(line)}</p>" for line in maintenance_text.details(stability))
            + (f"<p><b>Data checks</b></p><ul>{''.join(f'<li>{esc(w)}</li>' for w in warned)}</ul>" if warned else "")
            + _img(images["stability_curve"], "How long the segments stay valid"))


RULE_WORDS = {"duplicates": "duplicates", "non_product": "postage and fees", "non_positive_price": "zero prices",
              "quantity_outliers": "entry errors"}


def _cleaning_lines(cleaning: Mapping) -> list[str]:
    """What cleaning removed, in words; says so when identical lines were kept (`duplicates_rule`)."""
    rule = cleaning.get("duplicates_rule")
    rules = [r for r in (cleaning.get("removed") or RULE_WORDS) if r in RULE_WORDS]
    kept = bool(rule) and not rule.get("applied")
    if kept:
        rules = [r for r in rules if r != "duplicates"]
    removed = ", ".join(RULE_WORDS[r] for r in rules)
    removed = " and ".join(removed.rsplit(", ", 1)) if removed else "nothing"
    lines = [f"Cleaning: {cleaning['lines_in']:,} lines were cleaned to {cleaning['lines_out']:,} ({removed} removed)."]
    if kept:
        lines.append(f"Identical lines were kept: {str(rule.get('reason', '')).removeprefix('auto: ')}.")
    return lines


def method_note(cfg: Mapping, train: Mapping, cleaning: Mapping | None, stability: Mapping | None = None) -> list[str]:
    """The method in short bullets (the slide's and the report's), every value from the run; the
    wholesaler policy (features.wholesalers) with the accounts it left out or set apart (train.json)."""
    features, model = cfg["features"], cfg["model"]
    shape = ", ".join(f"{short} = {'auto' if model[key] is None else model[key]}"
                      for key, short in (model["short_names"] or {}).items())
    return [f"Data: the {cfg['data']['name']} data set.", *(_cleaning_lines(cleaning) if cleaning else []),
            f"Only customers with a customer number are segmented ({int(train.get('customers', 0)):,} customers).",
            f"Features ({features['name']}): {', '.join(features['columns'])}.",
            f"Preparation: {features.get('transform')} transform, {features.get('scaler')} scaling.",
            *method_sentences(features, train),
            f"Model: {model['name']} ({shape}), seed {cfg['seed']}.",
            f"Separation: silhouette {train.get('silhouette', float('nan')):.2f} (-1 to 1, higher is better "
            "separated).",
            f"Repeatability: bootstrap agreement {train.get('bootstrap_ari_mean', float('nan')):.2f} over "
            f"{int(train.get('bootstrap_resamples', 0))} resamples (1 = the same segments every time).",
            "Segment names follow fixed rules on recency, frequency and spend relative to all customers.",
            maintenance_text.method_sentence(stability),
            "Everything is reproducible with `dvc repro` and tracked in MLflow."]


def png(path: Path) -> str:
    return data_uri(Path(path).read_bytes())
