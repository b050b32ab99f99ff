// kg browse: the page. Talks to the JSON API of kg/browse/server.py; draws with the bundled vis-network.
"use strict";
(function () {
  const LARGE = 800;          // above this many nodes drawn: no physics, no edge captions, no shadows
  const $ = (id) => document.getElementById(id);
  const state = { meta: null, colors: {}, hiddenLabels: new Set(), hiddenTypes: new Set(), more: {},
                  selected: null, dimmed: false, timings: {}, lastQuery: null };

  // ---- helpers -----------------------------------------------------------------------------
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  // The title of the article a sentence is in, then " · ": "(untitled article)" when it has none,
  // nothing when it is not known (never the title of another article of the same file).
  const articleOf = (s) => (s.article ? esc(s.article) + " · " : s.article === "" ? '<span class="muted">(untitled article)</span> · ' : "");
  function markNames(text, names) {
    let html = esc(text);
    const ns = [...new Set(names.filter((n) => n && n.length > 1))].sort((a, b) => b.length - a.length);
    for (const n of ns) html = html.split(esc(n)).join("\u0001" + esc(n) + "\u0002");
    return html.replace(/\u0001/g, "<mark>").replace(/\u0002/g, "</mark>").replace(/<mark>(<mark>)+/g, "<mark>").replace(/(<\/mark>)+/g, "</mark>");
  }
  const TOKEN = (document.querySelector('meta[name="kg-token"]') || {}).content || "";
  async function api(path, body) {
    const opts = body ? { method: "POST", headers: { "Content-Type": "application/json", "X-KG-Token": TOKEN }, body: JSON.stringify(body) }
                      : { headers: { "X-KG-Token": TOKEN } };
    const r = await fetch(path, opts);
    const data = await r.json().catch(() => ({ error: `HTTP ${r.status}` }));
    if (!r.ok) { const e = new Error(data.error || `HTTP ${r.status}`); e.refused = !!data.refused; throw e; }
    return data;
  }
  const caption = (name) => (name.length > 14 ? name.slice(0, 13) + "…" : name);
  const colorOf = (label) => state.colors[label] || "#A5ABB6";
  const chip = (label) => `<span class="chip" style="background:${colorOf(label)}">${esc(label)}</span>`;
  function yuan(v) {
    if (typeof v !== "number") return esc(v);
    if (v >= 1e8) return `${(v / 1e8).toLocaleString("zh-CN", { maximumFractionDigits: 4 })}亿元`;
    if (v >= 1e4) return `${(v / 1e4).toLocaleString("zh-CN", { maximumFractionDigits: 4 })}万元`;
    return `${v}元`;
  }

  // ---- the canvas --------------------------------------------------------------------------
  const nodes = new vis.DataSet();
  const edges = new vis.DataSet();
  const nodeView = new vis.DataView(nodes, { filter: (n) => !state.hiddenLabels.has(n.kgLabel) });
  const edgeView = new vis.DataView(edges, { filter: (e) => !state.hiddenTypes.has(e.kgType) });
  const network = new vis.Network($("graph"), { nodes: nodeView, edges: edgeView }, {
    autoResize: true,
    nodes: { shape: "dot", size: 12, font: { size: 13, face: "system-ui, Noto Sans CJK SC, sans-serif" }, borderWidth: 1,
             scaling: { label: { drawThreshold: 6 } } },
    edges: { arrows: { to: { enabled: true, scaleFactor: 0.5 } }, color: { color: "#9aa5b1", highlight: "#2b3440", inherit: false },
             font: { size: 10, color: "#556", strokeWidth: 3, align: "middle" }, smooth: false, width: 1, selectionWidth: 2 },
    physics: { enabled: false, solver: "barnesHut", barnesHut: { gravitationalConstant: -6000, springLength: 130, avoidOverlap: 0.2 },
               stabilization: { enabled: true, iterations: 300, updateInterval: 50, fit: true } },
    interaction: { hover: true, tooltipDelay: 150, multiselect: false, navigationButtons: false, keyboard: false },
    layout: { improvedLayout: false, randomSeed: 7 },
  });
  network.on("stabilizationIterationsDone", () => { network.setOptions({ physics: { enabled: false } }); });
  network.on("afterDrawing", () => {
    if (state.drawStarted != null) {
      state.timings.lastDrawMs = performance.now() - state.drawStarted;
      state.drawStarted = null;
    }
  });

  function groupsOptions() {
    const groups = { _dim: { color: { background: "#e4e6ea", border: "#d0d3d8" }, font: { color: "#b8bcc4" } } };
    for (const l of state.meta.labels) groups[l.label] = { color: { background: l.color, border: shade(l.color), highlight: { background: l.color, border: "#222" }, hover: { background: l.color, border: "#222" } } };
    return groups;
  }
  function shade(hex) {
    const n = parseInt(hex.slice(1), 16);
    const f = (x) => Math.max(0, Math.round(x * 0.75)).toString(16).padStart(2, "0");
    return `#${f(n >> 16)}${f((n >> 8) & 255)}${f(n & 255)}`;
  }
  function labelSize(label) {       // kg.schema's size for the label, through /api/meta
    const l = state.meta.labels.find((x) => x.label === label);
    return (l && l.size) || 11;
  }
  function visNode(n, pos) {
    const v = { id: n.id, label: caption(n.name), title: `${n.name}\n${n.label}${(n.properties.aliases || []).length ? "\n别名: " + n.properties.aliases.join("、") : ""}`,
                group: n.label, kgLabel: n.label, kgName: n.name, size: labelSize(n.label) };
    if (pos) { v.x = pos.x; v.y = pos.y; }
    return v;
  }
  function visEdge(e, captions) {
    return { id: e.id, from: e.from, to: e.to, kgType: e.type, label: captions ? e.type : undefined,
             title: `${e.type}${e.title ? " (" + e.title + ")" : ""}${e.confidence != null ? "\nconfidence " + e.confidence : ""}${e.rule ? "\nrule " + e.rule : ""}` };
  }
  function status() {
    const shown = nodeView.length, all = nodes.length;
    $("status").textContent = `${shown} nodes, ${edgeView.length} relationships drawn` + (shown < all ? ` (${all - shown} hidden by the label filter)` : "");
  }
  function clearGraph() { nodes.clear(); edges.clear(); state.more = {}; state.selected = null; state.dimmed = false; status(); }

  // Positions for a big graph without physics: a sunflower spiral per label, side by side.
  function spiral(list) {
    const byLabel = {};
    for (const n of list) (byLabel[n.label] = byLabel[n.label] || []).push(n);
    const pos = {}; let offset = 0; const golden = Math.PI * (3 - Math.sqrt(5));
    for (const label of Object.keys(byLabel)) {
      const group = byLabel[label]; const r = 22 * Math.sqrt(group.length);
      group.forEach((n, i) => { const rr = 22 * Math.sqrt(i + 0.5); pos[n.id] = { x: offset + r + rr * Math.cos(i * golden), y: rr * Math.sin(i * golden) }; });
      offset += 2 * r + 120;
    }
    return pos;
  }
  // The region tree, read left to right like an outline: provinces in the first column, their
  // cities in the next, then counties, each beside its parent, one row per leaf (rows far enough
  // apart that a caption under its dot never meets the next one).
  const TREE_COLUMN = 260, TREE_ROW = 52;
  function treeLayout(list, rels) {
    const level = (n) => (n.labels.includes("Province") ? 0 : n.labels.includes("City") ? 1 : 2);
    const parent = {}; for (const e of rels) if (e.type === "PART_OF") parent[e.from] = e.to;
    const children = {}; for (const n of list) { const p = parent[n.id]; (children[p || "_root"] = children[p || "_root"] || []).push(n); }
    const pos = {}; let row = 0;
    function place(n) {
      const kids = (children[n.id] || []).sort((a, b) => a.name.localeCompare(b.name, "zh"));
      if (!kids.length) { pos[n.id] = { x: level(n) * TREE_COLUMN, y: row * TREE_ROW }; row += 1; return pos[n.id].y; }
      const ys = kids.map((k) => place(k));
      pos[n.id] = { x: level(n) * TREE_COLUMN, y: (ys[0] + ys[ys.length - 1]) / 2 };
      return pos[n.id].y;
    }
    for (const root of (children._root || []).sort((a, b) => level(a) - level(b) || a.name.localeCompare(b.name, "zh"))) place(root);
    return pos;
  }
  // Fit the drawing, but never so far out that captions shrink below their size: then show the
  // top-left part at full size (drag to see the rest; Fit shows all of it).
  function fitReadable() {
    network.fit({ animation: false });
    if (network.getScale() >= 1) return;
    const pos = Object.values(network.getPositions(nodeView.getIds()));
    if (!pos.length) return;
    const left = Math.min(...pos.map((p) => p.x)), top = Math.min(...pos.map((p) => p.y));
    const box = $("graph").getBoundingClientRect();
    network.moveTo({ scale: 1, position: { x: left - 60 + box.width / 2, y: top - 40 + box.height / 2 }, animation: false });
  }

  // Draw a set of nodes and relationships: replace the canvas, or add to it.
  function draw(data, { replace = true, layout = "auto", focus = null } = {}) {
    state.drawStarted = performance.now();
    if (replace) clearGraph();
    const total = nodes.length + data.nodes.length;
    const large = total > LARGE;
    let pos = null;
    if (layout === "tree") pos = treeLayout(data.nodes, data.edges);
    else if (large && replace) pos = spiral(data.nodes);
    else if (focus) {
      const c = network.getPositions([focus])[focus] || { x: 0, y: 0 };
      const fresh = data.nodes.filter((n) => !nodes.get(n.id));
      pos = {}; fresh.forEach((n, i) => {
        const ring = Math.floor(i / 12), k = i % 12, count = Math.min(12, fresh.length - ring * 12);
        const a = (2 * Math.PI * k) / count + ring * 0.3, r = 170 + ring * 90;
        pos[n.id] = { x: c.x + r * Math.cos(a), y: c.y + r * Math.sin(a) };
      });
    }
    network.setOptions({ edges: { font: { size: large ? 0 : 10 } }, interaction: { hideEdgesOnDrag: large, hideEdgesOnZoom: large } });
    const captions = !large && (edges.length + data.edges.length) <= 400;
    nodes.update(data.nodes.filter((n) => replace || !nodes.get(n.id)).map((n) => visNode(n, pos && pos[n.id])));
    edges.update(data.edges.map((e) => visEdge(e, captions)));
    if (!captions && edges.length) edges.update(edges.get({ filter: (e) => e.label }).map((e) => ({ id: e.id, label: "" })));
    if (replace && !pos) {
      // small graph without positions: let the physics settle it, then stop (stays idle and responsive)
      network.setOptions({ physics: { enabled: true } });
      network.stabilize(large ? 60 : 300);
    } else if (replace && layout === "tree") {
      fitReadable();
    } else if (replace) {
      network.fit({ animation: false });
    }
    status();
  }

  // ---- filters and legend -------------------------------------------------------------------
  function buildLegend() {
    $("legend").innerHTML = state.meta.labels.filter((l) => l.label !== "Document").map((l) =>
      `<label data-label="${esc(l.label)}"><input type="checkbox" checked data-filter-label="${esc(l.label)}"><span class="swatch" style="background:${l.color}"></span>${esc(l.label)}<span class="count">${l.count}</span></label>`).join("");
    $("types").innerHTML = state.meta.types.map((t) =>
      `<label data-type="${esc(t.type)}"><input type="checkbox" checked data-filter-type="${esc(t.type)}">${esc(t.type)}<span class="count">${t.count}</span></label>`).join("");
    $("legend").addEventListener("change", (ev) => {
      const l = ev.target.dataset.filterLabel; if (!l) return;
      ev.target.checked ? state.hiddenLabels.delete(l) : state.hiddenLabels.add(l);
      nodeView.refresh(); status();
    });
    $("types").addEventListener("change", (ev) => {
      const t = ev.target.dataset.filterType; if (!t) return;
      ev.target.checked ? state.hiddenTypes.delete(t) : state.hiddenTypes.add(t);
      edgeView.refresh(); status();
    });
  }

  // ---- neighbourhood highlight ---------------------------------------------------------------
  function highlight(id) {
    if (state.dimmed) { nodes.update(nodes.get({ filter: (n) => n.group === "_dim" }).map((n) => ({ id: n.id, group: n.kgLabel }))); state.dimmed = false; }
    if (!id || !$("highlight").checked) return;
    const keep = new Set([id, ...network.getConnectedNodes(id)]);
    nodes.update(nodes.get({ filter: (n) => !keep.has(n.id) }).map((n) => ({ id: n.id, group: "_dim" })));
    state.dimmed = true;
  }

  // ---- details --------------------------------------------------------------------------------
  function propRows(props) {
    const rows = [];
    for (const [k, v] of Object.entries(props)) {
      if (k === "name" || k.endsWith("_text")) continue;
      let val;
      if (k === "aliases") val = (v || []).length ? v.map(esc).join("、") : '<span class="muted">none</span>';
      else if (k.endsWith("_cny")) val = `${yuan(v)} <span class="muted">(${Number(v).toLocaleString("en")} 元${props[k + "_text"] ? ", text: " + esc(props[k + "_text"]) : ""})</span>`;
      else if (Array.isArray(v)) val = v.map(esc).join("、");
      else if (typeof v === "object" && v) val = esc(JSON.stringify(v));
      else val = esc(v) + (props[k + "_text"] ? ` <span class="muted">(text: ${esc(props[k + "_text"])})</span>` : "");
      rows.push(`<tr data-prop="${esc(k)}"><th>${esc(k)}</th><td>${val}</td></tr>`);
    }
    for (const [k, v] of Object.entries(props)) if (k.endsWith("_text") && !(k.slice(0, -5) in props)) rows.push(`<tr data-prop="${esc(k)}"><th>${esc(k)}</th><td>${esc(v)}</td></tr>`);
    return `<table class="props">${rows.join("")}</table>`;
  }
  async function showNode(id) {
    let d;
    try { d = await api(`/api/node?id=${encodeURIComponent(id)}`); } catch (e) { $("details").innerHTML = `<p class="error">${esc(e.message)}</p>`; return; }
    const n = d.node, names = [n.name, ...(n.properties.aliases || [])];
    const degrees = Object.entries(d.degrees).map(([t, c]) => `${esc(t)} ${c}`).join(" · ") || "none";
    const more = state.more[n.id];
    const mentions = d.mentions.map((m) => `<div class="sentence mention"><div class="src">${articleOf(m)}${esc(m.doc)} [${m.start}–${m.end}]</div>${m.sentence ? markNames(m.sentence, names) : '<span class="muted">(no sentence stored: load the graph from a build that wrote documents.jsonl)</span>'}</div>`).join("");
    const sents = d.sentences.filter((s) => !d.mentions.some((m) => m.sentence === s.text)).map((s) =>
      `<div class="sentence"><div class="src">${articleOf(s)}${esc(s.doc)} [${s.start}]</div>${markNames(s.text, names)}</div>`).join("");
    $("details").innerHTML = `<div id="node-details" data-id="${esc(n.id)}">${chip(n.label)} ${n.labels.filter((l) => l !== n.label).map(esc).join(" ")}
      <h3>${esc(n.name)}</h3>${propRows(n.properties)}
      <h2>Relationships</h2><p>${degrees}</p>
      <div class="buttons"><button id="expand" type="button">Expand neighbours</button>
      ${more ? `<button id="show-more" type="button">Show more (${more.more} more)</button>` : ""}</div>
      <h2>Mentioned in (${d.mentions.length})</h2>${mentions || '<p class="muted">no mentions</p>'}
      ${sents ? `<h2>Sentences about it</h2>${sents}` : ""}</div>`;
    $("expand").onclick = () => expand(n.id, 0);
    if (more) $("show-more").onclick = () => expand(n.id, more.skip);
  }
  async function showEdge(id) {
    let d;
    try { d = await api(`/api/edge?id=${encodeURIComponent(id)}`); } catch (e) { $("details").innerHTML = `<p class="error">${esc(e.message)}</p>`; return; }
    const names = [d.from.name, ...(d.from.properties.aliases || []), d.to.name, ...(d.to.properties.aliases || [])];
    const ev = d.evidence.map((s) => `<div class="sentence evidence"><div class="src">${articleOf(s)}${esc(s.doc)} [${s.start}–${s.end}]</div>${markNames(s.text, names)}</div>`).join("");
    $("details").innerHTML = `<div id="edge-details" data-id="${esc(id)}">
      <h3><span class="rel-end" data-node="${esc(d.from.id)}">${esc(d.from.name)}</span> → ${esc(d.edge.type)} → <span class="rel-end" data-node="${esc(d.to.id)}">${esc(d.to.name)}</span></h3>
      ${chip(d.from.label)} → ${chip(d.to.label)}
      ${propRows(d.properties)}
      <h2>Evidence (${d.evidence.length})</h2>${ev || `<p class="muted">no sentence: a fact from ${esc(d.properties.source || "reference data")}</p>`}</div>`;
    for (const el of $("details").querySelectorAll(".rel-end")) el.onclick = () => { network.selectNodes([el.dataset.node]); showNode(el.dataset.node); };
  }

  // ---- expand ---------------------------------------------------------------------------------
  async function expand(id, skip) {
    const d = await api(`/api/expand?id=${encodeURIComponent(id)}&skip=${skip || 0}`);
    if (!nodes.get(id)) {
      const n = await api(`/api/node?id=${encodeURIComponent(id)}`);
      draw({ nodes: [n.node], edges: [] }, { replace: false });
    }
    draw(d, { replace: false, focus: id });
    const shown = (skip || 0) + d.nodes.length;
    if (d.more > 0) state.more[id] = { skip: shown, more: d.more }; else delete state.more[id];
    if (state.selected === id || !state.selected) { state.selected = id; network.selectNodes([id]); highlight(id); }
    await showNode(id);
  }

  // ---- search ----------------------------------------------------------------------------------
  let searchTimer = null;
  async function search(text) {
    if (!text.trim()) { $("results-section").hidden = true; return; }
    const d = await api(`/api/search?q=${encodeURIComponent(text)}`);
    $("results-section").hidden = false;
    $("results").innerHTML = d.groups.length ? d.groups.map((g) => `<div class="group" data-group="${esc(g.label)}"><div class="group-title"><span class="swatch" style="background:${g.color}"></span>${esc(g.label)} (${g.total})</div>` +
      g.items.map((n) => `<a class="result" data-id="${esc(n.id)}" title="${esc(n.id)}">${markNames(n.name, [d.query])}${n.matched !== n.name ? ` <small>(${markNames(n.matched, [d.query])})</small>` : ""}</a>`).join("") +
      (g.total > g.items.length ? `<small class="muted">… ${g.total - g.items.length} more: refine the search</small>` : "") + "</div>").join("") : '<p class="muted">nothing found</p>';
  }
  $("search").addEventListener("input", (ev) => { clearTimeout(searchTimer); searchTimer = setTimeout(() => search(ev.target.value), 200); });
  $("search-form").addEventListener("submit", (ev) => { ev.preventDefault(); search($("search").value); });
  $("results").addEventListener("click", async (ev) => {
    const a = ev.target.closest(".result"); if (!a) return;
    const id = a.dataset.id;
    if (!nodes.get(id)) {
      const n = await api(`/api/node?id=${encodeURIComponent(id)}`);
      draw({ nodes: [n.node], edges: [] }, { replace: nodes.length === 0 });
    }
    state.selected = id; network.selectNodes([id]); network.focus(id, { scale: 1.1, animation: false });
    highlight(id); showNode(id);
  });

  // ---- canvas events ------------------------------------------------------------------------------
  network.on("click", (p) => {
    if (p.nodes.length) { state.selected = p.nodes[0]; highlight(p.nodes[0]); showNode(p.nodes[0]); }
    else if (p.edges.length) { highlight(null); showEdge(p.edges[0]); }
    else { state.selected = null; highlight(null); }
  });
  network.on("doubleClick", (p) => { if (p.nodes.length) { state.selected = p.nodes[0]; expand(p.nodes[0], state.more[p.nodes[0]] ? state.more[p.nodes[0]].skip : 0); } });
  $("fit").onclick = () => network.fit({ animation: false });
  $("layout").onclick = () => { network.setOptions({ physics: { enabled: true } }); network.stabilize(nodes.length > LARGE ? 80 : 300); };
  $("clear").onclick = () => { clearGraph(); $("details").innerHTML = '<p class="muted">Cleared.</p>'; };

  async function view(name) {
    const d = await api(`/api/view/${name}`);
    draw(d, { layout: name === "regions" ? "tree" : "auto" });
    $("query-message").className = ""; $("query-message").textContent = `${d.title}: ${d.nodes.length} nodes, ${d.edges.length} relationships`;
  }
  $("view-parks").onclick = () => view("parks");
  $("view-regions").onclick = () => view("regions");

  // ---- query box ---------------------------------------------------------------------------------
  function renderParams(q) {
    $("params").innerHTML = q ? Object.entries(q.params).map(([k, v]) =>
      `<label title="${esc(q.descriptions[k] || "")}">$${esc(k)}<input data-param="${esc(k)}" value="${v == null ? "" : esc(v)}" placeholder="${v == null ? "required" : ""}"></label>`).join("") : "";
  }
  $("named").addEventListener("change", async () => {
    const name = $("named").value;
    const q = state.meta.queries.find((x) => x.name === name);
    renderParams(q);
    $("cypher").value = q ? `// ${q.title}\n// (the named query ${q.name} of cypher/; editing this turns it into inline Cypher)` : "";
    $("cypher").dataset.named = name;
  });
  $("cypher").addEventListener("input", () => { if ($("named").value) { $("named").value = ""; renderParams(null); } });
  function renderTable(d) {
    const cell = (v) => v == null ? "" : typeof v === "object" ? (Array.isArray(v) && v.every((x) => typeof x !== "object") ? v.join("、") : JSON.stringify(v)) : String(v);
    $("query-table").innerHTML = `<table class="rows"><thead><tr>${d.columns.map((c) => `<th>${esc(c)}</th>`).join("")}</tr></thead><tbody>` +
      d.rows.map((r) => `<tr>${r.map((v) => `<td>${esc(cell(v))}</td>`).join("")}</tr>`).join("") + "</tbody></table>";
  }
  function showAs() { return document.querySelector('input[name="show"]:checked').value; }
  function applyShowAs() { const table = showAs() === "table"; $("table-wrap").hidden = !table; }
  for (const r of document.querySelectorAll('input[name="show"]')) r.addEventListener("change", applyShowAs);
  $("query-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const msg = $("query-message"); msg.className = ""; msg.textContent = "running…";
    const name = $("named").value;
    const body = name ? { name, params: Object.fromEntries([...document.querySelectorAll("#params input")].map((i) => [i.dataset.param, i.value])) }
                      : { cypher: $("cypher").value };
    const t0 = performance.now();
    let d;
    try { d = await api("/api/query", body); } catch (e) {
      msg.className = "error"; msg.textContent = (e.refused ? "Refused — the browser never changes the graph: " : "Error: ") + e.message; return;
    }
    state.lastQuery = d;
    renderTable(d);
    if (d.graph.nodes.length) draw(d.graph);
    applyShowAs();
    msg.textContent = `${d.title ? d.title + " — " : ""}${d.rows.length} row${d.rows.length === 1 ? "" : "s"}${d.truncated ? " (cut)" : ""}; graph: ${d.graph.nodes.length} nodes, ${d.graph.edges.length} relationships${d.graph.note ? " (" + d.graph.note + ")" : ""}; ${Math.round(performance.now() - t0)} ms`;
  });

  // ---- a new build replaced the graph: the server serves it at once, the page says so --------------
  const BUILD_POLL_MS = 3000;
  async function checkBuild() {
    let b;
    try { b = await api("/api/build"); } catch (e) { return; }     // the server may be gone: nothing to say
    if (!b.generation || b.generation === state.meta.generation) return;
    state.newBuild = b.generation;
    $("new-build-text").textContent = `The graph changed: a new build (${b.generation}) is served now; what is drawn here and the counts on the left are from the previous one.`;
    $("new-build").hidden = false;
  }
  $("new-build-reload").addEventListener("click", () => location.reload());

  // ---- start -------------------------------------------------------------------------------------
  (async function init() {
    state.meta = await api("/api/meta");
    for (const l of state.meta.labels) state.colors[l.label] = l.color;
    $("where").textContent = state.meta.where;
    network.setOptions({ groups: groupsOptions() });
    buildLegend();
    $("named").insertAdjacentHTML("beforeend", state.meta.queries.map((q) => `<option value="${esc(q.name)}" title="${esc(q.title)}">${esc(q.name)}</option>`).join(""));
    document.body.dataset.ready = "1";
    if (state.meta.generation) setInterval(checkBuild, BUILD_POLL_MS);
    await view("parks");
  })().catch((e) => { $("query-message").className = "error"; $("query-message").textContent = "Error: " + e.message; });

  window.kgBrowse = { network, nodes, edges, nodeView, edgeView, state, draw, expand, view, checkBuild };
})();
