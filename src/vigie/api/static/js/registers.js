"use strict";
// Alert register page: filters in the URL, one page of /api/register at a time, CSV export.
(function () {
  const { api, el, toast, isTyping } = window.vigie;
  const $ = (id) => document.getElementById(id);
  // Times are shown in the site's time zone, as in the statistics and the CSV exports.
  const zone = document.getElementById("reg-page").dataset.timezone || undefined;
  const dateTimeFormat = new Intl.DateTimeFormat(undefined, { timeZone: zone, year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    hourCycle: "h23" });
  const timeFormat = new Intl.DateTimeFormat(undefined, { timeZone: zone, hour: "2-digit",
    minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  const dayFormat = new Intl.DateTimeFormat("en-CA", { timeZone: zone });
  const dateTime = (iso) => (iso ? dateTimeFormat.format(new Date(iso)) : "");
  // A decision of the same day shows its time only.
  const decidedAt = (raised, decided) => {
    if (!decided) return "";
    const d = new Date(decided);
    return dayFormat.format(d) === dayFormat.format(new Date(raised))
      ? timeFormat.format(d) : dateTimeFormat.format(d);
  };
  const LIMIT = 100;
  const f = { q: $("f-q"), kind: $("f-kind"), camera_id: $("f-camera"), status: $("f-status"),
              since: $("f-since"), until: $("f-until") };
  const LABELS = {
    false_positive: "false positive", duplicate: "duplicate",
    authorised_activity: "authorised activity", test: "test", other: "other",
    none: "–", transmitted_to_field: "sent to field team", intervention: "intervention",
    no_action: "no action",
  };
  let offset = 0;
  let total = 0;
  let typing = null;

  function nextDay(day) {
    const d = new Date(day + "T12:00:00Z");
    d.setUTCDate(d.getUTCDate() + 1);
    return d.toISOString().slice(0, 10);
  }

  // The filters as the API reads them ("to" is inclusive on the page, exclusive in the API).
  function filters() {
    const p = new URLSearchParams();
    for (const [key, input] of Object.entries(f)) {
      const value = input.value.trim();
      if (!value) continue;
      p.set(key, key === "until" ? nextDay(value) : value);
    }
    return p;
  }

  function pageQuery() {
    const p = new URLSearchParams();
    for (const [key, input] of Object.entries(f)) if (input.value.trim()) p.set(key, input.value.trim());
    if (offset) p.set("offset", offset);
    return p;
  }

  function readUrl() {
    const p = new URLSearchParams(location.search);
    for (const [key, input] of Object.entries(f)) input.value = p.get(key) || "";
    offset = Math.max(0, parseInt(p.get("offset") || "0", 10) || 0);
  }

  async function facets() {
    const data = await api("/api/register/facets");
    const wanted = new URLSearchParams(location.search);
    f.kind.append(...data.kinds.map((k) => el("option", { value: k }, k)));
    f.camera_id.append(...data.cameras.map((c) => el("option", { value: c.id }, `${c.name} (${c.id})`)));
    f.kind.value = wanted.get("kind") || "";
    f.camera_id.value = wanted.get("camera_id") || "";
  }

  function seconds(s) {
    if (s === null || s === undefined) return "";
    if (s < 90) return `${Math.round(s)} s`;
    if (s < 5400) return `${Math.round(s / 60)} min`;
    return `${(s / 3600).toFixed(1)} h`;
  }

  function row(r) {
    const comments = [r.decision_comment, r.follow_up_comment].filter(Boolean);
    return el("tr", { dataset: { id: r.id, status: r.status } },
      el("td", { class: "when" }, dateTime(r.raised_at), el("span", { class: "sub" }, `#${r.id}`)),
      el("td", { class: "kind" }, r.type_label || r.type, el("span", { class: "sub" }, r.explanation)),
      el("td", {}, r.camera, el("span", { class: "sub" }, r.zone || "")),
      el("td", {}, el("span", { class: `pill ${r.status}` }, r.status),
        r.dismiss_reason ? el("span", { class: "sub" }, LABELS[r.dismiss_reason] || r.dismiss_reason) : null),
      el("td", {}, r.operator || ""),
      el("td", { class: "when" }, decidedAt(r.raised_at, r.decided_at)),
      el("td", { class: "num" }, seconds(r.handling_s)),
      el("td", {}, r.follow_up === "none" ? "" : el("span", { class: "tag" }, LABELS[r.follow_up] || r.follow_up)),
      el("td", { class: "comment" }, comments.join(" — ")));
  }

  async function load() {
    const query = filters();
    query.set("limit", LIMIT);
    query.set("offset", offset);
    const shown = pageQuery().toString();
    history.replaceState(null, "", shown ? "?" + shown : location.pathname);
    $("reg-csv").href = "/api/register.csv?" + filters();
    let data;
    try {
      data = await api("/api/register?" + query);
    } catch (error) {
      toast("Register: " + error.message, "error");
      return;
    }
    total = data.total;
    const tbody = $("reg-table").tBodies[0];
    tbody.replaceChildren(...data.rows.map(row));
    $("reg-none").hidden = data.rows.length > 0;
    $("reg-count").textContent = total
      ? `${offset + 1}–${offset + data.rows.length} of ${total} alert${total === 1 ? "" : "s"}`
      : "0 alerts";
    $("reg-prev").disabled = offset === 0;
    $("reg-next").disabled = offset + LIMIT >= total;
    $("reg-page").dataset.loaded = String(Date.now());
  }

  function search() {
    offset = 0;
    load();
  }

  $("reg-filters").addEventListener("submit", (e) => { e.preventDefault(); search(); });
  for (const key of ["kind", "camera_id", "status", "since", "until"]) {
    f[key].addEventListener("change", search);
  }
  f.q.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(search, 400);
  });
  $("f-clear").addEventListener("click", () => {
    for (const input of Object.values(f)) input.value = "";
    search();
  });
  $("reg-prev").addEventListener("click", () => { offset = Math.max(0, offset - LIMIT); load(); });
  $("reg-next").addEventListener("click", () => {
    if (offset + LIMIT < total) { offset += LIMIT; load(); }
  });
  document.addEventListener("keydown", (event) => {
    if (isTyping(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "/") { event.preventDefault(); f.q.focus(); }
    else if (event.key === "ArrowLeft" && !$("reg-prev").disabled) $("reg-prev").click();
    else if (event.key === "ArrowRight" && !$("reg-next").disabled) $("reg-next").click();
  });

  readUrl();
  facets().catch((error) => toast("Register: " + error.message, "error")).finally(load);
})();
