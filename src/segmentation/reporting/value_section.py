"""The report's "Value and movement" section as HTML (the words come from `value_text`)."""

from __future__ import annotations

import html
from collections.abc import Mapping

from segmentation.common.money import money
from segmentation.reporting import value_text
from segmentation.reporting.html_parts import figure as _img

FIGURE_CAPTIONS = {
    "value_expected_revenue": "Expected revenue per segment over the horizon, and the revenue at risk",
    "value_holdout": "Forecast check: what the model expected against what happened, per tenth of customers",
    "value_movement": "Movement between the baseline and the current segmentation, in customers",
    "value_movement_revenue": "The same moves, in revenue since the baseline",
}


def _segment_table(value: Mapping, currency: str | None) -> str:
    names = value["names"]
    rows = "".join(
        f"<tr><td><b>{html.escape(str(names.get(str(s['segment']), 'Without a segment')))}</b></td>"
        f"<td>{s['customers']:,}</td><td>{money(s['expected_revenue'], currency)}</td>"
        f"<td>{100 * (s['expected_revenue_share'] or 0):.0f}%</td><td>{s['at_risk_customers']:,}</td>"
        f"<td>{money(s['revenue_at_risk'], currency)}</td></tr>" for s in value["segments"])
    return ("<table><thead><tr><th>Segment</th><th>Customers</th><th>Expected revenue</th><th>Share</th>"
            f"<th>At risk</th><th>Revenue at risk</th></tr></thead><tbody>{rows}</tbody></table>")


def _crosstab(value: Mapping) -> str:
    table = value["rfm"]["crosstab"]
    columns = list(next(iter(table.values())).keys()) if table else []
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(f"<tr><td><b>{html.escape(r)}</b></td>" + "".join(f"<td>{row[c]:,}</td>" for c in columns) + "</tr>"
                   for r, row in table.items())
    return f"<table><thead><tr><th>RFM segment</th>{head}</tr></thead><tbody>{body}</tbody></table>"


def value_html(value: Mapping | None, images: Mapping[str, str], currency: str | None) -> str:
    """The section's body; a one-line note when the value stage has not run."""
    esc = html.escape
    if value is None:
        return "<p>The value stage has not been run for this segmentation (`dvc repro value`).</p>"
    title = value_text.STATUS_TITLES[value["status"]]
    parts = [f"<p class='callout'><b>{esc(title)}.</b> {esc(value_text.headline(value, currency))}</p>"]
    if value["status"] != "not_enough_data":
        parts += [f"<p>{esc(value_text.risk_sentence(value, currency))}</p>", _segment_table(value, currency),
                  _img(images["value_expected_revenue"], FIGURE_CAPTIONS["value_expected_revenue"]),
                  f"<p>{esc(value_text.check_sentence(value, currency))}</p>",
                  _img(images["value_holdout"], FIGURE_CAPTIONS["value_holdout"])]
    parts.append(f"<h3>What would +{100 * value.get('plan', {}).get('target_growth', 0):.0f}% take</h3>"
                 if value.get("plan") else "<h3>Growth plan</h3>")
    parts.append(f"<p>{esc(value_text.plan_intro(value, currency))}</p>")
    if value.get("plan"):
        parts.append("<ul>" + "".join(f"<li>{esc(line)}</li>" for line in value_text.plan_lines(value)) + "</ul>")
        parts.append("<p><b>Assumptions</b></p><ul class='small'>"
                     + "".join(f"<li>{esc(a)}</li>" for a in value["plan"]["assumptions"]) + "</ul>")
    parts.append("<h3>Who moved between segments</h3>")
    moved = value_text.movement_lines(value)
    parts += ([f"<p>{esc(line)}</p>" for line in moved]
              + [_img(images[key], FIGURE_CAPTIONS[key]) for key in ("value_movement", "value_movement_revenue")
                 if key in images] if moved else ["<p>No movement: the maintenance study's segmentations are missing.</p>"])
    parts += ["<h3>Classic RFM segments beside the clusters</h3>", f"<p>{esc(value_text.rfm_sentence(value))} The table shows where each RFM segment's "
              "customers sit among the clusters (columns).</p>",
              _crosstab(value),
              "<p>For the CRM: <code>reports/campaign.xlsx</code> (a summary sheet and one sheet per segment) and "
              "<code>reports/campaign.csv</code>; who moved: <code>reports/value/movement.csv</code>.</p>"]
    return "\n".join(parts)
