// The dashboard's app: filters -> one list of customer rows -> tiles, charts, migration, table.
// Every text from the data goes through textContent (DOM) or esc() (Plotly labels): never HTML.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("dashboard-data").textContent);
  const C = D.customers.columns;
  const N = C.id.length;
  const SEGS = D.segments;
  const state = {segs: new Set(SEGS.map((_, i) => i)), region: -1, cohort: -1, search: "", sortKey: "revenue",
                 sortDir: -1, page: 0};
  const PAGE = D.settings.page_size;
  const $ = (id) => document.getElementById(id);

  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function money(v, compact) {
    if (v === null || v === undefined || Number.isNaN(v)) return "–";
    const sign = v < 0 ? "-" : "", a = Math.abs(v);
    let n;
    if (compact && a >= 1e6) n = (a / 1e6).toFixed(1) + "M";
    else if (compact && a >= 1e4) n = Math.round(a / 1e3) + "k";
    else n = a.toLocaleString("en-US", {maximumFractionDigits: 0});
    return sign + D.currency.prefix + n;
  }
  const count = (v) => v.toLocaleString("en-US");
  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  // ---- filters --------------------------------------------------------------------------
  function selectedRows() {
    const rows = [];
    const needle = state.search.trim().toLowerCase();
    for (let i = 0; i < N; i++) {
      if (!state.segs.has(C.seg[i])) continue;
      if (state.region >= 0 && C.region[i] !== state.region) continue;
      if (state.cohort >= 0 && C.cohort[i] !== state.cohort) continue;
      rows.push(i);
    }
    const listed = needle ? rows.filter((i) => C.id[i].toLowerCase().includes(needle)) : rows;
    return {rows, listed};
  }
  function buildFilters() {
    const box = $("segment-filter");
    SEGS.forEach((s, i) => {
      const label = el("label", null, "seg-check");
      const input = el("input");
      input.type = "checkbox"; input.checked = true; input.value = i; input.id = "seg-" + i;
      input.addEventListener("change", () => { input.checked ? state.segs.add(i) : state.segs.delete(i); update(); });
      const swatch = el("span", null, "swatch"); swatch.style.background = s.color;
      label.append(input, swatch, el("span", s.name));
      box.append(label);
    });
    fillSelect($("region-filter"), D.customers.regions, (v) => { state.region = v; });
    fillSelect($("cohort-filter"), D.customers.cohorts, (v) => { state.cohort = v; });
    $("region-box").hidden = !D.customers.regions;
    $("search").addEventListener("input", (e) => { state.search = e.target.value; state.page = 0; renderTable(); });
    $("reset").addEventListener("click", () => {
      state.segs = new Set(SEGS.map((_, i) => i)); state.region = -1; state.cohort = -1; state.page = 0;
      document.querySelectorAll("#segment-filter input").forEach((x) => { x.checked = true; });
      $("region-filter").value = "-1"; $("cohort-filter").value = "-1"; update();
    });
    $("download").addEventListener("click", download);
  }
  function fillSelect(select, labels, set) {
    if (!labels) return;
    select.append(new Option("All", "-1"));
    labels.forEach((label, i) => select.append(new Option(label, String(i))));
    select.addEventListener("change", () => { set(Number(select.value)); state.page = 0; update(); });
  }

  // ---- tiles ----------------------------------------------------------------------------
  function totals(rows) {
    const t = SEGS.map(() => ({customers: 0, orders: 0, revenue: 0, expected: 0, movedIn: 0, fresh: 0, lapsed: 0}));
    const all = {customers: 0, orders: 0, revenue: 0, expected: 0};
    const moves = D.customers.moves;
    for (const i of rows) {
      const s = t[C.seg[i]];
      s.customers++; s.orders += C.orders[i]; s.revenue += C.revenue[i];
      all.customers++; all.orders += C.orders[i]; all.revenue += C.revenue[i];
      if (C.expected && C.expected[i] !== null) { s.expected += C.expected[i]; all.expected += C.expected[i]; }
      if (moves && C.before[i] >= 0 && C.now[i] >= 0) {
        const before = moves.before[C.before[i]], now = moves.now[C.now[i]];
        if (before === "New") s.fresh++;
        else if (now === "Lapsed") s.lapsed++;
        else if (before !== now) s.movedIn++;
      }
    }
    return {perSegment: t, all};
  }
  function tile(id, name, color, v) {
    const card = el("div", null, "tile"); card.id = id;
    const head = el("h3", name); head.style.borderColor = color; card.append(head);
    const add = (label, value, cls) => {
      const row = el("p", null, cls); row.append(el("span", label, "label"), el("b", value, "value")); card.append(row);
    };
    add("Customers", count(v.customers), "customers");
    add("Orders", count(v.orders), "orders");
    add("Revenue", money(v.revenue, true), "revenue");
    add("Average order", v.orders ? money(v.revenue / v.orders) : "–", "aov");
    if (C.expected) add("Expected, next " + D.value.horizon_days + " days", money(v.expected, true), "expected");
    if (D.customers.moves && v.movedIn !== undefined)
      add("Moved in · new · lapsed", count(v.movedIn) + " · " + count(v.fresh) + " · " + count(v.lapsed), "moves");
    return card;
  }
  function renderTiles(t) {
    const box = $("tiles"); box.replaceChildren();
    box.append(tile("tile-total", "All selected customers", "#333", t.all));
    SEGS.forEach((s, i) => { if (state.segs.has(i)) box.append(tile("tile-" + i, s.name, s.color, t.perSegment[i])); });
  }

  // ---- charts ---------------------------------------------------------------------------
  const LAYOUT = {margin: {l: 60, r: 20, t: 40, b: 40}, font: {family: "Arial, sans-serif", size: 12},
                  paper_bgcolor: "white", plot_bgcolor: "white", showlegend: false};
  const CONFIG = {displaylogo: false, responsive: true, modeBarButtonsToRemove: ["sendDataToCloud"]};
  function plot(id, traces, layout) { Plotly.react(id, traces, Object.assign({}, LAYOUT, layout), CONFIG); }

  function renderSizes(t) {
    const shown = SEGS.map((s, i) => i).filter((i) => state.segs.has(i));
    const names = shown.map((i) => esc(SEGS[i].name)), colors = shown.map((i) => SEGS[i].color);
    plot("chart-sizes", [
      {type: "bar", x: names, y: shown.map((i) => t.perSegment[i].customers), marker: {color: colors}, name: "Customers",
       xaxis: "x", yaxis: "y", hovertemplate: "%{x}: %{y:,} customers<extra></extra>"},
      {type: "bar", x: names, y: shown.map((i) => t.perSegment[i].revenue), marker: {color: colors}, name: "Revenue",
       xaxis: "x2", yaxis: "y2", hovertemplate: "%{x}: " + D.currency.prefix + "%{y:,.0f}<extra></extra>"}],
      {grid: {rows: 1, columns: 2, pattern: "independent"}, title: {text: "Segment sizes and revenue"},
       xaxis: {automargin: true}, xaxis2: {automargin: true}, yaxis: {title: {text: "Customers"}}, yaxis2: {title: {text: "Revenue (" + esc(D.currency.unit) + ")"}}});
  }
  function renderMonthly() {
    const M = D.monthly, byKey = new Map();
    for (let r = 0; r < M.revenue.length; r++) {
      if (!state.segs.has(M.seg[r])) continue;
      if (state.cohort >= 0 && M.cohort[r] !== state.cohort) continue;
      if (state.region >= 0 && M.region[r] !== state.region) continue;
      const key = M.seg[r] * 100000 + M.month[r];
      byKey.set(key, (byKey.get(key) || 0) + M.revenue[r]);
    }
    const traces = SEGS.map((s, i) => ({type: "bar", name: esc(s.name), marker: {color: s.color}, x: M.months,
      y: M.months.map((_, m) => byKey.get(i * 100000 + m) || 0),
      hovertemplate: esc(s.name) + " %{x}: " + D.currency.prefix + "%{y:,.0f}<extra></extra>"}))
      .filter((_, i) => state.segs.has(i));
    plot("chart-monthly", traces, {barmode: "stack", showlegend: true, title: {text: "Net sales per month, by segment"},
                                   yaxis: {title: {text: "Net sales (" + esc(D.currency.unit) + ")"}}});
  }
  function renderMap(rows) {
    const keep = new Set(rows), P = D.map;
    const traces = SEGS.map((s, i) => ({type: "scattergl", mode: "markers", name: esc(s.name), x: [], y: [], text: [],
      marker: {color: s.color, size: 5, opacity: 0.7}, hovertemplate: "%{text}<extra></extra>"}));
    for (let k = 0; k < P.row.length; k++) {
      const i = P.row[k];
      if (!keep.has(i)) continue;
      const t = traces[C.seg[i]];
      t.x.push(P.x[k]); t.y.push(P.y[k]);
      t.text.push("Customer " + esc(C.id[i]) + "<br>" + esc(SEGS[C.seg[i]].name) + "<br>" + C.orders[i] +
                  " orders, " + esc(money(C.revenue[i])) + "<br>last purchase " + C.last[i] + " (" + C.recency[i] + " days)");
    }
    plot("chart-map", traces.filter((_, i) => state.segs.has(i)), {showlegend: true,
      title: {text: "Map of customers: nearby points buy alike" + (P.sampled ? " (a sample of " + count(P.row.length) +
              " of " + count(P.total) + ")" : "")}, xaxis: {showticklabels: false}, yaxis: {showticklabels: false}});
  }
  function renderMaintenance() {
    const m = D.maintenance;
    if (!m) return;
    const shapes = m.band[0] === null ? [] : [{type: "rect", xref: "paper", x0: 0, x1: 1, y0: m.band[0], y1: m.band[2],
      fillcolor: "rgba(47,102,144,0.12)", line: {width: 0}}];
    plot("chart-maintenance", [{type: "scatter", mode: "lines+markers", x: m.days, y: m.ari, text: m.label.map(esc),
      error_y: {type: "data", symmetric: false, array: m.high.map((h, i) => h - m.ari[i]),
                arrayminus: m.ari.map((a, i) => a - m.low[i])}, line: {color: "#2f6690", width: 3},
      hovertemplate: "%{text}: %{y:.2f}<extra></extra>"}],
      {shapes, title: {text: esc(m.headline || "")}, xaxis: {title: {text: "Days after the baseline"}},
       yaxis: {title: {text: "Agreement with re-segmenting (ARI)"}, range: [0, 1.05]}});
  }
  function renderHealth() {
    const h = D.health;
    if (!h) return;
    document.getElementById("health-status").textContent = h.status;
    const list = document.getElementById("health-lines");
    h.lines.forEach(function (text) { const li = document.createElement("li"); li.textContent = text; list.append(li); });
    if (!h.track) return;
    const t = h.track;
    plot("chart-health", [
      {type: "scatter", mode: "lines", x: t.cutoff, y: t.band_high, line: {width: 0}, hoverinfo: "skip", showlegend: false},
      {type: "scatter", mode: "lines", x: t.cutoff, y: t.band_low, fill: "tonexty", fillcolor: "rgba(140,140,140,0.2)",
       line: {width: 0}, name: "noise band", hoverinfo: "skip"},
      {type: "scatter", mode: "lines+markers", x: t.cutoff, y: t.agreement, name: "agreement",
       error_y: {type: "data", symmetric: false, array: t.agreement_high.map((v, i) => v - t.agreement[i]),
                 arrayminus: t.agreement.map((v, i) => v - t.agreement_low[i])},
       text: t.status.map(esc), marker: {size: t.status.map(s => s === "refresh_due" ? 14 : 7),
       color: t.status.map(s => s === "refresh_due" ? "#e15759" : "#2f6690")},
       line: {color: "#2f6690", width: 3}, hovertemplate: "%{x}: %{y:.2f} (%{text})<extra></extra>"}],
      {title: {text: esc(h.policy || "")}, yaxis: {title: {text: "Agreement with a fresh fit (ARI)"}, range: [0, 1.05]},
       showlegend: true, legend: {orientation: "h"}});
  }
  function renderMigration(rows) {
    const moves = D.customers.moves;
    if (!moves) return;
    const counts = moves.before.map(() => moves.now.map(() => 0));
    for (const i of rows) if (C.before[i] >= 0 && C.now[i] >= 0) counts[C.before[i]][C.now[i]]++;
    plot("chart-migration", [{type: "heatmap", z: counts, x: moves.now.map(esc), y: moves.before.map(esc),
      colorscale: [[0, "#f7fbff"], [1, "#08519c"]], texttemplate: "%{z:,}", hovertemplate: "%{y} → %{x}: %{z:,} customers<extra></extra>"}],
      {title: {text: "Segment before (rows) → segment now (columns), " + esc(D.movement_period)},
       yaxis: {autorange: "reversed", automargin: true}, xaxis: {automargin: true}, margin: {l: 140, r: 20, t: 40, b: 60}});
  }

  // ---- table and CSV --------------------------------------------------------------------
  const COLUMNS = [["id", "Customer"], ["segment", "Segment"], ["region", D.region_label], ["cohort", "First purchase"],
    ["orders", "Orders"], ["revenue", "Revenue"], ["last", "Last purchase"], ["expected", "Expected revenue"],
    ["active", "Probability active (%)"]].filter(([key]) => key !== "region" || D.customers.regions)
    .filter(([key]) => (key !== "expected" && key !== "active") || C.expected);
  function cell(i, key) {
    if (key === "segment") return SEGS[C.seg[i]].name;
    if (key === "region") return D.customers.regions[C.region[i]];
    if (key === "cohort") return D.customers.cohorts[C.cohort[i]];
    return C[key][i];
  }
  function sorted(rows) {
    const key = state.sortKey, dir = state.sortDir;
    return rows.slice().sort((a, b) => {
      const x = cell(a, key), y = cell(b, key);
      if (x === y) return C.id[a] < C.id[b] ? -1 : 1;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * dir;
    });
  }
  let current = {rows: [], listed: []};
  function renderTable() {
    const listed = sorted(selectedRows().listed);
    const pages = Math.max(1, Math.ceil(listed.length / PAGE));
    state.page = Math.min(state.page, pages - 1);
    const head = $("table-head"); head.replaceChildren();
    COLUMNS.forEach(([key, label]) => {
      const th = el("th", label + (state.sortKey === key ? (state.sortDir > 0 ? " ▲" : " ▼") : ""));
      th.addEventListener("click", () => {
        state.sortDir = state.sortKey === key ? -state.sortDir : -1; state.sortKey = key; renderTable();
      });
      head.append(th);
    });
    const body = $("table-body"); body.replaceChildren();
    for (const i of listed.slice(state.page * PAGE, (state.page + 1) * PAGE)) {
      const tr = el("tr");
      COLUMNS.forEach(([key]) => {
        const v = cell(i, key);
        tr.append(el("td", key === "revenue" || key === "expected" ? money(v) : v === null ? "–" :
          typeof v === "number" ? v.toLocaleString("en-US") : v));
      });
      body.append(tr);
    }
    $("page-info").textContent = "Page " + (state.page + 1) + " of " + pages + " · " + count(listed.length) + " customers";
    $("prev").disabled = state.page === 0; $("next").disabled = state.page >= pages - 1;
    $("download").textContent = "Download CSV (" + count(listed.length) + " customers)";
  }
  function csvField(v) {
    let text = v === null || v === undefined ? "" : String(v);
    if (/^[=+\-@]/.test(text) && typeof v === "string") text = "'" + text;  // no formulas in a spreadsheet
    return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function csvText() {
    const listed = sorted(selectedRows().listed);
    const names = {id: "customer_id", cohort: "first_purchase_period", last: "last_purchase_date",
                   expected: "expected_revenue", active: "probability_active_pct"};
    const lines = [COLUMNS.map(([key]) => names[key] || key).join(",")];
    for (const i of listed) lines.push(COLUMNS.map(([key]) => csvField(cell(i, key))).join(","));
    return lines.join("\n") + "\n";
  }
  function download() {
    const link = el("a");
    link.href = URL.createObjectURL(new Blob([csvText()], {type: "text/csv;charset=utf-8"}));
    link.download = "customers_filtered.csv";
    document.body.append(link); link.click(); link.remove();
  }

  function update() {
    current = selectedRows();
    const t = totals(current.rows);
    renderTiles(t); renderSizes(t); renderMonthly(); renderMap(current.rows); renderMigration(current.rows);
    renderTable();
  }
  $("prev").addEventListener("click", () => { state.page--; renderTable(); });
  $("next").addEventListener("click", () => { state.page++; renderTable(); });
  buildFilters();
  renderMaintenance();
  renderHealth();
  update();
  window.dashboard = {csvText, state};
})();
