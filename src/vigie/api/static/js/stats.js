"use strict";
// Statistics page: one day's anonymous figures from /api/stats, as cards and Plotly charts.
// The filters live in the URL (?day=&camera=&zone=&bin=), so a view can be bookmarked.
(function () {
  const { api, el, on, toast, isTyping } = window.vigie;
  const $ = (id) => document.getElementById(id);
  const page = $("stats-page");
  const form = { day: $("f-day"), camera: $("f-camera"), zone: $("f-zone"), bin: $("f-bin") };
  const css = getComputedStyle(document.documentElement);
  const color = (name) => css.getPropertyValue(name).trim();
  const COLORS = { in: "#58a6ff", out: "#d2a8ff", net: "#e3b341", validated: color("--validated"),
    dismissed: color("--dismissed"), open: color("--ack") };
  const PALETTE = ["#58a6ff", "#3fb950", "#e3b341", "#ff7b72", "#d2a8ff", "#56d4dd", "#ffa657",
    "#a5d6ff", "#7ee787", "#f778ba"];
  // alert types: colours apart from the decisions' green, grey and amber
  const KINDS = ["#58a6ff", "#d2a8ff", "#56d4dd", "#ffa657", "#f778ba", "#a5d6ff", "#ff7b72",
    "#79c0ff", "#bc8cff", "#39c5cf"];
  const CONFIG = { displaylogo: false, responsive: true,
    modeBarButtonsToRemove: ["lasso2d", "select2d", "autoScale2d"] };
  const number = new Intl.NumberFormat();
  const percent = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 0 });
  let data = null;
  let camerasFilled = false;
  let reloadTimer = null;
  let followToday = true;  // no day chosen: show today, and follow it past midnight

  // --- filters and URL -----------------------------------------------------------------

  function params() {
    const p = new URLSearchParams();
    if (!followToday && form.day.value) p.set("day", form.day.value);
    if (form.camera.value) p.set("camera", form.camera.value);
    if (form.zone.value) p.set("zone", form.zone.value);
    if (form.bin.value !== "60") p.set("bin", form.bin.value);
    return p;
  }

  function readUrl() {
    const p = new URLSearchParams(location.search);
    form.day.value = p.get("day") || "";
    followToday = !form.day.value;
    form.bin.value = ["15", "30", "60"].includes(p.get("bin")) ? p.get("bin") : "60";
    // camera and zone are set once their options exist (after the first answer)
    return { camera: p.get("camera") || "", zone: p.get("zone") || "" };
  }

  function shiftDay(days) {
    const base = form.day.value || (data && data.day);
    if (!base) return;
    const d = new Date(base + "T12:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    form.day.value = d.toISOString().slice(0, 10);
    followToday = false;
    load();
  }

  function fillCameras(wanted) {
    for (const cam of data.cameras) {
      form.camera.append(el("option", { value: cam.id }, `${cam.name} (${cam.id})`));
    }
    form.camera.value = data.cameras.some((c) => c.id === wanted.camera) ? wanted.camera : "";
    fillZones(wanted.zone);
    camerasFilled = true;
  }

  function fillZones(wanted) {
    const cams = data.cameras.filter((c) => !form.camera.value || c.id === form.camera.value);
    const names = [...new Set(cams.flatMap((c) => [...c.lines, ...c.zones]))].sort();
    form.zone.replaceChildren(el("option", { value: "" }, "All"),
      ...names.map((n) => el("option", { value: n }, n)));
    form.zone.value = names.includes(wanted) ? wanted : "";
  }

  // --- cards ---------------------------------------------------------------------------

  function cards() {
    const s = data.summary;
    $("card-alerts").textContent = number.format(s.alerts);
    $("card-share").textContent = s.validated_share === null ? "–" : percent.format(s.validated_share);
    const decided = s.validated + s.dismissed;
    $("card-share-sub").textContent = decided
      ? `${s.validated} of ${decided} decided` : "no decision yet";
    $("card-open").textContent = number.format(s.open);
    $("card-in").textContent = number.format(s.crossings_in);
    $("card-out").textContent = number.format(s.crossings_out);
  }

  // --- charts --------------------------------------------------------------------------

  function layout(extra = {}) {
    const line = color("--line"), muted = color("--muted");
    const axis = { gridcolor: line, linecolor: line, zerolinecolor: line,
      tickfont: { color: muted }, automargin: true };
    return {
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
      font: { color: color("--text"), family: color("--font"), size: 13 },
      margin: { l: 8, r: 8, t: 30, b: 8 }, bargap: 0.25,
      hovermode: "x unified",
      hoverlabel: { bgcolor: color("--panel-2"), bordercolor: line, font: { color: color("--text") } },
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: 12 },
        traceorder: "normal" },
      ...extra,
      xaxis: { type: "category", ...axis, nticks: 13, ...(extra.xaxis || {}) },
      yaxis: { rangemode: "tozero", ...axis, ...(extra.yaxis || {}) },
      ...(extra.yaxis2 ? { yaxis2: { ...axis, ...extra.yaxis2 } } : {}),
    };
  }

  function draw(name, traces, extra, emptyText) {
    const box = $("chart-" + name);
    const card = box.closest(".chart-card");
    const empty = !traces.length;
    card.classList.toggle("is-empty", empty);
    if (empty) {
      if (box.classList.contains("js-plotly-plot")) window.Plotly.purge(box);
      box.style.height = "";
      box.replaceChildren(el("div", { class: "chart-none" }, emptyText));
      return;
    }
    box.querySelector(".chart-none")?.remove();
    box.style.height = extra.height ? extra.height + "px" : "";
    window.Plotly.react(box, traces, layout(extra), CONFIG);
  }

  // A count axis: whole numbers only.
  function countAxis(values, title) {
    const max = Math.max(0, ...values.flat().filter((v) => v !== null));
    return { title: { text: title }, rangemode: "tozero", tickformat: ",d",
      ...(max <= 6 ? { dtick: 1, range: [0, Math.max(1, max) * 1.1] } : {}) };
  }

  // For today, the bins still to come are left blank rather than drawn flat.
  function untilNow(values) {
    const now = Date.now();
    return values.map((v, i) => (new Date(data.bin_starts[i]).getTime() > now ? null : v));
  }

  const cameraName = (id) => (data.cameras.find((c) => c.id === id) || { name: id }).name;
  const seriesName = (s) => (data.camera_id ? s.name : `${cameraName(s.camera_id)} · ${s.name}`);
  const anyValue = (values) => values.some((v) => v !== null && v !== 0);

  function attendance() {
    const a = data.attendance;
    if (!anyValue(a.entries) && !anyValue(a.exits)) {
      return draw("attendance", [], {}, "No one was counted on a line this day.");
    }
    const x = data.labels;
    draw("attendance", [
      { type: "bar", name: "In", x, y: a.entries, marker: { color: COLORS.in } },
      { type: "bar", name: "Out", x, y: a.exits, marker: { color: COLORS.out } },
      { type: "scatter", mode: "lines", name: "In − out since midnight", x,
        y: untilNow(a.net_present),
        yaxis: "y2", line: { color: COLORS.net, width: 2.5, shape: "hv" } },
    ], { barmode: "group", yaxis: countAxis([a.entries, a.exits], "people per bin"),
         yaxis2: { overlaying: "y", side: "right", showgrid: false, rangemode: "tozero",
                   title: { text: "in − out" } } });
  }

  function crossings() {
    const traces = data.crossings.map((s, i) => ({
      type: "scatter", mode: "lines+markers", name: `${seriesName(s)} · ${s.direction}`,
      x: data.labels, y: s.values, line: { width: 2, dash: s.direction === "out" ? "dot" : "solid",
        color: PALETTE[Math.floor(i / 2) % PALETTE.length] }, marker: { size: 5 },
    }));
    draw("crossings", traces, { yaxis: countAxis(data.crossings.map((s) => s.values), "crossings") },
      "No tripwire counted this day.");
  }

  function alertsOverTime() {
    const traces = data.alerts_per_bin.map((k, i) => ({
      type: "bar", name: k.label || k.kind, x: data.labels, y: k.values,
      marker: { color: KINDS[i % KINDS.length] },
    }));
    const perBin = data.labels.map((_, j) => data.alerts_per_bin.reduce((n, k) => n + k.values[j], 0));
    draw("alerts-time", traces, { barmode: "stack", yaxis: countAxis([perBin], "alerts") },
      "No alert raised this day.");
  }

  function formatSeconds(s) {
    if (s === null || s === undefined) return "–";
    if (s < 90) return `${Math.round(s)} s`;
    if (s < 5400) return `${Math.round(s / 60)} min`;
    return `${(s / 3600).toFixed(1)} h`;
  }

  function alertsPerKind() {
    const kinds = data.alerts;
    const y = kinds.map((k) => k.label || k.kind);
    const bar = (name, key, colour) => ({ type: "bar", orientation: "h", name, y,
      x: kinds.map((k) => k[key]), marker: { color: colour },
      hovertemplate: `%{y}: %{x} ${name.toLowerCase()}<extra></extra>` });
    draw("alerts-kind", kinds.length ? [bar("Validated", "validated", COLORS.validated),
      bar("Dismissed", "dismissed", COLORS.dismissed), bar("Open", "open", COLORS.open)] : [],
    { barmode: "stack", hovermode: "closest", height: Math.max(160, 70 + 44 * kinds.length),
      xaxis: { type: "linear", ...countAxis([kinds.map((k) => k.total)], "alerts") },
      yaxis: { type: "category", autorange: "reversed" } },
    "No alert raised this day.");
    const table = $("alerts-table");
    table.hidden = !kinds.length;
    table.tBodies[0].replaceChildren(...kinds.map((k) => el("tr", { dataset: { kind: k.kind } },
      el("td", {}, k.label || k.kind), el("td", { class: "num" }, k.total),
      el("td", { class: "num" }, k.validated), el("td", { class: "num" }, k.dismissed),
      el("td", { class: "num" }, k.open),
      el("td", { class: "num" }, k.validated_share === null ? "–" : percent.format(k.validated_share)),
      el("td", { class: "num" }, formatSeconds(k.mean_handling_s)))));
  }

  function occupancy() {
    const traces = data.occupancy.flatMap((s, i) => {
      const c = PALETTE[i % PALETTE.length];
      return [
        { type: "scatter", mode: "lines", name: `${seriesName(s)} · mean`, x: data.labels,
          y: s.mean, line: { color: c, width: 2.5 }, connectgaps: false },
        { type: "scatter", mode: "markers", name: `${seriesName(s)} · busiest minute`,
          x: data.labels, y: s.peak, marker: { color: c, symbol: "triangle-up", size: 8 } },
      ];
    });
    draw("occupancy", traces, { yaxis: { title: { text: "persons" } } },
      "No density counted this day (a crowd_density rule counts persons in its zone).");
  }

  function masks() {
    const traces = data.masks.map((s, i) => ({
      type: "scatter", mode: "lines+markers", name: seriesName(s), x: data.labels,
      y: s.share.map((v) => (v === null ? null : v * 100)),
      customdata: s.masked.map((m, j) => [m, m + s.unmasked[j]]),
      hovertemplate: "%{y:.0f} % (%{customdata[0]} of %{customdata[1]} faces)",
      line: { color: PALETTE[i % PALETTE.length], width: 2.5 }, connectgaps: false,
    }));
    draw("masks", traces, { yaxis: { title: { text: "% masked" }, range: [0, 100],
      ticksuffix: " %" } }, "No face counted this day (a mask_share rule counts them).");
  }

  // --- loading -------------------------------------------------------------------------

  async function load() {
    const wanted = { camera: form.camera.value, zone: form.zone.value };
    const query = params();
    history.replaceState(null, "", query.toString() ? "?" + query : location.pathname);
    page.classList.add("loading");
    try {
      data = await api("/api/stats?" + query);
    } catch (error) {
      toast("Statistics: " + error.message, "error");
      return;
    } finally {
      page.classList.remove("loading");
    }
    if (!camerasFilled) fillCameras(initial);
    else fillZones(wanted.zone);
    form.day.value = data.day;
    const csvQuery = params();
    csvQuery.set("day", data.day);
    $("stats-csv").href = "/api/stats.csv?" + csvQuery;
    const where = data.camera_id ? ` on ${cameraName(data.camera_id)}` : "";
    $("stats-caption").textContent = `${data.day} · ${data.timezone} · ` +
      `${data.labels.length} ${data.bin_minutes === 60 ? "hours" : "bins of " + data.bin_minutes + " min"}` +
      " · anonymous figures, counts only";
    $("stats-empty-where").textContent = where + (data.zone ? ` in ${data.zone}` : "");
    $("stats-empty").hidden = !data.empty;
    cards();
    attendance();
    crossings();
    alertsOverTime();
    alertsPerKind();
    occupancy();
    masks();
    page.dataset.loaded = data.day;
  }

  function isToday() {
    return data && followToday;
  }

  function showToday() {
    followToday = true;
    load();
  }

  // Today's figures follow the live stream (alerts raised or decided) and the clock.
  function reloadSoon() {
    if (!isToday() || reloadTimer) return;
    reloadTimer = setTimeout(() => { reloadTimer = null; load(); }, 1500);
  }
  on("alert", reloadSoon);
  setInterval(() => { if (isToday() && !document.hidden) load(); }, 60000);

  const initial = readUrl();
  form.day.addEventListener("change", () => { followToday = !form.day.value; load(); });
  form.camera.addEventListener("change", () => { fillZones(form.zone.value); load(); });
  form.zone.addEventListener("change", load);
  form.bin.addEventListener("change", load);
  $("day-prev").addEventListener("click", () => shiftDay(-1));
  $("day-next").addEventListener("click", () => shiftDay(1));
  $("day-today").addEventListener("click", showToday);
  $("stats-filters").addEventListener("submit", (e) => { e.preventDefault(); load(); });
  document.addEventListener("keydown", (event) => {
    if (isTyping(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "[") shiftDay(-1);
    else if (event.key === "]") shiftDay(1);
    else if (event.key === "t") showToday();
    else if (event.key === "r") load();
  });
  load();
})();
