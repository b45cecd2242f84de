"use strict";
// Audit log page: the chain's state, filters in the URL, pages of /api/audit, CSV export.
(function () {
  const { api, el, toast, isTyping } = window.vigie;
  const $ = (id) => document.getElementById(id);
  // Times are shown in the site's time zone, as in the statistics and the CSV exports.
  const zone = document.getElementById("audit-page").dataset.timezone || undefined;
  const dateTimeFormat = new Intl.DateTimeFormat(undefined, { timeZone: zone, year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    hourCycle: "h23" });
  const dateTime = (iso) => (iso ? dateTimeFormat.format(new Date(iso)) : "");
  const LIMIT = 100;
  const f = { actor: $("f-actor"), action: $("f-action"), since: $("f-since"), until: $("f-until") };
  let offset = 0;
  let total = 0;
  let badId = null;

  function nextDay(day) {
    const d = new Date(day + "T12:00:00Z");
    d.setUTCDate(d.getUTCDate() + 1);
    return d.toISOString().slice(0, 10);
  }

  function filters() {
    const p = new URLSearchParams();
    for (const [key, input] of Object.entries(f)) {
      if (input.value) p.set(key, key === "until" ? nextDay(input.value) : input.value);
    }
    return p;
  }

  function pageQuery() {
    const p = new URLSearchParams();
    for (const [key, input] of Object.entries(f)) if (input.value) p.set(key, input.value);
    if (offset) p.set("offset", offset);
    return p;
  }

  async function facets() {
    const data = await api("/api/audit/facets");
    const wanted = new URLSearchParams(location.search);
    f.actor.append(...data.actors.map((a) => el("option", { value: a }, a)));
    // whole families first ("alert." = every alert action), then each action
    const families = [...new Set(data.actions.filter((a) => a.includes("."))
      .map((a) => a.split(".")[0] + "."))];
    f.action.append(
      el("optgroup", { label: "Families" }, ...families.map((a) => el("option", { value: a }, a + "*"))),
      el("optgroup", { label: "Actions" }, ...data.actions.map((a) => el("option", { value: a }, a))));
    for (const key of Object.keys(f)) f[key].value = wanted.get(key) || "";
    offset = Math.max(0, parseInt(wanted.get("offset") || "0", 10) || 0);
  }

  async function verify() {
    const badge = $("audit-chain");
    badge.className = "audit-chain checking";
    badge.textContent = "Checking the chain…";
    try {
      const state = await api("/api/audit/verify");
      badId = state.first_bad_id;
      badge.className = "audit-chain " + (state.intact ? "intact" : "broken");
      badge.textContent = state.intact
        ? `✔ Chain intact, ${state.entries} entr${state.entries === 1 ? "y" : "ies"}`
        : `✖ Chain broken at entry ${state.first_bad_id}`;
      badge.title = state.intact
        ? "Every entry is where and what the hash chain says."
        : "This entry was edited or inserted, or the one before it was deleted.";
      markBad();
    } catch (error) {
      badge.className = "audit-chain broken";
      badge.textContent = "Chain not checked: " + error.message;
    }
  }

  function markBad() {
    for (const tr of $("audit-table").tBodies[0].rows) {
      tr.classList.toggle("bad", badId !== null && Number(tr.dataset.id) === badId);
    }
  }

  function details(value) {
    const entries = Object.entries(value || {});
    if (!entries.length) return "";
    return entries.map(([k, v], i) => [i ? " · " : "", el("b", {}, k), "=",
      typeof v === "string" ? v : JSON.stringify(v)]).flat();
  }

  function row(e) {
    return el("tr", { dataset: { id: e.id } },
      el("td", { class: "num id" }, e.id),
      el("td", { class: "when" }, dateTime(e.at)),
      el("td", {}, e.actor),
      el("td", {}, el("span", { class: "tag" }, e.action)),
      el("td", {}, e.target),
      el("td", { class: "details" }, details(e.details)));
  }

  async function load() {
    const query = filters();
    query.set("limit", LIMIT);
    query.set("offset", offset);
    const shown = pageQuery().toString();
    history.replaceState(null, "", shown ? "?" + shown : location.pathname);
    $("audit-csv").href = "/api/audit.csv?" + filters();
    let data;
    try {
      data = await api("/api/audit?" + query);
    } catch (error) {
      toast("Audit log: " + error.message, "error");
      return;
    }
    total = data.total;
    $("audit-table").tBodies[0].replaceChildren(...data.entries.map(row));
    markBad();
    $("audit-none").hidden = data.entries.length > 0;
    $("audit-count").textContent = total
      ? `${offset + 1}–${offset + data.entries.length} of ${total} entr${total === 1 ? "y" : "ies"}`
      : "0 entries";
    $("audit-prev").disabled = offset === 0;
    $("audit-next").disabled = offset + LIMIT >= total;
    $("audit-page").dataset.loaded = String(Date.now());
  }

  function search() {
    offset = 0;
    load();
  }

  $("audit-filters").addEventListener("submit", (e) => { e.preventDefault(); search(); });
  for (const input of Object.values(f)) input.addEventListener("change", search);
  $("f-clear").addEventListener("click", () => {
    for (const input of Object.values(f)) input.value = "";
    search();
  });
  $("audit-verify").addEventListener("click", verify);
  $("audit-prev").addEventListener("click", () => { offset = Math.max(0, offset - LIMIT); load(); });
  $("audit-next").addEventListener("click", () => {
    if (offset + LIMIT < total) { offset += LIMIT; load(); }
  });
  document.addEventListener("keydown", (event) => {
    if (isTyping(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "v") verify();
    else if (event.key === "ArrowLeft" && !$("audit-prev").disabled) $("audit-prev").click();
    else if (event.key === "ArrowRight" && !$("audit-next").disabled) $("audit-next").click();
  });

  facets().catch((error) => toast("Audit log: " + error.message, "error"))
    .finally(() => { load(); verify(); });
})();
