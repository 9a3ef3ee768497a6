"""The dashboard page: one HTML file with the data (JSON), Plotly's JavaScript and the app inlined,
so that it opens from disk or an e-mail attachment with no network. Text from the data is never
written into the HTML: it travels inside the JSON (with "<" escaped, so no "</script>" can end
it) and the app sets it as text."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping
from importlib import resources

STYLE = """
body { font-family: Arial, Helvetica, sans-serif; margin: 0; background: #f5f6f8; color: #1d2733; }
header { background: #1d3557; color: white; padding: 14px 24px; }
header h1 { margin: 0; font-size: 22px; } header p { margin: 4px 0 0; font-size: 13px; opacity: .85; }
.filters { display: flex; flex-wrap: wrap; gap: 18px; align-items: center; padding: 12px 24px; background: white;
           border-bottom: 1px solid #dde2e8; position: sticky; top: 0; z-index: 5; }
.seg-check { margin-right: 10px; white-space: nowrap; cursor: pointer; }
.swatch { display: inline-block; width: 11px; height: 11px; margin: 0 4px; border-radius: 2px; }
main { padding: 16px 24px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 12px; }
.tile { background: white; border-radius: 6px; padding: 10px 14px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.tile h3 { margin: 0 0 6px; font-size: 15px; border-left: 5px solid; padding-left: 8px; }
.tile p { display: flex; justify-content: space-between; margin: 3px 0; font-size: 13px; }
.tile .label { color: #5b6573; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; margin-top: 12px; }
.panel { background: white; border-radius: 6px; padding: 6px; box-shadow: 0 1px 2px rgba(0,0,0,.08); min-height: 360px; }
.panel.wide { grid-column: 1 / -1; }
.note { font-size: 12px; color: #5b6573; margin: 4px 8px; }
.notes { background: #fff7e6; border-left: 4px solid #f28e2b; padding: 6px 12px; font-size: 13px; margin-bottom: 12px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; background: white; }
th { text-align: left; cursor: pointer; background: #eef1f5; padding: 6px 8px; user-select: none; }
td { padding: 5px 8px; border-bottom: 1px solid #eef1f5; }
.table-tools { display: flex; gap: 12px; align-items: center; margin: 16px 0 8px; }
button { padding: 5px 10px; cursor: pointer; }
@media (max-width: 1000px) { .grid { grid-template-columns: 1fr; } }
"""

BODY = """
<header><h1 id="title"></h1><p id="subtitle"></p></header>
<div class="filters">
  <div><b>Segments</b> <span id="segment-filter"></span></div>
  <div id="region-box"><b id="region-label"></b> <select id="region-filter"></select></div>
  <div><b>First purchase</b> <select id="cohort-filter"></select></div>
  <button id="reset" type="button">Reset filters</button>
</div>
<main>
  <div id="notes" class="notes" hidden></div>
  <div id="tiles" class="tiles"></div>
  <div class="grid">
    <div class="panel"><div id="chart-sizes" style="height:360px"></div></div>
    <div class="panel"><div id="chart-monthly" style="height:360px"></div></div>
    <div class="panel"><div id="chart-map" style="height:420px"></div></div>
    <div class="panel" id="migration-panel"><div id="chart-migration" style="height:420px"></div></div>
    <div class="panel wide" id="maintenance-panel"><div id="chart-maintenance" style="height:340px"></div>
      <p class="note">The maintenance curve describes the whole segmentation: it does not follow the filters.
      Shaded: the noise band (the baseline refitted); bars: bootstrap intervals.</p></div>
    <div class="panel wide" id="health-panel"><h2>Segment health</h2><p id="health-status" class="status"></p>
      <ul id="health-lines"></ul><div id="chart-health" style="height:320px"></div>
      <p class="note">The deployed segments checked against a fresh fit (the monitor): not following the filters.
      Shaded: the deployment's noise band; circled: a refresh was due.</p></div>
  </div>
  <div class="table-tools">
    <input id="search" type="search" placeholder="Search a customer id" aria-label="Search a customer id">
    <button id="prev" type="button">Previous</button><span id="page-info"></span>
    <button id="next" type="button">Next</button><button id="download" type="button">Download CSV</button>
  </div>
  <table><thead><tr id="table-head"></tr></thead><tbody id="table-body"></tbody></table>
</main>
"""

HEADER_SCRIPT = """
(function () {
  const D = JSON.parse(document.getElementById("dashboard-data").textContent);
  document.getElementById("title").textContent = D.title;
  document.getElementById("subtitle").textContent = D.subtitle;
  document.getElementById("region-label").textContent = D.region_label;
  const notes = document.getElementById("notes");
  D.notes.forEach(function (text) { const p = document.createElement("p"); p.textContent = text; notes.append(p); });
  notes.hidden = D.notes.length === 0;
  document.getElementById("maintenance-panel").hidden = !D.maintenance;
  document.getElementById("health-panel").hidden = !D.health;
  document.getElementById("migration-panel").hidden = !D.customers.moves;
})();
"""


def plain(value):
    """JSON-safe: NaN and infinities become null (JSON.parse refuses NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def embedded_json(payload: Mapping) -> str:
    """The payload as JSON that cannot close its <script> element nor start a comment."""
    text = json.dumps(plain(payload), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def app_script() -> str:
    return resources.files("segmentation.dashboard").joinpath("app.js").read_text(encoding="utf-8")


def render(payload: Mapping, plotly_js: str) -> str:
    """The whole page: style, Plotly, the data, the app; nothing fetched from anywhere."""
    safe_js = plotly_js.replace("</script", "<\\/script")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; connect-src 'none'">
<title>{html.escape(str(payload['title']))}</title>
<style>{STYLE}</style></head>
<body>{BODY}
<script id="dashboard-data" type="application/json">{embedded_json(payload)}</script>
<script>{safe_js}</script>
<script>{HEADER_SCRIPT}</script>
<script>{app_script()}</script>
</body></html>
"""
