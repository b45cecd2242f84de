"use strict";
// Camera wall: live views, health and figures of every camera, stop / resume of analysis.
// Live views: one MJPEG stream per tile for small walls; above STREAM_MAX tiles, pictures are
// fetched one after the other (a browser opens only 6 connections to a server, and the live
// stream of the page needs one). ?live=stream or ?live=poll forces either.
(function () {
  const { api, el, on, toast, ago } = window.vigie;
  const page = document.getElementById("cams-page");
  const canStop = page.dataset.canStop === "yes";
  const tiles = new Map();          // camera id -> tile element
  const state = { cameras: new Map(), allStopped: false, control: page.dataset.control === "yes" };
  const STREAM_MAX = 4;
  const POLL_MS = 333;
  const REFRESH_MS = 2000;

  for (const tile of document.querySelectorAll(".cam-tile")) tiles.set(tile.dataset.camera, tile);
  const forced = new URLSearchParams(location.search).get("live");
  const mode = forced === "poll" || forced === "stream" ? forced
    : (tiles.size <= STREAM_MAX ? "stream" : "poll");

  // -- live views ---------------------------------------------------------------------------

  function startView(tile) {
    const img = tile.querySelector(".cam-view img");
    const base = img.dataset.src;
    if (mode === "stream") {
      img.src = `${base}/live.mjpg?t=${Date.now()}`;
      return;
    }
    let timer = null;
    const next = (delay) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (document.hidden) return next(1000);
        img.src = `${base}/snapshot.jpg?placeholder=true&t=${Date.now()}`;
      }, delay);
    };
    img.addEventListener("load", () => next(POLL_MS));
    img.addEventListener("error", () => next(2000));
    next(0);
  }

  function stopStreams() {
    if (mode !== "stream") return;
    for (const tile of tiles.values()) tile.querySelector(".cam-view img").removeAttribute("src");
  }

  // A hidden tab does not download pictures nobody looks at.
  document.addEventListener("visibilitychange", () => {
    if (mode !== "stream") return;
    if (document.hidden) stopStreams();
    else for (const tile of tiles.values()) startView(tile);
  });
  window.addEventListener("pagehide", stopStreams);

  // -- figures ------------------------------------------------------------------------------

  const STATUS_TEXT = { up: "up", down: "down", stopped: "stopped", ended: "ended",
                        error: "error", starting: "starting", unknown: "unknown" };

  function fmt(value, digits = 0) {
    return value === null || value === undefined ? "–" : Number(value).toFixed(digits);
  }

  function setField(tile, name, text) {
    const node = tile.querySelector(`[data-field="${name}"]`);
    if (node && node.textContent !== text) node.textContent = text;
  }

  function paint(camera) {
    const tile = tiles.get(camera.id);
    if (!tile) return;
    tile.dataset.status = camera.status;
    tile.classList.toggle("is-stopped", camera.analysis_stopped);
    const pill = tile.querySelector('[data-field="status"]');
    pill.className = "pill " + camera.status;
    pill.textContent = STATUS_TEXT[camera.status] || camera.status;
    const run = camera.runtime;
    const flowing = run && (camera.status === "up" || camera.status === "starting");
    setField(tile, "fps", flowing ? fmt(run.fps, 1) : "–");
    setField(tile, "lag", flowing ? `${fmt(run.lag_ms)} ms` : "–");
    setField(tile, "dropped", run ? fmt(run.dropped) : "–");
    setField(tile, "alerts", run ? fmt(run.alerts) : "–");
    let reason = camera.status === "up" ? "" : camera.status_reason;
    if (camera.health && camera.status !== "up" && camera.health.state === camera.status) {
      reason += ` (${ago(camera.health.since)})`;
    }
    setField(tile, "reason", reason);
    tile.querySelector('[data-field="reason"]').title = reason;
    const button = tile.querySelector(".cam-switch");
    if (button) {
      const stop = !camera.analysis_stopped;
      button.dataset.action = stop ? "stop" : "start";
      button.textContent = stop ? "Stop analysis" : "Resume analysis";
      button.className = "cam-switch " + (stop ? "" : "ok");
    }
  }

  function paintWall() {
    const cams = [...state.cameras.values()];
    const count = (s) => cams.filter((c) => c.status === s).length;
    const parts = [`${cams.length} camera${cams.length === 1 ? "" : "s"}`];
    for (const s of ["up", "stopped", "down", "error", "ended"]) {
      if (count(s)) parts.push(`${count(s)} ${s}`);
    }
    document.getElementById("cams-summary").textContent = parts.join(" · ");
    document.getElementById("all-stopped").hidden = !state.allStopped;
    document.getElementById("all-stopped-reason").textContent =
      state.allStopped && cams.length ? cams[0].status_reason : "";
    const stopAll = document.getElementById("stop-all");
    const resumeAll = document.getElementById("resume-all");
    if (stopAll) stopAll.disabled = state.allStopped;
    if (resumeAll) resumeAll.disabled = !cams.some((c) => c.analysis_stopped);
  }

  let refreshing = null;
  async function refresh() {
    if (refreshing) return refreshing;
    refreshing = api("/api/cameras").then((wall) => {
      state.allStopped = wall.all_stopped;
      state.control = wall.control;
      for (const camera of wall.cameras) {
        state.cameras.set(camera.id, camera);
        paint(camera);
      }
      paintWall();
    }).catch((err) => {
      if (err.status !== 401) toast(`Cameras: ${err.message}`, "error");
    }).finally(() => { refreshing = null; });
    return refreshing;
  }

  // -- live changes -------------------------------------------------------------------------

  on("camera", (change) => {
    const camera = state.cameras.get(change.camera_id);
    if (camera) {
      camera.analysis_stopped = change.analysis_stopped;
      camera.status = change.analysis_stopped ? "stopped" : "starting";
      camera.status_reason = change.analysis_stopped ? "analysis stopped" : "resuming";
      paint(camera);
      state.allStopped = [...state.cameras.values()].every((c) => c.analysis_stopped);
      paintWall();
    }
    refresh();
  });

  on("health", (change) => {
    const camera = state.cameras.get(change.camera_id);
    if (camera && !camera.analysis_stopped) {
      camera.status = change.state;
      camera.status_reason = change.reason;
      camera.health = { state: change.state, reason: change.reason, since: change.at };
      paint(camera);
      paintWall();
    }
    refresh();
  });

  // -- stop / resume ------------------------------------------------------------------------

  const dialog = document.getElementById("switch-dialog");
  const form = document.getElementById("switch-form");
  const reason = document.getElementById("switch-reason");
  const confirm = document.getElementById("switch-confirm");
  const error = document.getElementById("switch-error");
  const list = document.getElementById("switch-list");
  let pending = null;   // {path, stop, label}

  function openSwitch({ cameraId, stop }) {
    const camera = cameraId ? state.cameras.get(cameraId) : null;
    const name = camera ? camera.name : "";
    pending = {
      stop,
      path: cameraId ? `/api/cameras/${encodeURIComponent(cameraId)}/${stop ? "stop" : "start"}`
        : `/api/analysis/${stop ? "stop" : "start"}`,
    };
    document.getElementById("switch-title").textContent = cameraId
      ? `${stop ? "Stop" : "Resume"} analysis of ${name}`
      : (stop ? "Stop all analysis" : "Resume all analysis");
    let text;
    if (stop) {
      text = (cameraId ? `${name} stops being analysed` : "Every camera stops being analysed")
        + " at once: no alert, no count and no live picture until the analysis resumes.";
    } else {
      text = cameraId ? `${name} is analysed again at once.`
        : "Every camera is analysed again at once, including these cameras stopped on their own:";
    }
    if (!state.control) text += " Analysis is not running in this console: the switch is recorded"
      + " and applies when it starts.";
    document.getElementById("switch-text").textContent = text;
    list.replaceChildren();
    if (!cameraId && !stop) {
      for (const c of state.cameras.values()) {
        if (c.analysis_stopped) list.append(el("li", {}, el("strong", {}, c.name), ` — ${c.status_reason}`));
      }
    }
    list.hidden = list.children.length === 0;
    confirm.className = stop ? "danger" : "ok";
    confirm.textContent = stop ? (cameraId ? "Stop analysis" : "Stop all analysis")
      : (cameraId ? "Resume analysis" : "Resume all analysis");
    reason.value = "";
    error.hidden = true;
    confirm.disabled = true;
    dialog.showModal();
    reason.focus();
  }

  reason.addEventListener("input", () => {
    confirm.disabled = reason.value.trim().length < 3;
  });
  reason.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (!confirm.disabled) form.requestSubmit();
    }
  });
  document.getElementById("switch-cancel").addEventListener("click", () => dialog.close());

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!pending || reason.value.trim().length < 3) return;
    confirm.disabled = true;
    try {
      const result = await api(pending.path, { method: "POST", body: { reason: reason.value.trim() } });
      dialog.close();
      toast(result.message, pending.stop ? "info" : "ok");
      await refresh();
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
      confirm.disabled = false;
    }
  });

  document.getElementById("stop-all")?.addEventListener("click", () => openSwitch({ stop: true }));
  document.getElementById("resume-all")?.addEventListener("click", () => openSwitch({ stop: false }));

  for (const tile of tiles.values()) {
    const button = tile.querySelector(".cam-switch");
    if (button && canStop) {
      button.addEventListener("click", () => openSwitch({
        cameraId: tile.dataset.camera, stop: button.dataset.action === "stop" }));
    }
    // A click on a picture enlarges its tile to the whole row; another click shrinks it.
    tile.querySelector(".cam-view").addEventListener("click", () => tile.classList.toggle("big"));
  }

  // -- start --------------------------------------------------------------------------------

  for (const tile of tiles.values()) startView(tile);
  refresh();
  setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
})();
