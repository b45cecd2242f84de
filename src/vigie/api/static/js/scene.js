"use strict";
// Scene editor: draw zones, tripwires, allowed directions and calibration points on a camera
// picture; set each rule's parameters from its JSON schema; save drafts, test them on
// footage, put them live. Points are fractions of the picture (0..1), as in the site file.
(function () {
  const { api, el, toast, dateTime, isTyping } = window.vigie;
  const SVG = "http://www.w3.org/2000/svg";
  const PALETTE = ["#4aa3ff", "#f778ba", "#3fb950", "#e3b341", "#a371f7", "#ff7b72",
                   "#39c5cf", "#d29922"];
  const LINE = "#39c5cf";
  const DIRECTION = "#ff9f43";
  const CAL = "#f2cc60";
  const HIT_PX = 10;

  const page = document.getElementById("scene-page");
  const picture = document.getElementById("scene-picture");
  const overlay = document.getElementById("scene-overlay");
  const $ = (id) => document.getElementById(id);

  const S = {
    camera: page.dataset.camera,
    info: null,                    // GET /api/scene/{camera}
    scene: { zones: [], lines: [], calibration: null, analytics: [] },
    base: "",                      // the scene as last loaded or saved (JSON), to spot changes
    version: null,                 // saved version the editor holds (null: the one in service)
    tool: "select",
    pending: [],                   // points of the shape being drawn
    pointer: null,                 // where the mouse is (fraction), for the rubber band
    sel: null,                     // {type: zone|line|cal, index, vertex?}
    rule: null,                    // index of the rule whose form is open
    kinds: {},                     // kind -> {title, description, schema}
    problems: [],
    summary: "",
    undo: [],
    drag: null,
    job: null,
  };

  // ---------------------------------------------------------------- helpers

  const round = (v) => Math.round(Math.min(1, Math.max(0, v)) * 10000) / 10000;
  const snapshot = () => JSON.stringify(S.scene);
  const dirty = () => snapshot() !== S.base;
  const size = () => ({ w: overlay.clientWidth || 1, h: overlay.clientHeight || 1 });
  const px = (p) => { const { w, h } = size(); return [p[0] * w, p[1] * h]; };
  const zoneColor = (i) => PALETTE[i % PALETTE.length];

  function ruleId(rule) {
    if (rule.name) return rule.name;
    return [rule.kind, rule.zone || rule.line].filter(Boolean).join("-");
  }

  function uniqueName(prefix, taken) {
    for (let i = 1; ; i += 1) {
      const name = `${prefix}-${i}`;
      if (!taken.includes(name)) return name;
    }
  }

  function change(fn, options = {}) {
    S.undo.push(snapshot());
    if (S.undo.length > 100) S.undo.shift();
    fn();
    refresh(options);
  }

  // Typing in the side panel: re-rendering it now would throw the text being typed away.
  const editingSide = () => Boolean(document.activeElement
    && document.activeElement.closest(".scene-side")
    && ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName));

  function undo() {
    const previous = S.undo.pop();
    if (previous === undefined) return toast("Nothing to undo");
    S.scene = JSON.parse(previous);
    S.sel = null;
    if (S.rule !== null && S.rule >= S.scene.analytics.length) S.rule = null;
    refresh();
  }

  function centroid(points) {
    const n = points.length;
    return [points.reduce((a, p) => a + p[0], 0) / n, points.reduce((a, p) => a + p[1], 0) / n];
  }

  function inside(point, polygon) {
    let hit = false;
    for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i, i += 1) {
      const [xi, yi] = polygon[i];
      const [xj, yj] = polygon[j];
      if ((yi > point[1]) !== (yj > point[1])
          && point[0] < ((xj - xi) * (point[1] - yi)) / (yj - yi) + xi) hit = !hit;
    }
    return hit;
  }

  function fraction(event) {
    const box = overlay.getBoundingClientRect();
    return [round((event.clientX - box.left) / box.width),
            round((event.clientY - box.top) / box.height)];
  }

  function distancePx(a, b) {
    const [ax, ay] = px(a);
    const [bx, by] = px(b);
    return Math.hypot(ax - bx, ay - by);
  }

  // ---------------------------------------------------------------- drawing

  function svg(tag, attrs = {}, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function label(x, y, text, color, anchor = "start") {
    return svg("text", { x, y, fill: color, class: "scene-label", "text-anchor": anchor }, text);
  }

  function arrow(from, to, color, cls) {
    const [x1, y1] = from;
    const [x2, y2] = to;
    const a = Math.atan2(y2 - y1, x2 - x1);
    const head = 11;
    const left = [x2 - head * Math.cos(a - 0.45), y2 - head * Math.sin(a - 0.45)];
    const right = [x2 - head * Math.cos(a + 0.45), y2 - head * Math.sin(a + 0.45)];
    return svg("g", { class: cls },
      svg("line", { x1, y1, x2, y2, stroke: color, "stroke-width": 3 }),
      svg("polygon", { points: `${x2},${y2} ${left.join(",")} ${right.join(",")}`, fill: color }));
  }

  function handle(p, type, index, vertex, color, square = false) {
    const [x, y] = px(p);
    const data = { "data-type": type, "data-index": index, "data-vertex": vertex,
                   class: "scene-handle", stroke: color };
    return square ? svg("rect", { ...data, x: x - 6, y: y - 6, width: 12, height: 12 })
      : svg("circle", { ...data, cx: x, cy: y, r: 6.5 });
  }

  function drawZones(layer, handles) {
    S.scene.zones.forEach((zone, i) => {
      const color = zoneColor(i);
      const selected = S.sel && S.sel.type === "zone" && S.sel.index === i;
      const bad = S.problems.some((p) => p.startsWith(`zones[${i}]`));
      const points = zone.points.map((p) => px(p).join(",")).join(" ");
      layer.append(svg("polygon", {
        points, fill: color, "fill-opacity": selected ? 0.28 : 0.16,
        stroke: bad ? "#f85149" : color, "stroke-width": selected ? 3 : 2,
        "stroke-dasharray": bad ? "6 4" : null, class: "scene-shape",
        "data-type": "zone", "data-index": i,
      }));
      if (zone.points.length) {
        const [x, y] = px(centroid(zone.points));
        layer.append(label(x, y, zone.name, "#fff", "middle"));
      }
      if (selected) zone.points.forEach((p, v) => handles.append(handle(p, "zone", i, v, color)));
    });
  }

  function drawLines(layer, handles) {
    S.scene.lines.forEach((line, i) => {
      const selected = S.sel && S.sel.type === "line" && S.sel.index === i;
      const [x1, y1] = px(line.start);
      const [x2, y2] = px(line.end);
      layer.append(svg("line", { x1, y1, x2, y2, stroke: "transparent", "stroke-width": 16,
                                 class: "scene-shape", "data-type": "line", "data-index": i }));
      layer.append(svg("line", { x1, y1, x2, y2, stroke: LINE, "stroke-width": selected ? 4 : 3,
                                 class: "scene-line", "pointer-events": "none" }));
      // 'in' crosses from the right of start->end (as seen on screen) to its left.
      const len = Math.hypot(x2 - x1, y2 - y1) || 1;
      const nx = (y2 - y1) / len;
      const ny = -(x2 - x1) / len;
      const mx = (x1 + x2) / 2;
      const my = (y1 + y2) / 2;
      layer.append(arrow([mx - nx * 22, my - ny * 22], [mx + nx * 26, my + ny * 26], LINE,
                         "scene-in-arrow"));
      layer.append(label(mx + nx * 34, my + ny * 34 + 4, "in", LINE, "middle"));
      layer.append(label(x1 + 8, y1 - 8, line.name, LINE));
      if (selected) {
        handles.append(handle(line.start, "line", i, 0, LINE, true));
        handles.append(handle(line.end, "line", i, 1, LINE));
      }
    });
  }

  function drawDirections(layer) {
    S.scene.analytics.forEach((rule) => {
      if (rule.kind !== "wrong_way" || rule.direction_deg === null
          || rule.direction_deg === undefined) return;
      const zone = S.scene.zones.find((z) => z.name === rule.zone);
      const [cx, cy] = px(zone ? centroid(zone.points) : [0.5, 0.5]);
      const a = (rule.direction_deg * Math.PI) / 180;
      const from = [cx - 40 * Math.cos(a), cy - 40 * Math.sin(a) + 14];
      const to = [cx + 40 * Math.cos(a), cy + 40 * Math.sin(a) + 14];
      layer.append(arrow(from, to, DIRECTION, "scene-direction"));
      layer.append(label(to[0] + 6, to[1] + 4, `${Math.round(rule.direction_deg)}°`, DIRECTION));
    });
  }

  function drawCalibration(layer, handles) {
    const cal = S.scene.calibration;
    if (!cal) return;
    cal.image_points.forEach((p, i) => {
      const [x, y] = px(p);
      const g = cal.ground_points[i] || [0, 0];
      layer.append(svg("g", { class: "scene-cal" },
        svg("line", { x1: x - 9, y1: y, x2: x + 9, y2: y, stroke: CAL, "stroke-width": 2 }),
        svg("line", { x1: x, y1: y - 9, x2: x, y2: y + 9, stroke: CAL, "stroke-width": 2 })));
      layer.append(label(x + 9, y - 9, `${i + 1}: ${g[0]}, ${g[1]} m`, CAL));
      handles.append(handle(p, "cal", i, 0, CAL));
    });
  }

  function drawPending(layer) {
    if (!S.pending.length) return;
    const points = [...S.pending, ...(S.pointer ? [S.pointer] : [])].map(px);
    const color = S.tool === "direction" ? DIRECTION : S.tool === "line" ? LINE : "#fff";
    if (S.tool === "direction" && points.length === 2) {
      layer.append(arrow(points[0], points[1], DIRECTION, "scene-pending"));
    } else {
      layer.append(svg("polyline", { points: points.map((p) => p.join(",")).join(" "),
                                     fill: "none", stroke: color, "stroke-width": 2,
                                     "stroke-dasharray": "6 4", class: "scene-pending" }));
    }
    S.pending.forEach((p) => {
      const [x, y] = px(p);
      layer.append(svg("circle", { cx: x, cy: y, r: 4, fill: color, class: "scene-pending" }));
    });
  }

  // The picture as large as the column allows, with the actions below it still in view.
  function fitPicture() {
    const nw = picture.naturalWidth;
    const nh = picture.naturalHeight;
    if (!nw || !nh) return;
    const canvas = $("scene-canvas");
    const maxW = canvas.parentElement.clientWidth - 2;
    const top = canvas.getBoundingClientRect().top + window.scrollY;
    const maxH = Math.max(240, window.innerHeight - top - 130);
    const scale = Math.min(maxW / nw, maxH / nh);
    picture.style.width = `${Math.floor(nw * scale)}px`;
    picture.style.height = `${Math.floor(nh * scale)}px`;
  }

  function drawOverlay() {
    const { w, h } = size();
    overlay.setAttribute("viewBox", `0 0 ${w} ${h}`);
    overlay.replaceChildren();
    const shapes = svg("g");
    const handles = svg("g");
    drawZones(shapes, handles);
    drawLines(shapes, handles);
    drawDirections(shapes);
    drawCalibration(shapes, handles);
    drawPending(shapes);
    overlay.append(shapes, handles);
    overlay.dataset.tool = S.tool;
  }

  // ---------------------------------------------------------------- tools

  const HINTS = {
    select: "Click a zone or line to select it, drag its points to move them, Delete removes "
      + "the selected point or shape. Double-click an edge of a selected zone to add a point.",
    zone: "Click each corner of the zone; double-click, Enter or a click on the first point "
      + "closes it. Esc cancels.",
    line: "Click the two ends of the line. The arrow shows the 'in' direction (from the "
      + "right of start→end to its left); reverse it in the list.",
    direction: "Click inside the zone, then click towards where traffic is allowed to go: "
      + "sets the wrong-way rule of that zone (made if missing).",
    calibration: "Click a point on the ground whose position you know, then give its X and Y "
      + "in metres. At least 4 points, not in a line.",
  };

  function setTool(tool) {
    S.tool = tool;
    S.pending = [];
    for (const b of document.querySelectorAll("[data-tool]")) {
      b.classList.toggle("active", b.dataset.tool === tool);
      b.setAttribute("aria-pressed", String(b.dataset.tool === tool));
    }
    $("scene-hint").textContent = HINTS[tool];
    drawOverlay();
  }

  function closeZone() {
    if (S.pending.length < 3) return toast("A zone needs at least 3 points", "error");
    const points = S.pending.slice();
    S.pending = [];
    change(() => {
      const name = uniqueName("zone", S.scene.zones.map((z) => z.name));
      S.scene.zones.push({ name, points });
      S.sel = { type: "zone", index: S.scene.zones.length - 1 };
    });
    focusName("zone", S.scene.zones.length - 1);
  }

  function addLine(start, end) {
    change(() => {
      const name = uniqueName("line", S.scene.lines.map((l) => l.name));
      S.scene.lines.push({ name, start, end });
      S.sel = { type: "line", index: S.scene.lines.length - 1 };
    });
    focusName("line", S.scene.lines.length - 1);
  }

  function setDirection(from, to) {
    const [x1, y1] = px(from);
    const [x2, y2] = px(to);
    if (Math.hypot(x2 - x1, y2 - y1) < 8) return;
    const deg = Math.round(((Math.atan2(y2 - y1, x2 - x1) * 180) / Math.PI + 360) % 360) % 360;
    const zone = S.scene.zones.find((z) => inside(from, z.points));
    const zoneName = zone ? zone.name : null;
    change(() => {
      let index = S.scene.analytics.findIndex((r) => r.kind === "wrong_way"
                                                     && (r.zone || null) === zoneName);
      if (index < 0) {
        S.scene.analytics.push({ ...defaults("wrong_way"), zone: zoneName });
        index = S.scene.analytics.length - 1;
      }
      S.scene.analytics[index].direction_deg = deg;
      S.rule = index;
    });
    toast(`Allowed direction ${deg}° for ${zoneName ? `zone ${zoneName}` : "the whole frame"}`,
          "ok");
  }

  function askCalibration(point) {
    const dialog = $("calibration-dialog");
    $("calibration-x").value = "";
    $("calibration-y").value = "";
    dialog.dataset.point = JSON.stringify(point);
    dialog.showModal();
    $("calibration-x").focus();
  }

  function addCalibration(point, ground) {
    change(() => {
      const cal = S.scene.calibration || { image_points: [], ground_points: [] };
      cal.image_points.push(point);
      cal.ground_points.push(ground);
      S.scene.calibration = cal;
    });
  }

  function onCanvasClick(event) {
    if (S.tool === "select" || event.detail > 1) return;
    const p = fraction(event);
    const last = S.pending[S.pending.length - 1];
    if (last && distancePx(last, p) < 4) return;
    if (S.tool === "zone") {
      if (S.pending.length >= 3 && distancePx(S.pending[0], p) < HIT_PX) return closeZone();
      S.pending.push(p);
    } else if (S.tool === "line") {
      if (S.pending.length === 1) {
        const start = S.pending[0];
        S.pending = [];
        return addLine(start, p);
      }
      S.pending = [p];
    } else if (S.tool === "direction") {
      if (S.pending.length === 1) {
        const from = S.pending[0];
        S.pending = [];
        return setDirection(from, p);
      }
      S.pending = [p];
    } else if (S.tool === "calibration") {
      return askCalibration(p);
    }
    drawOverlay();
  }

  function onDoubleClick(event) {
    if (S.tool === "zone") {
      event.preventDefault();
      return closeZone();
    }
    if (S.tool !== "select" || !S.sel || S.sel.type !== "zone") return;
    // add a point on the nearest edge of the selected zone
    const zone = S.scene.zones[S.sel.index];
    const p = fraction(event);
    const [qx, qy] = px(p);
    let best = null;
    zone.points.forEach((a, i) => {
      const b = zone.points[(i + 1) % zone.points.length];
      const [ax, ay] = px(a);
      const [bx, by] = px(b);
      const len2 = (bx - ax) ** 2 + (by - ay) ** 2 || 1;
      const t = Math.max(0, Math.min(1, ((qx - ax) * (bx - ax) + (qy - ay) * (by - ay)) / len2));
      const d = Math.hypot(ax + t * (bx - ax) - qx, ay + t * (by - ay) - qy);
      if (!best || d < best.d) best = { d, i };
    });
    if (best && best.d < HIT_PX * 1.5) {
      change(() => zone.points.splice(best.i + 1, 0, p));
      S.sel = { type: "zone", index: S.sel.index, vertex: best.i + 1 };
    }
  }

  function onPointerDown(event) {
    if (S.tool !== "select" || event.button !== 0) return;
    const target = event.target;
    const type = target.dataset ? target.dataset.type : undefined;
    if (!type) {
      S.sel = null;
      return refresh();
    }
    const index = Number(target.dataset.index);
    if (target.classList.contains("scene-handle")) {
      const vertex = Number(target.dataset.vertex);
      S.sel = { type, index, vertex };
      S.drag = { type, index, vertex, before: snapshot(), moved: false };
      overlay.setPointerCapture(event.pointerId);
      event.preventDefault();
    } else {
      S.sel = { type, index };
      if (type === "zone") selectRuleFor("zone", S.scene.zones[index].name);
      if (type === "line") selectRuleFor("line", S.scene.lines[index].name);
    }
    refresh();
  }

  function onPointerMove(event) {
    if (S.drag) {
      const p = fraction(event);
      const { type, index, vertex } = S.drag;
      if (type === "zone") S.scene.zones[index].points[vertex] = p;
      if (type === "line") S.scene.lines[index][vertex === 0 ? "start" : "end"] = p;
      if (type === "cal") S.scene.calibration.image_points[index] = p;
      S.drag.moved = true;
      drawOverlay();
      return;
    }
    if (S.pending.length) {
      S.pointer = fraction(event);
      drawOverlay();
    }
  }

  function onPointerUp() {
    if (!S.drag) return;
    if (S.drag.moved) {
      S.undo.push(S.drag.before);
      refresh();
    }
    S.drag = null;
  }

  function deleteSelection() {
    const sel = S.sel;
    if (!sel) return;
    change(() => {
      if (sel.type === "zone") {
        const zone = S.scene.zones[sel.index];
        if (sel.vertex !== undefined && zone.points.length > 3) {
          zone.points.splice(sel.vertex, 1);
          S.sel = { type: "zone", index: sel.index };
          return;
        }
        S.scene.zones.splice(sel.index, 1);
      } else if (sel.type === "line") {
        S.scene.lines.splice(sel.index, 1);
      } else if (sel.type === "cal") {
        removeCalibration(sel.index);
      }
      S.sel = null;
    });
  }

  function removeCalibration(index) {
    const cal = S.scene.calibration;
    cal.image_points.splice(index, 1);
    cal.ground_points.splice(index, 1);
    if (!cal.image_points.length) S.scene.calibration = null;
  }

  // ---------------------------------------------------------------- side panel

  function focusName(type, index) {
    const input = document.querySelector(`#${type}-list li:nth-child(${index + 1}) input.name`);
    if (input) {
      input.focus();
      input.select();
    }
  }

  function rename(type, index, value) {
    const name = value.trim().toLowerCase().replace(/\s+/g, "-");
    const list = type === "zone" ? S.scene.zones : S.scene.lines;
    const old = list[index].name;
    if (!name || name === old) return refresh();
    change(() => {
      list[index].name = name;
      for (const rule of S.scene.analytics) {
        if (type === "zone" && rule.zone === old) rule.zone = name;
        if (type === "line" && rule.line === old) rule.line = name;
      }
    });
  }

  function listItem(type, index, swatch, nameValue, details, extra) {
    const selected = S.sel && S.sel.type === type && S.sel.index === index;
    const prefix = type === "zone" ? "zones" : "lines";
    const bad = S.problems.some((p) => p.startsWith(`${prefix}[${index}]`));
    return el("li", { class: `${selected ? "selected" : ""} ${bad ? "bad" : ""}`,
                      onclick: (e) => {
                        if (e.target.tagName === "INPUT" || e.target.tagName === "BUTTON") return;
                        S.sel = { type, index };
                        refresh();
                      } },
      el("span", { class: "swatch", style: `background:${swatch}` }),
      el("input", { class: "name", value: nameValue, "aria-label": `${type} name`,
                    spellcheck: "false", onfocus: () => { S.sel = { type, index }; drawOverlay(); },
                    onchange: (e) => rename(type, index, e.target.value),
                    onkeydown: (e) => { if (e.key === "Enter") e.target.blur(); } }),
      el("span", { class: "muted small" }, details),
      extra,
      el("button", { type: "button", class: "icon", title: `Delete this ${type}`,
                     "aria-label": `Delete ${type} ${nameValue}`,
                     onclick: () => change(() => {
                       (type === "zone" ? S.scene.zones : S.scene.lines).splice(index, 1);
                       S.sel = null;
                     }) }, "✕"));
  }

  function renderLists(options = {}) {
    $("zone-list").replaceChildren(...S.scene.zones.map((z, i) =>
      listItem("zone", i, zoneColor(i), z.name, `${z.points.length} points`)));
    if (!S.scene.zones.length) {
      $("zone-list").append(el("li", { class: "empty muted small" },
                               "No zone: pick the Zone tool (Z) and click on the picture."));
    }
    $("line-list").replaceChildren(...S.scene.lines.map((l, i) =>
      listItem("line", i, LINE, l.name, "", el("button", {
        type: "button", class: "small-btn", title: "Swap the ends: 'in' becomes 'out'",
        onclick: () => change(() => {
          const line = S.scene.lines[i];
          [line.start, line.end] = [line.end, line.start];
        }) }, "⇄ reverse"))));
    if (!S.scene.lines.length) {
      $("line-list").append(el("li", { class: "empty muted small" },
                               "No line: pick the Line tool (L) and click its two ends."));
    }
    renderCalibration();
    renderRules(options);
  }

  function renderCalibration() {
    const cal = S.scene.calibration;
    const rows = !cal ? [] : cal.image_points.map((p, i) => {
      const g = cal.ground_points[i];
      const input = (axis) => el("input", {
        type: "number", step: "any", value: g[axis], class: "num",
        "aria-label": `Point ${i + 1} ground ${axis ? "Y" : "X"} (m)`,
        onchange: (e) => change(() => { cal.ground_points[i][axis] = Number(e.target.value); }),
      });
      return el("tr", {},
        el("td", {}, `${i + 1}`),
        el("td", { class: "muted small" }, `(${p[0].toFixed(3)}, ${p[1].toFixed(3)})`),
        el("td", {}, input(0)), el("td", {}, input(1)), el("td", { class: "small" }, "m"),
        el("td", {}, el("button", { type: "button", class: "icon", title: "Remove this point",
                                    onclick: () => change(() => removeCalibration(i)) }, "✕")));
    });
    $("calibration-list").replaceChildren(...rows);
  }

  function selectRuleFor(key, name) {
    const index = S.scene.analytics.findIndex((r) => r[key] === name);
    if (index >= 0) S.rule = index;
  }

  function renderRules(options = {}) {
    const list = $("rule-list");
    list.replaceChildren(...S.scene.analytics.map((rule, i) => {
      const bad = S.problems.some((p) => p.startsWith(`analytics[${i}]`)
                                        || p.includes(`'${ruleId(rule)}'`));
      const target = rule.zone || rule.line || "whole frame";
      return el("li", { class: `${S.rule === i ? "selected" : ""} ${bad ? "bad" : ""}`,
                        onclick: (e) => {
                          if (e.target.tagName === "INPUT" || e.target.tagName === "BUTTON") return;
                          S.rule = S.rule === i ? null : i;
                          renderRules();
                        } },
        el("input", { type: "checkbox", checked: rule.enabled !== false, title: "Enabled",
                      "aria-label": `Rule ${ruleId(rule)} enabled`,
                      onchange: (e) => change(() => { rule.enabled = e.target.checked; }) }),
        el("span", { class: "rule-id" }, ruleId(rule)),
        el("span", { class: "muted small" }, `${kindTitle(rule.kind)} · ${target}`),
        el("button", { type: "button", class: "icon", title: "Delete this rule",
                       "aria-label": `Delete rule ${ruleId(rule)}`,
                       onclick: () => change(() => {
                         S.scene.analytics.splice(i, 1);
                         S.rule = null;
                       }) }, "✕"));
    }));
    if (!S.scene.analytics.length) {
      list.append(el("li", { class: "empty muted small" },
                     "No rule: choose a kind above and add one."));
    }
    if (!options.keepForm) renderRuleForm();
  }

  const kindTitle = (kind) => (S.kinds[kind] ? S.kinds[kind].title : kind);

  // ---------------------------------------------------------------- rule forms (JSON schema)

  function resolve(prop, schema) {
    if (prop && prop.$ref) {
      const name = prop.$ref.split("/").pop();
      return (schema.$defs || {})[name] || {};
    }
    return prop || {};
  }

  function shape(prop, schema) {
    // -> {base, nullable}: the non-null alternative of an Optional field
    const p = resolve(prop, schema);
    if (p.anyOf) {
      const options = p.anyOf.map((o) => resolve(o, schema));
      const nonNull = options.filter((o) => o.type !== "null");
      return { base: nonNull.length === 1 ? nonNull[0] : { anyOf: nonNull },
               nullable: nonNull.length < options.length };
    }
    return { base: p, nullable: false };
  }

  function defaults(kind) {
    const info = S.kinds[kind];
    const out = { kind };
    if (!info) return out;
    Object.assign(out, JSON.parse(JSON.stringify(info.defaults || {})), { kind });
    const required = info.schema.required || [];
    if (required.includes("zone")) out.zone = (S.scene.zones[0] || {}).name || "";
    if (required.includes("line")) out.line = (S.scene.lines[0] || {}).name || "";
    return out;
  }

  const FIRST = ["name", "zone", "line", "enabled"];
  const LAST = ["classes", "schedule", "cooldown_s"];

  function renderRuleForm() {
    const form = $("rule-form");
    const rule = S.rule === null ? null : S.scene.analytics[S.rule];
    if (!rule || !S.kinds[rule.kind]) {
      form.replaceChildren();
      form.hidden = true;
      return;
    }
    form.hidden = false;
    const info = S.kinds[rule.kind];
    const props = info.schema.properties || {};
    const names = Object.keys(props).filter((n) => n !== "kind" && n !== "enabled");
    names.sort((a, b) => order(a) - order(b));
    form.replaceChildren(
      el("div", { class: "rule-form-head" },
        el("strong", {}, `${ruleId(rule)}`), el("span", { class: "muted small" }, info.title)),
      el("p", { class: "muted small rule-doc" }, info.description),
      el("div", { class: "rule-fields" },
        ...names.map((name) => field(rule, name, props[name], info.schema))));
  }

  function order(name) {
    if (FIRST.includes(name)) return FIRST.indexOf(name) - 10;
    if (LAST.includes(name)) return 100 + LAST.indexOf(name);
    return 0;
  }

  function field(rule, name, prop, schema) {
    const { base, nullable } = shape(prop, schema);
    const value = rule[name];
    const set = (v) => change(() => {
      if (v === undefined) delete rule[name]; else rule[name] = v;
    }, { keepForm: name !== "name" && name !== "zone" && name !== "line" });
    const help = prop.description || base.description || "";
    const title = name.replace(/_/g, " ");
    const id = `rule-${name}`;
    let input;
    let wide = false;
    if (name === "zone" || name === "line") {
      const names = (name === "zone" ? S.scene.zones : S.scene.lines).map((x) => x.name);
      const options = [...(nullable ? [["", "(whole frame)"]] : []),
                       ...names.map((n) => [n, n])];
      if (value && !names.includes(value)) options.push([value, `${value} (missing)`]);
      input = select(id, options, value || "", (v) => set(v === "" ? null : v));
    } else if (base.enum || base.const !== undefined || (base.anyOf
               && base.anyOf.every((o) => o.const !== undefined))) {
      const values = base.enum || (base.const !== undefined ? [base.const]
        : base.anyOf.map((o) => o.const));
      const options = [...(nullable ? [["", "(none)"]] : []),
                       ...values.map((v) => [String(v), String(v)])];
      input = select(id, options, value === null || value === undefined ? "" : String(value),
                     (v) => set(v === "" ? null : v));
    } else if (base.type === "boolean") {
      input = el("input", { id, type: "checkbox", checked: Boolean(value),
                            onchange: (e) => set(e.target.checked) });
    } else if (base.type === "number" || base.type === "integer") {
      input = el("input", {
        id, type: "number", class: "num", value: value === null || value === undefined ? "" : value,
        step: base.type === "integer" ? 1 : "any",
        min: base.minimum ?? base.exclusiveMinimum, max: base.maximum ?? base.exclusiveMaximum,
        placeholder: nullable ? "default" : null,
        onchange: (e) => {
          const text = e.target.value.trim();
          if (text === "") return set(nullable ? null : undefined);
          set(Number(text));
        } });
    } else if (base.type === "string") {
      const placeholder = name === "name" ? ruleId({ ...rule, name: null }) : "";
      input = el("input", { id, value: value ?? "", placeholder,
                            onchange: (e) => {
                              const text = e.target.value.trim();
                              set(text === "" && nullable ? null : text);
                            } });
    } else if (base.type === "array" && resolve(base.items, schema).type === "string") {
      input = el("input", { id, value: (value || []).join(", "),
                            onchange: (e) => set(e.target.value.split(",")
                              .map((s) => s.trim()).filter(Boolean)) });
    } else {
      wide = true;
      input = el("textarea", { id, rows: 3, spellcheck: "false",
                               placeholder: nullable ? "null" : "",
                               onchange: (e) => {
                                 const text = e.target.value.trim();
                                 if (text === "") return set(nullable ? null : undefined);
                                 try {
                                   set(JSON.parse(text));
                                 } catch (err) {
                                   e.target.classList.add("invalid");
                                   toast(`${title}: not valid JSON (${err.message})`, "error");
                                 }
                               } }, value === null || value === undefined ? ""
        : JSON.stringify(value));
    }
    const bad = S.problems.some((p) => p.startsWith(`analytics[${S.rule}].${name}`));
    return el("label", { for: id, class: `rule-field ${wide ? "wide" : ""} ${bad ? "bad" : ""}`,
                         title: help },
      el("span", { class: "field-name" }, title), input,
      help ? el("span", { class: "field-help" }, help) : null);
  }

  function select(id, options, value, onChange) {
    return el("select", { id, onchange: (e) => onChange(e.target.value) },
      ...options.map(([v, text]) => el("option", { value: v, selected: v === value }, text)));
  }

  // ---------------------------------------------------------------- validation

  let validateTimer = null;
  function scheduleValidation() {
    clearTimeout(validateTimer);
    validateTimer = setTimeout(validate, 300);
  }

  async function validate() {
    const sent = snapshot();
    try {
      const out = await api(`/api/scene/${S.camera}/validate`, {
        method: "POST", body: { scene: S.scene } });
      if (sent !== snapshot()) return;  // edited meanwhile: the next check will tell
      S.problems = out.problems;
      S.summary = out.summary;
    } catch (err) {
      S.problems = [err.message];
    }
    renderValidity();
    if (!editingSide()) renderLists();
    drawOverlay();
    renderStatus();
  }

  function renderValidity() {
    const box = $("scene-validity");
    if (S.problems.length) {
      box.className = "scene-validity bad";
      box.replaceChildren(el("strong", {}, `${S.problems.length} problem(s): cannot be saved`),
        el("ul", {}, ...S.problems.map((p) => el("li", {}, p))));
    } else {
      box.className = "scene-validity ok";
      box.replaceChildren(el("strong", {}, "✓ Valid"),
        el("span", { class: "small" }, dirty() || S.version !== null
          ? ` — compared with the set-up in service: ${S.summary || "no change"}` : ""));
    }
  }

  function renderStatus() {
    const pill = $("scene-status");
    if (dirty()) {
      pill.className = "pill paused";
      pill.textContent = "unsaved changes";
    } else if (S.version === null) {
      pill.className = "pill up";
      pill.textContent = "in service";
    } else {
      const v = (S.info.versions || []).find((x) => x.id === S.version);
      pill.className = `pill ${v && v.current ? "up" : "acknowledged"}`;
      pill.textContent = v && v.current ? `version #${S.version} · in service`
        : `draft #${S.version}`;
    }
    $("scene-undo").disabled = !S.undo.length;
    $("scene-save").disabled = S.problems.length > 0;
    $("scene-publish").disabled = !S.info || !S.info.can_publish;
    $("scene-test").disabled = !S.info || !S.info.recordings.length
      || Boolean(S.job && S.job.state === "running");
  }

  function refresh(options = {}) {
    drawOverlay();
    renderLists(options);
    renderStatus();
    renderValidity();
    scheduleValidation();
  }

  // ---------------------------------------------------------------- versions

  function renderHistory() {
    const rows = [el("tr", { class: `clickable ${S.version === null && !dirty() ? "selected" : ""}`,
                             onclick: () => loadLive() },
      el("td", {}, "—"), el("td", {}, el("span", { class: "pill up" }, "site file")),
      el("td", { class: "muted" }, "—"), el("td", { class: "muted" }, "now"),
      el("td", {}, "The set-up in service, as the site file says"))];
    for (const v of S.info.versions) {
      const status = v.current ? "live" : v.status === "live" ? "was live" : "draft";
      const cls = v.current ? "up" : v.status === "live" ? "dismissed" : "acknowledged";
      rows.push(el("tr", { class: `clickable ${S.version === v.id ? "selected" : ""}`,
                           dataset: { version: v.id }, title: "Load this version",
                           onclick: () => loadVersion(v.id) },
        el("td", {}, `#${v.id}`), el("td", {}, el("span", { class: `pill ${cls}` }, status)),
        el("td", {}, v.author), el("td", { class: "nowrap" }, dateTime(v.at)),
        el("td", { class: "summary" }, v.summary)));
    }
    $("scene-history").replaceChildren(...rows);
  }

  function discardOk() {
    return !dirty() || window.confirm("Discard the unsaved changes?");
  }

  function setScene(scene, version) {
    S.scene = JSON.parse(JSON.stringify(scene));
    S.base = snapshot();
    S.version = version;
    S.undo = [];
    S.sel = null;
    S.rule = S.scene.analytics.length ? 0 : null;
    S.pending = [];
    refresh();
    renderHistory();
  }

  function loadLive() {
    if (!discardOk()) return;
    setScene(S.info.scene, null);
  }

  async function loadVersion(id) {
    if (!discardOk()) return;
    try {
      const v = await api(`/api/scene/${S.camera}/versions/${id}`);
      setScene(v.scene, v.id);
      toast(`Version #${id} loaded`);
    } catch (err) {
      toast(err.message, "error");
    }
  }

  async function reloadInfo() {
    S.info = await api(`/api/scene/${S.camera}`);
    renderHistory();
    renderStatus();
  }

  async function saveDraft({ quiet = false } = {}) {
    try {
      const v = await api(`/api/scene/${S.camera}/drafts`, {
        method: "POST", body: { scene: S.scene, summary: $("scene-note-input").value || null } });
      S.base = snapshot();
      S.version = v.id;
      $("scene-note-input").value = "";
      await reloadInfo();
      if (!quiet) toast(`Draft #${v.id} saved: ${v.summary}`, "ok");
      return v.id;
    } catch (err) {
      if (err.body && err.body.problems) {
        S.problems = err.body.problems;
        renderValidity();
        renderLists();
        drawOverlay();
      }
      toast(`Not saved: ${err.message}`, "error", 8000);
      return null;
    }
  }

  async function savedVersion() {
    // the version to test or put live: the one loaded, else save the editor's scene first
    if (!dirty() && S.version !== null) return S.version;
    return saveDraft({ quiet: false });
  }

  // ---------------------------------------------------------------- test on footage

  async function testOnFootage() {
    const version = await savedVersion();
    if (version === null) return;
    const video = $("scene-recording").value || null;
    try {
      S.job = await api(`/api/scene/${S.camera}/drafts/${version}/test`, {
        method: "POST", body: { video } });
    } catch (err) {
      return toast(`Test not started: ${err.message}`, "error", 8000);
    }
    $("scene-test-card").hidden = false;
    renderJob();
    pollJob(S.job.id);
  }

  async function pollJob(id) {
    try {
      S.job = await api(`/api/scene/jobs/${id}`);
    } catch (err) {
      S.job = { state: "failed", message: err.message, progress: 0 };
    }
    renderJob();
    renderStatus();
    if (S.job.state === "running") setTimeout(() => pollJob(id), 700);
  }

  function clock(t) {
    const m = Math.floor(t / 60);
    const s = Math.floor(t % 60);
    return `${m}:${String(s).padStart(2, "0")}`;
  }

  function renderJob() {
    const job = S.job;
    const recording = (S.info.recordings || []).find((r) => r.key === job.video);
    $("scene-test-title").textContent = `Version #${job.version} on `
      + `${recording ? recording.label : job.video}: `
      + (job.state === "running" ? `${Math.round(job.progress * 100)} %`
        : job.state === "done" ? "done" : "failed");
    $("scene-test-progress").value = job.progress || 0;
    const box = $("scene-test-result");
    if (job.state === "failed") {
      box.replaceChildren(el("p", { class: "error" }, job.message));
      return;
    }
    if (job.state !== "done" || !job.result) {
      box.replaceChildren(el("p", { class: "muted small" }, "Playing the recording through "
                                    + "the draft as fast as the machine allows…"));
      return;
    }
    const r = job.result;
    const counts = Object.entries(r.counts || {}).map(([rule, c]) =>
      el("li", {}, `${rule}: ${c.in || 0} in, ${c.out || 0} out`));
    const alerts = r.alerts.map((a) => el("tr", {},
      el("td", { class: "nowrap" }, clock(a.t)),
      el("td", {}, el("span", { class: "pill new" }, a.kind)),
      el("td", {}, a.rule), el("td", {}, a.zone || "—"),
      el("td", { class: "small" }, a.explanation)));
    box.replaceChildren(
      el("p", { class: "scene-test-summary" },
        el("strong", {}, `${r.alerts.length} alert(s)`),
        ` would have been raised over ${clock(r.duration_s)} of video (${r.frames} frames analysed`
        + `${r.suppressed ? `, ${r.suppressed} repeats held back by the cooldown` : ""}).`),
      counts.length ? el("ul", { class: "scene-counts" }, ...counts) : null,
      alerts.length ? el("table", { class: "scene-alerts" },
        el("thead", {}, el("tr", {}, el("th", {}, "At"), el("th", {}, "Kind"),
                           el("th", {}, "Rule"), el("th", {}, "Zone"),
                           el("th", {}, "Why"))),
        el("tbody", {}, ...alerts)) : el("p", { class: "muted" }, "No alert on this recording."));
  }

  // ---------------------------------------------------------------- put live

  async function publish() {
    if (S.problems.length) return toast("Fix the problems first", "error");
    const version = await savedVersion();
    if (version === null) return;
    const v = S.info.versions.find((x) => x.id === version);
    $("publish-what").textContent = `Put version #${version} live on camera `
      + `${S.info.name} (${S.camera})?`;
    $("publish-summary").textContent = `Changes: ${S.summary || (v ? v.summary : "")}`;
    $("publish-effect").textContent = S.info.analysis_running
      ? "The running analysis of this camera restarts at once with this set-up."
      : "It is written into the site file; analysis does not run in this console, so it "
        + "takes effect when Vigie next starts.";
    $("publish-comment").value = "";
    $("publish-dialog").dataset.version = version;
    $("publish-dialog").showModal();
  }

  async function confirmPublish() {
    const version = Number($("publish-dialog").dataset.version);
    try {
      const out = await api(`/api/scene/${S.camera}/drafts/${version}/publish`, {
        method: "POST", body: { comment: $("publish-comment").value } });
      toast(`Version #${out.version.id} is live: ${out.message}`, "ok", 8000);
      await reloadInfo();
      setScene(S.info.scene, null);
    } catch (err) {
      const more = err.body && err.body.problems ? ` (${err.body.problems.join("; ")})` : "";
      toast(`Not put live: ${err.message}${more}`, "error", 10000);
    }
  }

  // ---------------------------------------------------------------- start

  function onKey(event) {
    if (isTyping(event) || document.querySelector("dialog[open]")) return;
    const key = event.key.toLowerCase();
    if ((event.ctrlKey || event.metaKey) && key === "z") {
      event.preventDefault();
      return undo();
    }
    if ((event.ctrlKey || event.metaKey) && key === "s") {
      event.preventDefault();
      return saveDraft();
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const tools = { v: "select", z: "zone", l: "line", d: "direction", c: "calibration" };
    if (tools[key]) return setTool(tools[key]);
    if (key === "escape") {
      if (!S.pending.length) return setTool("select");
      S.pending = [];
      return drawOverlay();
    }
    if (key === "enter" && S.tool === "zone") return closeZone();
    if (key === "delete" || key === "backspace") {
      event.preventDefault();
      deleteSelection();
    }
  }

  function wire() {
    for (const b of document.querySelectorAll("[data-tool]")) {
      b.addEventListener("click", () => setTool(b.dataset.tool));
    }
    overlay.addEventListener("click", onCanvasClick);
    overlay.addEventListener("dblclick", onDoubleClick);
    overlay.addEventListener("pointerdown", onPointerDown);
    overlay.addEventListener("pointermove", onPointerMove);
    overlay.addEventListener("pointerup", onPointerUp);
    overlay.addEventListener("pointerleave", () => { S.pointer = null; drawOverlay(); });
    document.addEventListener("keydown", onKey);
    new ResizeObserver(() => drawOverlay()).observe(overlay);
    window.addEventListener("resize", fitPicture);
    picture.addEventListener("load", () => {
      fitPicture();
      drawOverlay();
    });
    $("scene-camera").addEventListener("change", (e) => {
      if (!discardOk()) {
        e.target.value = S.camera;
        return;
      }
      window.location.assign(`/scene/${encodeURIComponent(e.target.value)}`);
    });
    $("scene-undo").addEventListener("click", undo);
    $("scene-save").addEventListener("click", () => saveDraft());
    $("scene-test").addEventListener("click", testOnFootage);
    $("scene-publish").addEventListener("click", publish);
    $("rule-add").addEventListener("click", () => {
      const kind = $("rule-kind").value;
      change(() => {
        const rule = defaults(kind);
        if (S.sel && S.sel.type === "zone" && "zone" in rule) {
          rule.zone = S.scene.zones[S.sel.index].name;
        }
        if (S.sel && S.sel.type === "line" && "line" in rule) {
          rule.line = S.scene.lines[S.sel.index].name;
        }
        S.scene.analytics.push(rule);
        S.rule = S.scene.analytics.length - 1;
      });
    });
    $("calibration-form").addEventListener("submit", () => {
      const point = JSON.parse($("calibration-dialog").dataset.point);
      addCalibration(point, [Number($("calibration-x").value), Number($("calibration-y").value)]);
    });
    $("calibration-cancel").addEventListener("click", () => $("calibration-dialog").close());
    $("publish-form").addEventListener("submit", confirmPublish);
    $("publish-cancel").addEventListener("click", () => $("publish-dialog").close());
  }

  async function start() {
    wire();
    setTool("select");
    picture.src = `/api/scene/${encodeURIComponent(S.camera)}/background.jpg`;
    try {
      const [schema, info] = await Promise.all([api("/api/scene/analytics/schema"),
                                                api(`/api/scene/${S.camera}`)]);
      for (const k of schema.kinds) S.kinds[k.kind] = k;
      $("rule-kind").replaceChildren(...schema.kinds.map((k) =>
        el("option", { value: k.kind, title: k.description }, k.title)));
      S.info = info;
    } catch (err) {
      return toast(`Cannot load the scene: ${err.message}`, "error", 10000);
    }
    $("scene-recording").replaceChildren(...S.info.recordings.map((r) =>
      el("option", { value: r.key }, r.label)));
    if (!S.info.recordings.length) {
      $("scene-recording").append(el("option", { value: "" }, "no recording"));
    }
    const notes = [];
    if (!S.info.analysis_running) notes.push("Analysis does not run in this console: "
      + "put live writes the site file; it takes effect at the next start.");
    if (!S.info.can_publish) notes.push("This console cannot write the site file.");
    $("scene-note").textContent = notes.join(" ");
    setScene(S.info.scene, null);
  }

  start();
})();
