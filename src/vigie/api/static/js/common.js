"use strict";
// Shared by every console page: API calls with the CSRF token, the live stream, toasts,
// formatting, and the "g x" navigation shortcuts. Pages use window.vigie.
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

  class ApiError extends Error {
    constructor(status, detail, body) {
      super(detail);
      this.status = status;
      this.body = body;
    }
  }

  async function api(path, { method = "GET", body, raw = false } = {}) {
    const headers = { "X-CSRF-Token": csrf };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) {
      window.location.assign("/login?next=" + encodeURIComponent(location.pathname));
      throw new ApiError(401, "signed out");
    }
    if (raw) return response;
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const detail = typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail);
      throw new ApiError(response.status, detail || response.statusText, data);
    }
    return data;
  }

  // One EventSource per page; handlers by event name. The browser reconnects by itself.
  const handlers = {};
  let source = null;
  function on(event, handler) {
    (handlers[event] = handlers[event] || []).push(handler);
    if (source) source.addEventListener(event, (e) => handler(JSON.parse(e.data)));
  }
  function connect() {
    const dot = document.getElementById("live-dot");
    source = new EventSource("/api/stream");
    source.addEventListener("open", () => dot && dot.classList.add("on"));
    source.addEventListener("error", () => dot && dot.classList.remove("on"));
    for (const [event, list] of Object.entries(handlers)) {
      for (const handler of list) {
        source.addEventListener(event, (e) => handler(JSON.parse(e.data)));
      }
    }
  }

  function toast(message, kind = "info", ms = 5000) {
    const box = document.getElementById("toasts");
    if (!box) return;
    const item = document.createElement("div");
    item.className = "toast " + kind;
    item.textContent = message;
    box.appendChild(item);
    setTimeout(() => item.remove(), ms);
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const timeFormat = new Intl.DateTimeFormat(undefined, {
    hourCycle: "h23", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "2-digit", day: "2-digit",
    hourCycle: "h23", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  function time(iso) { return iso ? timeFormat.format(new Date(iso)) : ""; }
  function dateTime(iso) { return iso ? dateTimeFormat.format(new Date(iso)) : ""; }
  function ago(iso) {
    if (!iso) return "";
    const s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
    if (s < 60) return Math.floor(s) + " s ago";
    if (s < 3600) return Math.floor(s / 60) + " min ago";
    return Math.floor(s / 3600) + " h ago";
  }

  function isTyping(event) {
    const t = event.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT"
      || t.isContentEditable);
  }

  // "g" then a letter jumps to a page, as in the top bar's tooltips.
  let pendingG = false;
  const jumps = { a: "/alerts", c: "/cameras", e: "/scene", s: "/stats", r: "/registers",
                  l: "/audit" };
  document.addEventListener("keydown", (event) => {
    if (isTyping(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (pendingG && jumps[event.key]) {
      const link = document.querySelector(`.topbar nav a[href="${jumps[event.key]}"]`);
      if (link) window.location.assign(link.getAttribute("href"));
    }
    pendingG = event.key === "g";
  });

  document.getElementById("logout")?.addEventListener("click", async () => {
    await api("/api/logout", { method: "POST" }).catch(() => {});
    window.location.assign("/login");
  });

  on("counts", (data) => {
    const badge = document.getElementById("nav-unhandled");
    if (!badge) return;
    const n = (data.new || 0) + (data.acknowledged || 0);
    badge.textContent = n;
    badge.hidden = n === 0;
  });

  function showUnhandled() {
    if (!document.getElementById("nav-unhandled")) return;
    api("/api/alerts/counts").then((data) => {
      for (const h of handlers.counts || []) h(data);
    }).catch(() => {});
  }
  window.addEventListener("DOMContentLoaded", showUnhandled);

  window.vigie = { api, ApiError, on, toast, el, time, dateTime, ago, isTyping, csrf };
  // Pages register their handlers synchronously after this file; connect once they have.
  window.addEventListener("DOMContentLoaded", connect);
})();
