"use strict";
// Alert queue (left) and the selected alert's detail (right).
// Live through the page's one event stream (vigie.on): new alerts arrive at the top with a
// visible cue (and a beep when the operator turned the sound on); other operators' decisions
// update the queue and the open detail. Actions carry the version the operator saw: a late
// second decision is refused by the server (409) and the first one is shown instead.
(function () {
  const { api, ApiError, on, toast, el, time, dateTime, ago, isTyping } = window.vigie;
  const $ = (selector) => document.querySelector(selector);
  const root = $(".alerts-page");
  const canDecide = root.dataset.canDecide === "true";
  const canEvidence = root.dataset.canEvidence === "true";
  const me = document.body.dataset.login;
  const baseTitle = document.title;

  const body = $("#queue-body");
  const detailPane = $("#detail");
  const filters = {
    form: $("#filters"), kind: $("#f-kind"), camera: $("#f-camera"), time: $("#f-time"),
    from: $("#f-from"), to: $("#f-to"),
    statuses: [...document.querySelectorAll('#filters input[name="status"]')],
  };

  const labels = { kinds: {}, statuses: {}, reasons: {}, followUps: {} };
  const state = {
    items: new Map(),     // id -> summary shown in the queue
    selected: null,       // id of the selected alert
    detail: null,         // the detail shown on the right
    evidence: null,       // { id, clip, node }: kept across refreshes (no new request)
    notice: null,         // { id, kind, text } shown above the detail
    nextBefore: null,
    fresh: [],            // ids of new alerts not looked at yet (banner)
    loadToken: 0,
    openToken: 0,
  };

  // ---- formatting ------------------------------------------------------------------------

  const kindLabel = (kind) => labels.kinds[kind] || kind.replaceAll("_", " ");
  const statusLabel = (status) => labels.statuses[status] || status;
  const pill = (status) => el("span", { class: "pill " + status }, statusLabel(status));
  const PAST = { acknowledge: "acknowledged", validate: "validated", dismiss: "dismissed",
                 follow_up: "recorded the follow-up of", comment: "commented on",
                 raised: "raised" };
  // The register in words: "<who> <did>: <reason or follow-up>".
  const DID = { raised: "raised the alert", acknowledge: "acknowledged",
                validate: "validated (true alert)", dismiss: "dismissed (false alert)",
                follow_up: "recorded the follow-up", comment: "added a note" };
  const DONE = { acknowledge: "acknowledged", validate: "validated", dismiss: "dismissed",
                 follow_up: "follow-up recorded", comment: "note added" };
  const ALLOWED = {   // status -> actions the buttons offer (the server decides in the end)
    new: ["acknowledge", "validate", "dismiss"],
    acknowledged: ["validate", "dismiss"],
    validated: ["follow_up"],
    dismissed: [],
  };

  function number(value, digits = 1) {
    if (typeof value !== "number" || !Number.isFinite(value)) return String(value);
    return Number.isInteger(value) ? String(value) : value.toFixed(digits);
  }
  const unit = (suffix, digits = 1) => (v) => `${number(v, digits)} ${suffix}`;
  const seconds = (v) => (v >= 120 ? `${Math.floor(v / 60)} min ${Math.round(v % 60)} s`
                                    : `${number(v, 1)} s`);
  const ratio = (v) => number(v, 2);
  const percent = (v) => `${Math.round(v * 100)} %`;
  const yesNo = (v) => (v ? "yes" : "no");

  // Measured value -> label, format, the threshold keys it is compared with.
  const FACTS = {
    label: ["Object", String],
    severity: ["Severity", String],
    reason: ["Reason", (v) => String(v).replaceAll("_", " ")],
    direction: ["Direction", String],
    dwell_s: ["Time in the zone", seconds, ["threshold_s", "min_dwell_s"]],
    static_s: ["Still for", seconds, ["static_threshold_s"]],
    unattended_s: ["Left alone for", seconds, ["unattended_threshold_s"]],
    down_s: ["On the ground for", seconds, ["min_down_s"]],
    duration_s: ["Lasting", seconds, ["persist_s", "min_duration_s"]],
    persons: ["Persons", (v) => number(v, 0)],
    people: ["Persons moving", (v) => number(v, 0)],
    density: ["Density", unit("persons/m²", 2), ["max_density"]],
    max_density: ["Maximum density", unit("persons/m²", 2)],
    area_m2: ["Watched area", unit("m²", 0)],
    speed: ["Speed", null, ["threshold"]],
    usual_speed: ["Usual speed", ratio],
    ratio: ["Times the usual speed", (v) => `× ${number(v, 1)}`],
    moving_share: ["Share of people moving", percent],
    outward: ["Moving outward", percent],
    pace_hps: ["Pace", unit("body heights/s", 2)],
    fall_speed_hps: ["Fall speed", unit("body heights/s", 2)],
    drop: ["Drop", unit("body heights", 2)],
    tilt_deg: ["Body tilt", unit("°", 0)],
    width_over_height: ["Width / height", ratio],
    seen_fall: ["Fall seen", yesNo],
    heading_deg: ["Heading", unit("°", 0)],
    allowed_deg: ["Allowed direction", unit("°", 0)],
    deviation_deg: ["Off the allowed direction by", unit("°", 0), ["tolerance_deg"]],
    distance: ["Distance travelled", null],
    straightness: ["Straightness", ratio],
    calibrated: ["Ground calibration", (v) => (v ? "yes (metres)" : "no (image units)")],
    score: ["Score", ratio, ["min_score"]],
    sightings: ["Seen in", null, ["k"]],
    nearest_m: ["Nearest person", (v) => (v < 0 ? "nobody near" : `${number(v, 1)} m`),
                ["radius_m"]],
    owner_track: ["Owner track", (v) => (v < 0 ? "none found" : `#${v}`)],
    area_pct: ["Share of the frame", unit("%", 2)],
    flicker: ["Flicker", ratio], hot_share: ["Flame colours", ratio],
    presence: ["Presence", ratio], drift: ["Drift", ratio], detection: ["Model score", ratio],
    count_in: ["Count in", String], count_out: ["Count out", String],
  };
  const HIDDEN = new Set(["boxes", "unit", "distance_unit", "runs", "n", "source"]);
  const SUFFIXES = [["_s", seconds], ["_m2", unit("m²", 1)], ["_m", unit("m", 2)],
                    ["_deg", unit("°", 0)], ["_pct", unit("%", 1)],
                    ["_hps", unit("body heights/s", 2)]];

  function factFormat(key, details) {
    if (key === "speed" || key === "threshold") {
      return (v) => (details.unit ? `${number(v, 2)} ${details.unit}` : number(v, 2));
    }
    if (key === "distance") return (v) => `${number(v, 1)} ${details.distance_unit || ""}`;
    if (key === "sightings") return (v) => `${v} of the last ${details.runs} detector runs`;
    if (key === "k") return (v) => `${v} of ${details.n}`;
    if (FACTS[key] && FACTS[key][1]) return FACTS[key][1];
    for (const [suffix, format] of SUFFIXES) if (key.endsWith(suffix)) return format;
    return (v) => (typeof v === "number" ? number(v, 2) : String(v));
  }

  function factLabel(key) {
    if (FACTS[key]) return FACTS[key][0];
    const bare = key.replace(/_(s|m2|m|deg|pct|hps)$/, "").replaceAll("_", " ");
    return bare.charAt(0).toUpperCase() + bare.slice(1);
  }

  // Rows of [label, value, threshold text]: each measure next to the threshold it is held to.
  function factRows(details) {
    const used = new Set();
    const rows = [];
    for (const [key, value] of Object.entries(details)) {
      if (HIDDEN.has(key) || value === null || typeof value === "object") continue;
      const thresholds = (FACTS[key] && FACTS[key][2]) || [];
      const limit = thresholds.find((t) => t in details && !used.has(t));
      if (limit) used.add(limit);
      rows.push([key, value, limit]);
    }
    return rows.filter(([key]) => !used.has(key)).map(([key, value, limit]) => [
      factLabel(key), factFormat(key, details)(value),
      limit ? `threshold ${factFormat(limit, details)(details[limit])}` : ""]);
  }

  // ---- filters ---------------------------------------------------------------------------

  function timeRange() {
    const value = filters.time.value;
    if (value === "custom") {
      return { since: filters.from.value ? new Date(filters.from.value) : null,
               until: filters.to.value ? new Date(filters.to.value) : null };
    }
    const hours = Number(value);
    return { since: hours ? new Date(Date.now() - hours * 3600e3) : null, until: null };
  }

  function checkedStatuses() {
    return filters.statuses.filter((box) => box.checked).map((box) => box.value);
  }

  function filterParams() {
    const params = new URLSearchParams();
    if (filters.kind.value) params.set("kind", filters.kind.value);
    if (filters.camera.value) params.set("camera_id", filters.camera.value);
    for (const status of checkedStatuses()) params.append("status", status);
    const { since, until } = timeRange();
    if (since && !Number.isNaN(since.getTime())) params.set("since", since.toISOString());
    if (until && !Number.isNaN(until.getTime())) params.set("until", until.toISOString());
    return params;
  }

  function matchesFilters(alert) {
    const statuses = checkedStatuses();
    const { since, until } = timeRange();
    const at = new Date(alert.raised_at);
    return (!filters.kind.value || alert.kind === filters.kind.value)
      && (!filters.camera.value || alert.camera_id === filters.camera.value)
      && (statuses.length === 0 || statuses.includes(alert.status))
      && (!since || at >= since) && (!until || at < until);
  }

  // ---- the queue -------------------------------------------------------------------------

  function rowFor(item) {
    const row = el("tr", {
      class: "alert-row", dataset: { id: item.id, status: item.status },
      "aria-selected": String(item.id === state.selected),
      onclick: () => select(item.id),
    },
    el("td", { class: "when", title: dateTime(item.raised_at) },
      el("span", { class: "clock" }, time(item.raised_at)),
      el("span", { class: "ago", dataset: { at: item.raised_at } }, ago(item.raised_at))),
    el("td", { class: "what" },
      el("span", { class: "kind" }, item.kind_label),
      el("span", { class: "explanation", title: item.explanation }, item.explanation)),
    el("td", { class: "where" },
      el("span", { class: "camera" }, item.camera_name),
      el("span", { class: "zone" }, item.zone ? "zone " + item.zone : "")),
    el("td", { class: "state" }, pill(item.status),
      item.operator ? el("span", { class: "operator" }, item.operator) : null));
    if (state.fresh.includes(item.id)) row.classList.add("fresh");
    return row;
  }

  function rowOf(id) { return body.querySelector(`tr[data-id="${id}"]`); }

  function showRow(item, position = "end") {
    state.items.set(item.id, item);
    const existing = rowOf(item.id);
    const row = rowFor(item);
    if (existing) { existing.replaceWith(row); return row; }
    if (position === "sorted") {
      const key = [item.raised_at, item.id];
      const after = [...body.children].find((tr) => {
        const other = state.items.get(Number(tr.dataset.id));
        return other && (new Date(other.raised_at) < new Date(key[0])
          || (other.raised_at === key[0] && other.id < key[1]));
      });
      body.insertBefore(row, after || null);
    } else {
      body.append(row);
    }
    return row;
  }

  function updateEmpty() {
    $("#queue-empty").hidden = body.children.length > 0;
    $("#queue-more").hidden = !state.nextBefore;
  }

  async function load({ older = false } = {}) {
    const token = ++state.loadToken;
    const params = filterParams();
    params.set("limit", "100");
    if (older && state.nextBefore) params.set("before_id", state.nextBefore);
    let page;
    try {
      page = await api("/api/alerts?" + params);
    } catch (error) {
      toast("Cannot load the alerts: " + error.message, "error");
      return;
    }
    if (token !== state.loadToken) return;
    if (!older) { body.replaceChildren(); state.items.clear(); }
    for (const item of page.items) showRow(item);
    state.nextBefore = page.next_before_id;
    updateEmpty();
    markSelected();
  }

  // New alerts come in bursts: one request for a burst, not one per alert.
  let newestTimer = null;
  function fetchNewestSoon() {
    clearTimeout(newestTimer);
    newestTimer = setTimeout(fetchNewest, 250);
  }
  async function fetchNewest() {
    const params = filterParams();
    params.set("limit", "50");
    const page = await api("/api/alerts?" + params).catch(() => null);
    if (!page) return;
    for (const item of page.items.slice().reverse()) {
      if (state.items.has(item.id)) continue;
      const row = showRow(item, "sorted");
      row.classList.add("fresh", "flash");
    }
    updateEmpty();
  }

  function updateRow(change) {
    const item = state.items.get(change.id);
    if (!item || change.version < item.version) return;
    item.status = change.status;
    item.version = change.version;
    if (["acknowledge", "validate", "dismiss"].includes(change.action)) item.operator = change.actor;
    showRow(item);
    markSelected();
  }

  function markSelected() {
    for (const row of body.children) {
      const selected = Number(row.dataset.id) === state.selected;
      row.setAttribute("aria-selected", String(selected));
      row.classList.toggle("selected", selected);
    }
  }

  function move(step) {
    const rows = [...body.children];
    if (rows.length === 0) return;
    const index = rows.findIndex((row) => Number(row.dataset.id) === state.selected);
    const next = index < 0 ? (step > 0 ? 0 : rows.length - 1)
                           : Math.min(rows.length - 1, Math.max(0, index + step));
    select(Number(rows[next].dataset.id));
  }

  // ---- selection and detail --------------------------------------------------------------

  let openTimer = null;
  function select(id) {
    if (state.selected !== id) {
      state.notice = null;
      state.selected = id;
    }
    state.fresh = state.fresh.filter((fresh) => fresh !== id);
    const row = rowOf(id);
    if (row) { row.classList.remove("fresh", "flash"); row.scrollIntoView({ block: "nearest" }); }
    markSelected();
    updateBanner();
    history.replaceState(null, "", "#alert-" + id);
    // j/k held down skips through alerts: only the one the operator stops on is opened
    // (each opening is audited).
    clearTimeout(openTimer);
    openTimer = setTimeout(() => open(id), 120);
  }

  async function open(id, { refresh = false } = {}) {
    const token = ++state.openToken;
    try {
      const detail = await api(`/api/alerts/${id}` + (refresh ? "?refresh=true" : ""));
      if (token !== state.openToken || state.selected !== id) return;
      showDetail(detail);
    } catch (error) {
      if (token !== state.openToken) return;
      detailPane.replaceChildren(el("div", { class: "detail-placeholder" },
        el("p", { class: "error" }, "Cannot open alert #" + id + ": " + error.message)));
    }
  }

  function refreshOpen() {
    if (state.selected !== null) open(state.selected, { refresh: true });
  }

  function setNotice(id, kind, text) {
    state.notice = { id, kind, text };
  }

  function showDetail(detail) {
    state.detail = detail;
    if (state.items.has(detail.id)) showRow(summaryOf(detail));
    markSelected();
    const notice = state.notice && state.notice.id === detail.id ? state.notice : null;
    const parts = [
      header(detail),
      notice ? el("div", { class: "notice " + notice.kind, role: "alert" }, notice.text) : null,
      evidence(detail),
      el("p", { class: "explanation-sentence" }, detail.explanation),
      decision(detail),
      canDecide ? actions(detail) : null,
      el("div", { class: "detail-columns" }, facts(detail), register(detail))];
    detailPane.replaceChildren(...parts.filter(Boolean));
    schedulePendingClipCheck(detail);
  }

  function summaryOf(detail) {
    const keys = ["id", "uuid", "kind", "kind_label", "camera_id", "camera_name", "zone",
                  "raised_at", "score", "status", "explanation", "operator", "version",
                  "has_snapshot", "clip_status"];
    return Object.fromEntries(keys.map((key) => [key, detail[key]]));
  }

  function header(d) {
    return el("header", { class: "detail-head" },
      el("div", { class: "detail-title" },
        el("h2", {}, d.kind_label), pill(d.status),
        el("span", { class: "muted alert-number" }, "#" + d.id)),
      el("div", { class: "detail-where" },
        el("strong", {}, d.camera_name), d.zone ? " · zone " + d.zone : "",
        " · ", el("time", { datetime: d.raised_at }, dateTime(d.raised_at)),
        el("span", { class: "muted" }, " (" + ago(d.raised_at) + ")")));
  }

  function evidence(d) {
    const kept = state.evidence;
    if (kept && kept.id === d.id && kept.clip === d.clip_status) return kept.node;
    const node = el("div", { class: "evidence" }, snapshotView(d), clipView(d));
    state.evidence = { id: d.id, clip: d.clip_status, node };
    return node;
  }

  function snapshotView(d) {
    if (!canEvidence) return el("div", { class: "media-missing" }, "Evidence not available to your role");
    if (!d.has_snapshot) return el("div", { class: "media-missing" }, "No snapshot for this alert");
    const figure = el("figure", { class: "snapshot" });
    const image = el("img", {
      src: `/api/alerts/${d.id}/snapshot`, alt: `Snapshot of alert ${d.id}, object outlined`,
      title: "Click to enlarge",
      onclick: () => figure.classList.toggle("zoomed"),
      onerror: () => figure.replaceWith(el("div", { class: "media-missing" },
        "Snapshot deleted (retention) or missing")),
    });
    figure.append(image, el("figcaption", { class: "muted small" }, "Snapshot at the alert"));
    return figure;
  }

  const CLIP_TEXT = {
    none: "No clip for this alert",
    pending: "Clip being recorded…",
    failed: "The clip could not be recorded",
    purged: "Clip deleted by retention",
  };
  function clipView(d) {
    if (!canEvidence) return null;
    if (d.clip_status !== "ready") {
      return el("div", { class: "media-missing clip-" + d.clip_status },
        CLIP_TEXT[d.clip_status] || "No clip");
    }
    return el("figure", { class: "clip" },
      el("video", { src: `/api/alerts/${d.id}/clip`, controls: true, preload: "metadata",
                    muted: true, playsinline: true }),
      el("figcaption", { class: "muted small" }, "Clip around the alert"));
  }

  // A clip is encoded a few seconds after the alert: look again a few times while it is.
  let clipTimer = null;
  let clipChecks = 0;
  function schedulePendingClipCheck(d) {
    clearTimeout(clipTimer);
    if (d.clip_status !== "pending") { clipChecks = 0; return; }
    if (clipChecks >= 24) return;
    clipChecks += 1;
    clipTimer = setTimeout(() => { if (state.selected === d.id) refreshOpen(); }, 5000);
  }

  function decision(d) {
    const lines = [];
    if (d.status === "acknowledged") {
      lines.push(`Acknowledged by ${d.operator} at ${time(d.acknowledged_at)}`);
    } else if (d.status === "validated") {
      lines.push(`Validated (true alert) by ${d.operator} at ${time(d.decided_at)}`);
    } else if (d.status === "dismissed") {
      lines.push(`Dismissed (false alert) by ${d.operator} at ${time(d.decided_at)}: `
        + (labels.reasons[d.dismiss_reason] || d.dismiss_reason));
    }
    if (d.decision_comment) lines.push(`“${d.decision_comment}”`);
    if (d.follow_up && d.follow_up !== "none") {
      lines.push(`Follow-up: ${labels.followUps[d.follow_up] || d.follow_up} (${d.follow_up_by}, `
        + `${time(d.follow_up_at)})` + (d.follow_up_comment ? ` “${d.follow_up_comment}”` : ""));
    }
    if (lines.length === 0) return null;
    return el("div", { class: "decision " + d.status }, lines.map((line) => el("p", {}, line)));
  }

  const BUTTONS = [
    ["acknowledge", "Acknowledge", "a", ""],
    ["validate", "Validate: true alert", "v", "ok"],
    ["dismiss", "Dismiss: false alert…", "d", "danger"],
    ["follow_up", "Follow-up…", "f", "primary"],
  ];
  function actions(d) {
    const allowed = ALLOWED[d.status] || [];
    return el("div", { class: "actions", role: "group", "aria-label": "Actions" },
      BUTTONS.map(([action, label, key, style]) => el("button", {
        type: "button", class: style, dataset: { action },
        disabled: !allowed.includes(action),
        onclick: () => run(action),
      }, label, " ", el("kbd", {}, key))));
  }

  function facts(d) {
    // What the rule measured first (each next to its threshold), then where and when.
    const rows = factRows(d.details);
    rows.push(["Confidence", percent(d.score), ""]);
    rows.push(["Zone or line", d.zone || "whole image", ""]);
    rows.push(["Camera", `${d.camera_name} (${d.camera_id})`, ""]);
    rows.push(["Incident began", dateTime(d.started_at), ""]);
    if (d.ended_at) rows.push(["Incident ended", dateTime(d.ended_at), ""]);
    rows.push(["Rule", d.rule_id, ""]);
    if (d.track_ids.length) rows.push(["Tracks", d.track_ids.map((t) => "#" + t).join(" "), ""]);
    return el("section", { class: "facts" }, el("h3", {}, "Why this alert"),
      el("table", { class: "kv" }, el("tbody", {}, rows.map(([label, value, limit]) =>
        el("tr", {}, el("th", {}, label),
          el("td", {}, value, limit ? el("span", { class: "threshold" }, limit) : null))))));
  }

  function register(d) {
    const entries = d.history.slice().reverse().map((entry) => {
      const extra = [];
      if (entry.details.reason) extra.push(labels.reasons[entry.details.reason] || entry.details.reason);
      if (entry.details.follow_up) {
        extra.push(labels.followUps[entry.details.follow_up] || entry.details.follow_up);
      }
      return el("li", { class: "entry " + entry.action },
        el("time", { datetime: entry.at, title: dateTime(entry.at) }, time(entry.at)),
        el("span", { class: "line" },
          el("b", { class: "who" }, entry.actor === "system" ? "Vigie" : entry.actor), " ",
          el("span", { class: "did" }, DID[entry.action] || entry.label,
          extra.length ? ": " + extra.join(", ") : "")),
        entry.comment ? el("q", { class: "comment" }, entry.comment) : null);
    });
    const note = canDecide ? el("form", { class: "note", id: "note-form", onsubmit: addNote },
      el("input", { id: "note-text", maxlength: "2000", placeholder: "Add a note to the register",
                    "aria-label": "Note" }),
      el("button", { type: "submit" }, "Add note ", el("kbd", {}, "n"))) : null;
    return el("section", { class: "register" }, el("h3", {}, "Follow-up register"),
      el("ol", { class: "entries" }, entries), note);
  }

  // ---- actions ---------------------------------------------------------------------------

  function allowedNow(action) {
    const d = state.detail;
    return canDecide && d && d.id === state.selected && (ALLOWED[d.status] || []).includes(action);
  }

  function run(action) {
    if (!allowedNow(action)) {
      const d = state.detail;
      if (d && canDecide) toast(`Alert #${d.id} is ${statusLabel(d.status).toLowerCase()}: `
        + `cannot ${action.replace("_", "-")} it now`, "info", 3000);
      return;
    }
    if (action === "dismiss") openDialog("dismiss");
    else if (action === "follow_up") openDialog("follow");
    else act(action, {}, state.detail);
  }

  // ``seen`` is the alert as the operator saw it when they decided: its version goes along.
  async function act(action, fields, seen) {
    const buttons = detailPane.querySelectorAll(".actions button");
    buttons.forEach((button) => { button.disabled = true; });
    try {
      const updated = await api(`/api/alerts/${seen.id}/actions`, {
        method: "POST", body: { action, expected_version: seen.version, ...fields } });
      if (state.selected === seen.id) { state.notice = null; showDetail(updated); }
      else if (state.items.has(updated.id)) showRow(summaryOf(updated));
      toast(`Alert #${seen.id}: ${DONE[action]}`, "ok", 2500);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && error.body && error.body.current) {
        setNotice(seen.id, "conflict", conflictText(error.body, action));
        if (state.selected === seen.id) showDetail(error.body.current);
        else showRow(summaryOf(error.body.current));
        return true;
      }
      toast(error.message, "error", 8000);
      if (state.selected === seen.id && state.detail) showDetail(state.detail);
      return false;
    }
  }

  // Who decided first, at the operator's own clock (the server's text uses the site's).
  function conflictText(answer, action) {
    const last = answer.last_action;
    if (!last || !answer.detail.includes(" already ")) return answer.detail;
    return `${last.actor} already ${PAST[last.action] || last.action} this alert at `
      + `${time(last.at)}; your ${action.replace("_", "-")} was not applied. `
      + "The alert is shown as it is now.";
  }

  async function addNote(event) {
    event.preventDefault();
    const input = $("#note-text");
    const text = input.value.trim();
    if (!text || !state.detail) return;
    input.disabled = true;
    const ok = await act("comment", { comment: text }, state.detail);
    if (!ok) { input.disabled = false; input.focus(); }
  }

  const dialogs = {
    dismiss: { dialog: $("#dismiss-dialog"), form: $("#dismiss-form"), error: $("#dismiss-error") },
    follow: { dialog: $("#follow-dialog"), form: $("#follow-form"), error: $("#follow-error") },
  };
  let dialogAlert = null;   // the alert as seen when the dialog opened

  function openDialog(name) {
    const { dialog, form, error } = dialogs[name];
    dialogAlert = state.detail;
    form.reset();
    error.hidden = true;
    dialog.querySelector(".dialog-subject").textContent =
      `#${dialogAlert.id} ${dialogAlert.kind_label} · ${dialogAlert.camera_name}`
      + (dialogAlert.zone ? ` · zone ${dialogAlert.zone}` : "") + ` · ${time(dialogAlert.raised_at)}`;
    updateDismissHint();
    dialog.showModal();
    const first = name === "dismiss" ? $("#dismiss-reason") : dialog.querySelector("input");
    if (first) first.focus();
  }

  function updateDismissHint() {
    const other = $("#dismiss-reason").value === "other";
    $("#dismiss-comment-hint").textContent = other ? "(required: say why)" : "(optional)";
    $("#dismiss-comment").required = other;
  }

  async function submitDialog(name, fields, problem) {
    const { dialog, error } = dialogs[name];
    if (problem) { error.textContent = problem; error.hidden = false; return; }
    const submit = dialog.querySelector('button[type="submit"]');
    submit.disabled = true;
    const done = await act(name === "dismiss" ? "dismiss" : "follow_up", fields, dialogAlert);
    submit.disabled = false;
    if (done) dialog.close();
    else { error.textContent = "Not recorded: see the message."; error.hidden = false; }
  }

  dialogs.dismiss.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const reason = $("#dismiss-reason").value;
    const comment = $("#dismiss-comment").value.trim();
    const problem = !reason ? "Choose a reason."
      : reason === "other" && !comment ? "Say why in the comment (reason: other)." : "";
    submitDialog("dismiss", { reason, comment: comment || null }, problem);
  });
  dialogs.follow.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const choice = dialogs.follow.form.querySelector('input[name="follow_up"]:checked');
    const comment = $("#follow-comment").value.trim();
    submitDialog("follow", { follow_up: choice ? choice.value : null, comment: comment || null },
      choice ? "" : "Choose what was done.");
  });
  $("#dismiss-reason").addEventListener("change", updateDismissHint);
  for (const { form, error } of Object.values(dialogs)) {
    form.addEventListener("change", () => { error.hidden = true; });
  }
  // Ctrl+Enter in a dialog's comment records at once.
  for (const { form } of Object.values(dialogs)) {
    form.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
  }
  for (const button of document.querySelectorAll("dialog .cancel")) {
    button.addEventListener("click", () => button.closest("dialog").close());
  }
  $("#help-open").addEventListener("click", () => $("#help-dialog").showModal());

  // ---- counters, cues, sound -------------------------------------------------------------

  function showCounts(counts) {
    for (const status of ["new", "acknowledged"]) {
      const button = $("#count-" + status);
      button.querySelector("b").textContent = counts[status] || 0;
      button.classList.toggle("zero", !counts[status]);
    }
    document.title = counts.new ? `(${counts.new}) ${baseTitle}` : baseTitle;
  }

  let bannerTimer = null;
  function announce(change) {
    state.fresh.unshift(change.id);
    const hidden = !matchesFilters({ ...change, status: "new" });
    const count = state.fresh.length;
    const text = count > 1 ? `${count} new alerts, the latest: ` : "New alert: ";
    $(".new-banner-text").textContent = text + kindLabel(change.kind) + " · "
      + cameraName(change.camera_id) + (change.zone ? " · zone " + change.zone : "")
      + (hidden ? " (hidden by your filters)" : "");
    const banner = $("#new-banner");
    banner.hidden = false;
    banner.classList.remove("pulse");
    void banner.offsetWidth;    // restart the animation
    banner.classList.add("pulse");
    clearTimeout(bannerTimer);
    bannerTimer = setTimeout(() => { banner.hidden = true; }, 15000);
    beep();
  }

  function updateBanner() {
    if (state.fresh.length === 0) $("#new-banner").hidden = true;
  }

  function openNewest() {
    const id = state.fresh.find((fresh) => state.items.has(fresh))
      || (body.firstElementChild && Number(body.firstElementChild.dataset.id));
    if (id) select(id);
    $("#new-banner").hidden = true;
  }
  $("#new-banner-open").addEventListener("click", openNewest);

  const cameraNames = {};
  const cameraName = (id) => cameraNames[id] || id;

  const SOUND_KEY = "vigie.alerts.sound";
  let soundOn = localStorage.getItem(SOUND_KEY) === "on";
  let audio = null;
  function showSound() {
    const button = $("#sound-toggle");
    button.setAttribute("aria-pressed", String(soundOn));
    button.firstChild.textContent = soundOn ? "Sound on " : "Sound off ";
    button.classList.toggle("on", soundOn);
  }
  function toggleSound() {
    soundOn = !soundOn;
    localStorage.setItem(SOUND_KEY, soundOn ? "on" : "off");
    showSound();
    if (soundOn) beep();   // a click is the gesture that lets the page make sound
  }
  function beep() {
    if (!soundOn) return;
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    audio = audio || new Context();
    if (audio.state === "suspended") audio.resume();
    const start = audio.currentTime + 0.02;
    [[880, 0], [660, 0.18]].forEach(([frequency, offset]) => {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.type = "sine";
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.3, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.16);
      tone.connect(gain).connect(audio.destination);
      tone.start(start + offset);
      tone.stop(start + offset + 0.17);
    });
  }
  $("#sound-toggle").addEventListener("click", toggleSound);
  // Browsers start audio suspended until the page is used: resume on the first key or click.
  const wake = () => { if (audio && audio.state === "suspended") audio.resume(); };
  document.addEventListener("keydown", wake);
  document.addEventListener("click", wake);

  // ---- live changes ----------------------------------------------------------------------

  on("counts", showCounts);
  on("alert", (change) => {
    if (change.action === "raised") {
      announce(change);
      if (matchesFilters({ ...change, status: "new" })) fetchNewestSoon();
      return;
    }
    updateRow(change);
    const d = state.detail;
    if (!d || d.id !== change.id || state.selected !== change.id) return;
    const newer = change.version > d.version;
    const othersNote = change.action === "comment" && change.actor !== me;
    if (!newer && !othersNote) return;
    if (change.actor !== me) {
      setNotice(change.id, "info", `${change.actor} ${PAST[change.action] || change.action} `
        + `this alert at ${time(change.at)}.`);
    }
    refreshOpen();
  });

  // ---- keyboard --------------------------------------------------------------------------

  let previousKey = "";
  document.addEventListener("keydown", (event) => {
    const previous = previousKey;
    previousKey = event.key;
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event)) return;
    if (document.querySelector("dialog[open]")) return;
    if (previous === "g") return;   // "g a", "g c"...: the page jumps of the top bar
    const keys = {
      j: () => move(1), k: () => move(-1), o: openNewest,
      a: () => run("acknowledge"), v: () => run("validate"), d: () => run("dismiss"),
      f: () => run("follow_up"), m: toggleSound,
      n: () => { const input = $("#note-text"); if (input) input.focus(); },
      "?": () => $("#help-dialog").showModal(),
    };
    const handler = keys[event.key];
    if (handler) { event.preventDefault(); handler(); }
  });

  // ---- start -----------------------------------------------------------------------------

  function fillSelect(select, choices) {
    for (const choice of choices) select.append(el("option", { value: choice.value }, choice.label));
  }

  async function start() {
    showSound();
    const choices = await api("/api/alerts/choices");
    for (const c of choices.kinds) labels.kinds[c.value] = c.label;
    for (const c of choices.statuses) labels.statuses[c.value] = c.label;
    for (const c of choices.dismiss_reasons) labels.reasons[c.value] = c.label;
    for (const c of choices.follow_ups) labels.followUps[c.value] = c.label;
    for (const c of choices.cameras) cameraNames[c.value] = c.label;
    fillSelect(filters.kind, choices.kinds);
    fillSelect(filters.camera, choices.cameras);
    fillSelect($("#dismiss-reason"), choices.dismiss_reasons);
    $("#follow-choices").append(...choices.follow_ups.map((c, i) => el("label", { class: "radio" },
      el("input", { type: "radio", name: "follow_up", value: c.value, required: i === 0 }),
      " ", c.label)));
    await load();
    const wanted = /^#alert-(\d+)$/.exec(location.hash);
    if (wanted) select(Number(wanted[1]));
  }

  filters.form.addEventListener("change", (event) => {
    if (event.target === filters.time) {
      const custom = filters.time.value === "custom";
      for (const label of document.querySelectorAll(".custom-time")) label.hidden = !custom;
    }
    load();
  });
  filters.form.addEventListener("reset", () => {
    setTimeout(() => {
      for (const label of document.querySelectorAll(".custom-time")) label.hidden = true;
      load();
    });
  });
  for (const button of document.querySelectorAll(".counter")) {
    button.addEventListener("click", () => {
      for (const box of filters.statuses) box.checked = box.value === button.dataset.status;
      load();
    });
  }
  $("#queue-more").addEventListener("click", () => load({ older: true }));
  // Relative times ("2 min ago") age on screen without asking the server anything.
  setInterval(() => {
    for (const span of document.querySelectorAll(".ago[data-at]")) span.textContent = ago(span.dataset.at);
  }, 15000);

  start().catch((error) => toast("Cannot start the alert page: " + error.message, "error"));
})();
