/*
 * app.js - the frontdesk dashboard, served by the gateway with the session
 * cookie of its sign-in form.  Four pages behind the URL's hash:
 *   #/                 overview: today and this week in figures, charts
 *                      of calls per day, outcome mix and latency
 *   #/calls?...        the call list: filters, search, pages
 *   #/call/SID         one call: transcript, recording, appointment,
 *                      tool calls, cost
 *   #/settings         the business settings (GET/PUT /api/v1/config)
 * Everything comes from /api/v1 (answered by crm-tools through the
 * gateway) and /healthz (calls in progress).  A field the API does not
 * give shows as a dash; no missing field stops a page.  Text from calls is
 * only ever put into the page as text, never as markup.
 */
"use strict";
(() => {
const DASH = "\u2014";
const LIVE_POLL_MS = 3000;
const CALLS_POLL_MS = 5000;
const CALL_POLL_MS = 2000;
const OVERVIEW_POLL_MS = 15000;
const PAGE_SIZE = 25;
const OUTCOMES = ["booked", "rescheduled", "cancelled", "confirmed", "message_taken",
  "callback_requested", "lead", "transferred", "status_given", "info_only",
  "voicemail_left", "wrong_person", "abandoned", "failed", "other"];

const state = {
  offsetMin: null,        /* the business's UTC offset, from the API's stamps */
  live: null,             /* calls in progress (healthz) */
  timers: [],             /* the current page's polls */
  onShow: [],             /* and what they run, again when the tab shows */
  charts: [],
  onLive: null,           /* the current page's reaction to a new live count */
  gen: 0,                 /* bumped per page: late answers of a left page are dropped */
};
window.fdDash = state;    /* for the browser test: the charts' data */

/* ---- small helpers ---- */

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = String(v);
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of kids.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}
const isNum = (v) => typeof v === "number" && Number.isFinite(v);
const has = (v) => v !== undefined && v !== null && v !== "";
const pad2 = (n) => String(n).padStart(2, "0");
function human(key) {
  const s = String(key).replace(/_usd$/, "").replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/* ---- numbers as an owner reads them ---- */

function fmtCount(v) { return isNum(v) ? Math.round(v).toLocaleString("en-US") : DASH; }
function fmtMs(v) {
  if (!isNum(v)) return DASH;
  if (v < 1000) return Math.round(v) + " ms";
  return (v / 1000).toFixed(v < 10000 ? 2 : 1) + " s";
}
function fmtUsd(v) {
  if (!isNum(v)) return DASH;
  if (v !== 0 && Math.abs(v) < 0.1) return "$" + v.toFixed(4);
  return "$" + v.toFixed(2);
}
function fmtPct(v) { return isNum(v) ? (Math.round(v * 10) / 10) + "%" : DASH; }
function fmtDur(s) {
  if (!isNum(s) || s < 0) return DASH;
  s = Math.round(s);
  if (s < 60) return s + " s";
  if (s < 3600) return Math.floor(s / 60) + " min " + pad2(s % 60) + " s";
  return Math.floor(s / 3600) + " h " + pad2(Math.floor(s / 60) % 60) + " min";
}
function fmtBytes(v) {
  if (!isNum(v)) return DASH;
  if (v < 1024) return v + " B";
  if (v < 1048576) return Math.round(v / 1024) + " KB";
  return (v / 1048576).toFixed(1) + " MB";
}
function fmtOffset(ms) {
  if (!isNum(ms) || ms < 0) return "";
  const s = Math.floor(ms / 1000);
  return Math.floor(s / 60) + ":" + pad2(s % 60);
}

/* ---- dates.  The API's stamps are the business's local time with its
 * offset ("2026-11-20T10:02:15-05:00"): the page shows that wall-clock time
 * as written, whatever zone the browser is in, and its days ("today", the
 * stats' from/to) are the business's days, by the offset of the newest
 * call.  A "wall" Date holds a wall-clock time in its UTC fields and is
 * only ever formatted in UTC. ---- */

const STAMP = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?(Z|[+-]\d\d(?::?\d\d)?)?$/;
function parseStamp(s) {
  if (!has(s)) return null;
  const d = new Date(s);
  return isNaN(d.getTime()) ? null : d;
}
function wall(s) {
  const m = has(s) ? STAMP.exec(String(s)) : null;
  if (!m) return null;
  return new Date(Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)));
}
/* the business's offset from UTC in minutes, from a stamp that has one */
function learnOffset(s) {
  const m = has(s) ? STAMP.exec(String(s)) : null;
  if (!m || !m[7]) return;
  if (m[7] === "Z") { state.offsetMin = 0; return; }
  const z = m[7].replace(":", "");
  state.offsetMin = (z[0] === "-" ? -1 : 1) * (+z.slice(1, 3) * 60 + +(z.slice(3, 5) || 0));
}
function wallNow() {
  const off = state.offsetMin !== null ? state.offsetMin : -new Date().getTimezoneOffset();
  return new Date(Date.now() + off * 60000);
}
function dayKey(w) { return w.toISOString().slice(0, 10); }
function todayKey() { return dayKey(wallNow()); }
function addDays(key, n) {
  const d = new Date(key + "T12:00:00Z");
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
function weekday(key) { return new Date(key + "T12:00:00Z").getUTCDay(); }
function fmtDay(key) {
  return new Intl.DateTimeFormat("en-US", { timeZone: "UTC", weekday: "short",
    day: "numeric", month: "short" }).format(new Date(key + "T12:00:00Z"));
}
function fmtShortDay(key) {
  return new Intl.DateTimeFormat("en-US", { timeZone: "UTC", day: "numeric",
    month: "short" }).format(new Date(key + "T12:00:00Z"));
}
function fmtTime(w, secs) {
  return new Intl.DateTimeFormat("en-US", { timeZone: "UTC", hour: "numeric",
    minute: "2-digit", second: secs ? "2-digit" : undefined }).format(w);
}
/* "Today 10:02 AM", "Yesterday ...", "Fri, Nov 20, 10:02 AM" */
function fmtWhen(s) {
  const w = wall(s);
  if (!w) return has(s) ? String(s) : DASH;
  const k = dayKey(w), t = todayKey();
  if (k === t) return "Today " + fmtTime(w);
  if (k === addDays(t, -1)) return "Yesterday " + fmtTime(w);
  const opts = { timeZone: "UTC", weekday: "short", month: "short", day: "numeric",
    hour: "numeric", minute: "2-digit" };
  if (k.slice(0, 4) !== t.slice(0, 4)) opts.year = "numeric";
  return new Intl.DateTimeFormat("en-US", opts).format(w);
}
/* An appointment's start, "Tue, Nov 24, 2026, 10:00 AM". */
function fmtWall(s) {
  const w = wall(s);
  if (!w) return has(s) ? String(s) : DASH;
  return new Intl.DateTimeFormat("en-US", { timeZone: "UTC", weekday: "short",
    month: "short", day: "numeric", year: "numeric", hour: "numeric",
    minute: "2-digit" }).format(w);
}

function durationOf(c) {
  if (isNum(c.duration_s)) return c.duration_s;
  const a = parseStamp(c.started_at), b = parseStamp(c.ended_at);
  return a && b ? (b - a) / 1000 : null;
}

/* ---- the API ---- */

/* {status, body}; status 0 when the gateway did not answer.  A 401 means
 * the session is gone: reloading shows the sign-in form. */
async function api(path, opts) {
  let r;
  try {
    r = await fetch(path, Object.assign({ credentials: "same-origin",
      headers: { accept: "application/json" } }, opts || {}));
  } catch (e) {
    return { status: 0, body: null, error: "the gateway did not answer" };
  }
  if (r.status === 401) {
    location.reload();
    return { status: 401, body: null, error: "signed out" };
  }
  const body = await r.json().catch(() => null);
  return { status: r.status, body, error: r.ok ? null :
    (body && body.error) || ("HTTP " + r.status) };
}

/* ---- page plumbing ---- */

/* polls skip while the tab is hidden and catch up when it shows again */
function every(ms, fn) {
  state.timers.push(setInterval(() => { if (!document.hidden) fn(); }, ms));
  state.onShow.push(fn);
}
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) for (const fn of state.onShow) fn();
});
function leavePage() {
  for (const t of state.timers) clearInterval(t);
  state.timers = [];
  state.onShow = [];
  for (const c of state.charts) c.destroy();
  state.charts = [];
  state.onLive = null;
  state.gen++;
}
function page() { return document.getElementById("page"); }
function route() {
  const h = location.hash.replace(/^#/, "") || "/";
  const q = h.indexOf("?");
  return { path: q < 0 ? h : h.slice(0, q), params: new URLSearchParams(q < 0 ? "" : h.slice(q + 1)) };
}
function go() {
  leavePage();
  const { path, params } = route();
  let nav = "overview";
  if (path === "/" || path === "") showOverview();
  else if (path === "/calls") { nav = "calls"; showCalls(params); }
  else if (path.startsWith("/call/")) { nav = "calls"; showCall(decodeURIComponent(path.slice(6))); }
  else if (/^CA[0-9a-fA-F]{32}$/.test(path)) { nav = "calls"; showCall(path); }   /* old links: /#CA... */
  else if (path === "/settings") { nav = "settings"; showSettings(); }
  else page().replaceChildren(el("p", { class: "err", text: "No page " + path }));
  for (const a of document.querySelectorAll("header nav a"))
    a.classList.toggle("on", a.dataset.nav === nav);
}
function badge(outcome) {
  return has(outcome) ? el("span", { class: "badge " + outcome, text: human(outcome) }) :
    el("span", { class: "muted", text: DASH });
}
function liveBadge() { return el("span", { class: "badge live", text: "in progress" }); }
function callLink(sid) { return "#/call/" + encodeURIComponent(sid); }
function callerOf(c) {
  const cu = c.customer || {};
  const name = [cu.first_name, cu.last_name].filter(has).join(" ") || c.customer_name;
  const num = c.direction === "outbound" ? c.to : c.from;
  return { name: has(name) ? name : null, number: has(num) ? num : null };
}

/* calls in progress, from the gateway's health answer (open, no call data) */
async function pollLive() {
  let n = null;
  try {
    const r = await fetch("/healthz", { cache: "no-store" });
    const j = await r.json();
    if (isNum(j.calls)) n = j.calls;
  } catch (e) { n = null; }
  const pill = document.getElementById("live");
  pill.classList.toggle("on", n > 0);
  pill.textContent = n === null ? "gateway not answering" : n === 0 ? "no calls in progress" :
    n === 1 ? "1 call in progress" : n + " calls in progress";
  if (n !== state.live) {
    const was = state.live;
    state.live = n;
    if (was !== null && state.onLive) state.onLive();
  }
}

/* ---- overview ---- */

/* [key, label, format, sub-line] */
const FIGURES = [
  ["calls", "Calls", fmtCount, (s) => has(s.inbound) || has(s.outbound) ?
    fmtCount(s.inbound) + " in \u00b7 " + fmtCount(s.outbound) + " out" : ""],
  ["bookings", "Bookings made", fmtCount],
  ["messages", "Messages taken", fmtCount],
  ["leads", "Sales leads", fmtCount],
  ["transfers", "Put through to staff", fmtCount, (s) => isNum(s.transfer_rate_pct) ?
    fmtPct(s.transfer_rate_pct) + " of calls" : ""],
  ["avg_duration_s", "Average call", fmtDur],
  ["v2v_ms_p50", "Reply time (typical)", fmtMs, (s) => isNum(s.v2v_ms_p95) ?
    "slowest 5%: " + fmtMs(s.v2v_ms_p95) : ""],
  ["first_word_ms_p50", "Greeting after pickup", fmtMs, (s) => isNum(s.first_word_ms_p95) ?
    "slowest 5%: " + fmtMs(s.first_word_ms_p95) : ""],
  ["cost_total_usd", "Cost", fmtUsd, (s) => isNum(s.cost_per_call_usd) ?
    fmtUsd(s.cost_per_call_usd) + " per call" : ""],
];

function figuresCard(id, title, from, to) {
  const card = el("section", { class: "card", id, "data-from": from, "data-to": to },
    el("div", { class: "row" }, el("h3", { text: title }),
      el("span", { class: "muted small", text: from === to ? fmtDay(from) :
        fmtDay(from) + " \u2013 " + fmtDay(to) })),
    el("div", { class: "figures" }, FIGURES.map(([key, label]) =>
      el("div", { class: "fig" }, el("div", { class: "label", text: label }),
        el("div", { class: "value", "data-stat": key, text: "\u2026" }),
        el("div", { class: "sub", "data-sub": key })))));
  return card;
}
function fillFigures(card, s) {
  for (const [key, , fmt, sub] of FIGURES) {
    const v = s ? s[key] : undefined;
    const e = card.querySelector('[data-stat="' + key + '"]');
    e.textContent = fmt(v);
    e.dataset.raw = JSON.stringify(v === undefined ? null : v);
    card.querySelector('[data-sub="' + key + '"]').textContent = s && sub ? sub(s) : "";
  }
}
async function stats(from, to) {
  const r = await api("/api/v1/stats?from=" + from + "&to=" + to);
  return r.status === 200 && r.body && typeof r.body === "object" ? r.body : null;
}

function showOverview() {
  const gen = state.gen;
  const today = todayKey();
  const back = (weekday(today) + 6) % 7;          /* the week starts on Monday */
  const weekFrom = addDays(today, -back);
  const rangeSel = el("select", { id: "range", "aria-label": "chart range" },
    [7, 14, 30].map((n) => el("option", { value: n, text: "last " + n + " days",
      selected: n === 14 })));
  const chartsMsg = el("p", { class: "muted small", id: "charts-msg" });
  const liveBox = el("div", { id: "recent" }, el("p", { class: "muted", text: "loading\u2026" }));
  const canvases = {
    perDay: el("canvas", { id: "chart-calls", "aria-label": "calls per day" }),
    outcomes: el("canvas", { id: "chart-outcomes", "aria-label": "outcome mix" }),
    latency: el("canvas", { id: "chart-latency", "aria-label": "reply time per day" }),
  };
  const todayCard = figuresCard("today", "Today", today, today);
  const weekCard = figuresCard("week", "This week", weekFrom, today);
  page().replaceChildren(
    el("h2", { text: "Overview" }),
    el("div", { class: "grid2" }, todayCard, weekCard),
    el("section", { class: "card" }, el("div", { class: "row" }, el("h3", { text: "Calls" }),
      el("a", { href: "#/calls", class: "small", text: "all calls \u2192" })), liveBox),
    el("section", { class: "card" },
      el("div", { class: "row" }, el("h3", { text: "Trends" }), rangeSel), chartsMsg,
      el("div", { class: "charts" },
        el("div", { class: "wide" }, el("div", { class: "muted small", text: "Calls per day" }),
          el("div", { class: "chart-box" }, canvases.perDay)),
        el("div", {}, el("div", { class: "muted small", text: "How calls ended" }),
          el("div", { class: "chart-box round" }, canvases.outcomes)),
        el("div", {}, el("div", { class: "muted small",
          text: "Reply time: caller stops talking \u2192 agent starts (typical and slowest 5%)" }),
          el("div", { class: "chart-box" }, canvases.latency)))));

  async function figures() {
    const [t, w] = await Promise.all([stats(today, today), stats(weekFrom, today)]);
    if (gen !== state.gen) return;
    fillFigures(todayCard, t);
    fillFigures(weekCard, w);
  }
  async function recent() {
    const r = await api("/api/v1/calls?limit=8");
    if (gen !== state.gen) return;
    const calls = r.body && Array.isArray(r.body.calls) ? r.body.calls : null;
    if (!calls) {
      liveBox.replaceChildren(el("p", { class: "err", text: "Cannot list calls: " + r.error }));
      return;
    }
    liveBox.replaceChildren(callTable(calls, true));
  }
  let lastCharts = "";
  async function charts() {
    const days = +rangeSel.value, from = addDays(today, -(days - 1));
    const s = await stats(from, today);
    if (gen !== state.gen) return;
    const sig = JSON.stringify([days, s]);
    if (sig === lastCharts) return;
    lastCharts = sig;
    drawCharts(canvases, chartsMsg, s, from, today);
  }
  rangeSel.addEventListener("change", charts);
  figures(); recent(); charts();
  every(OVERVIEW_POLL_MS, () => { figures(); charts(); });
  every(CALLS_POLL_MS, recent);
  state.onLive = () => { recent(); figures(); };
}

function drawCharts(cv, msg, s, from, to) {
  for (const c of state.charts) c.destroy();
  state.charts = [];
  if (typeof window.Chart !== "function") {
    msg.textContent = "The chart library did not load.";
    return;
  }
  const perDay = s && Array.isArray(s.per_day) ? s.per_day : null;
  msg.textContent = perDay ? "" : "This gateway gives no daily figures yet.";
  const byDate = new Map((perDay || []).map((d) => [d.date, d]));
  const keys = [];
  for (let k = from; k <= to; k = addDays(k, 1)) keys.push(k);
  const labels = keys.map(fmtShortDay);
  const col = (name, zero) => keys.map((k) => {
    const d = byDate.get(k);
    return d && isNum(d[name]) ? d[name] : zero ? 0 : null;
  });
  const common = { animation: false, responsive: true, maintainAspectRatio: false,
    plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } } };
  state.charts.push(new Chart(cv.perDay, {
    data: { labels, datasets: [
      { type: "bar", label: "Inbound", data: col("inbound", true), backgroundColor: "#2f6fde", stack: "c", order: 1 },
      { type: "bar", label: "Outbound", data: col("outbound", true), backgroundColor: "#9bb8ee", stack: "c", order: 1 },
      /* drawn over the bars (the lowest order is on top) */
      { type: "line", label: "Bookings", data: col("bookings", true), borderColor: "#1f8a4c",
        backgroundColor: "#1f8a4c", tension: 0.25, order: 0 },
    ] },
    options: Object.assign({}, common, { scales: { x: { stacked: true },
      y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }),
  }));
  const oc = s && s.outcomes && typeof s.outcomes === "object" ? s.outcomes : {};
  const names = Object.keys(oc).filter((k) => isNum(oc[k]) && oc[k] > 0)
    .sort((a, b) => oc[b] - oc[a]);
  const palette = ["#2f6fde", "#1f8a4c", "#e0a030", "#8e5bd8", "#c0392b", "#16a0a8",
    "#d16ba5", "#7b8794", "#b7791f", "#4c6ef5", "#52b788", "#f08c00", "#495057", "#a5d8ff", "#ffa8a8"];
  state.charts.push(new Chart(cv.outcomes, {
    type: "doughnut",
    data: { labels: names.length ? names.map(human) : ["no calls"], datasets: [{
      data: names.length ? names.map((k) => oc[k]) : [1],
      backgroundColor: names.length ? names.map((_, i) => palette[i % palette.length]) : ["#e3e6eb"] }] },
    options: Object.assign({}, common, { plugins: { legend: { position: "right",
      labels: { boxWidth: 12 } } } }),
  }));
  state.charts.push(new Chart(cv.latency, {
    type: "line",
    data: { labels, datasets: [
      { label: "typical (p50)", data: col("v2v_ms_p50"), borderColor: "#2f6fde",
        backgroundColor: "#2f6fde", spanGaps: true },
      { label: "slowest 5% (p95)", data: col("v2v_ms_p95"), borderColor: "#e0a030",
        backgroundColor: "#e0a030", spanGaps: true },
    ] },
    options: Object.assign({}, common, { scales: { y: { beginAtZero: true,
      ticks: { callback: (v) => fmtMs(v) } } } }),
  }));
}

/* ---- call list ---- */

function callTable(calls, compact) {
  if (!calls.length) return el("p", { class: "empty", text: "No calls yet." });
  const live = calls.filter((c) => !has(c.ended_at));
  const rows = calls.map((c) => {
    const who = callerOf(c);
    const tr = el("tr", { class: "call", "data-sid": c.call_sid },
      el("td", {}, el("a", { href: callLink(c.call_sid), text: fmtWhen(c.started_at) })),
      el("td", {}, who.name ? el("div", { text: who.name }) : null,
        el("div", { class: who.name ? "muted small" : "", text: who.number || "unknown number" })),
      el("td", { text: c.direction === "outbound" ? "outgoing" : "incoming" }),
      el("td", { class: "num", text: has(c.ended_at) ? fmtDur(durationOf(c)) : "" }),
      el("td", {}, has(c.ended_at) ? badge(c.outcome) : liveBadge()));
    tr.addEventListener("click", (e) => {
      if (e.target.tagName !== "A") location.hash = callLink(c.call_sid);
    });
    return tr;
  });
  return el("div", {}, compact && live.length ?
    el("p", { class: "small", text: live.length === 1 ? "1 call in progress now." :
      live.length + " calls in progress now." }) : null,
    el("table", { class: "calls" }, el("thead", {}, el("tr", {},
      el("th", { text: "When" }), el("th", { text: "Caller" }), el("th", { text: "Direction" }),
      el("th", { class: "num", text: "Length" }), el("th", { text: "Outcome" }))),
    el("tbody", {}, rows)));
}

/* The old API lists calls without filters (no "total" in its answer):
 * the filters are then applied here to what it gave. */
function filterHere(calls, f) {
  const q = (f.q || "").toLowerCase();
  return calls.filter((c) => {
    const w = wall(c.started_at), k = w ? dayKey(w) : "";
    if (f.from && k < f.from) return false;
    if (f.to && k > f.to) return false;
    if (f.outcome && c.outcome !== f.outcome) return false;
    if (f.direction && c.direction !== f.direction) return false;
    if (q && ![c.from, c.to, c.outcome, c.call_sid].some((v) => has(v) &&
      String(v).toLowerCase().includes(q))) return false;
    return true;
  });
}

function showCalls(params) {
  const gen = state.gen;
  const f = { from: params.get("from") || "", to: params.get("to") || "",
    outcome: params.get("outcome") || "", direction: params.get("direction") || "",
    q: params.get("q") || "", offset: Math.max(0, parseInt(params.get("offset") || "0", 10) || 0) };
  const inputs = {
    from: el("input", { type: "date", name: "from", value: f.from }),
    to: el("input", { type: "date", name: "to", value: f.to }),
    outcome: el("select", { name: "outcome" }, el("option", { value: "", text: "any" }),
      OUTCOMES.map((o) => el("option", { value: o, text: human(o), selected: o === f.outcome }))),
    direction: el("select", { name: "direction" }, el("option", { value: "", text: "any" }),
      el("option", { value: "inbound", text: "incoming", selected: f.direction === "inbound" }),
      el("option", { value: "outbound", text: "outgoing", selected: f.direction === "outbound" })),
    q: el("input", { type: "search", name: "q", value: f.q, placeholder: "number, name or words said" }),
  };
  const apply = (offset) => {
    const p = new URLSearchParams();
    for (const k of Object.keys(inputs)) if (inputs[k].value) p.set(k, inputs[k].value);
    if (offset) p.set("offset", offset);
    const h = "#/calls" + (p.toString() ? "?" + p : "");
    if (location.hash !== h) location.hash = h; else load();
  };
  let typing;
  for (const k of Object.keys(inputs)) {
    inputs[k].addEventListener(k === "q" ? "input" : "change", () => {
      clearTimeout(typing);
      typing = setTimeout(() => { state.typingQ = k === "q"; apply(0); }, k === "q" ? 400 : 0);
    });
  }
  const list = el("div", { id: "call-list" }, el("p", { class: "muted", text: "loading\u2026" }));
  const info = el("span", { class: "muted small", id: "page-info" });
  const prev = el("button", { class: "plain", id: "prev", text: "\u2190 Newer", disabled: true });
  const next = el("button", { class: "plain", id: "next", text: "Older \u2192", disabled: true });
  page().replaceChildren(el("h2", { text: "Calls" }),
    el("section", { class: "card" }, el("form", { class: "filters", onsubmit: (e) => {
      e.preventDefault(); apply(0); } },
    el("label", {}, "From", inputs.from), el("label", {}, "To", inputs.to),
    el("label", {}, "Outcome", inputs.outcome), el("label", {}, "Direction", inputs.direction),
    el("label", {}, "Search", inputs.q),
    el("button", { class: "plain", type: "button", text: "Clear", onclick: () => {
      location.hash = "#/calls"; } }))),
    el("section", { class: "card" }, list, el("div", { class: "pager" }, info, prev, next)));

  /* the list is redrawn as the search is typed: keep typing */
  if (state.typingQ) {
    state.typingQ = false;
    inputs.q.focus();
    inputs.q.setSelectionRange(inputs.q.value.length, inputs.q.value.length);
  }
  let last = "", nextOffset = null;
  prev.addEventListener("click", () => apply(Math.max(0, f.offset - PAGE_SIZE)));
  next.addEventListener("click", () => { if (nextOffset !== null) apply(nextOffset); });
  async function load() {
    const p = new URLSearchParams({ limit: PAGE_SIZE });
    for (const k of ["from", "to", "outcome", "direction", "q"]) if (f[k]) p.set(k, f[k]);
    if (f.offset) p.set("offset", f.offset);
    const r = await api("/api/v1/calls?" + p);
    if (gen !== state.gen) return;
    const b = r.body;
    if (!b || !Array.isArray(b.calls)) {
      list.replaceChildren(el("p", { class: "err", text: "Cannot list calls: " + r.error }));
      return;
    }
    const sig = JSON.stringify(b);
    if (sig === last) return;
    last = sig;
    const paged = isNum(b.total);
    const calls = paged ? b.calls : filterHere(b.calls, f);
    list.replaceChildren(callTable(calls, false));
    if (paged) {
      info.textContent = b.total === 0 ? "" : (f.offset + 1) + "\u2013" +
        (f.offset + calls.length) + " of " + b.total;
      nextOffset = isNum(b.next) ? b.next : typeof b.next === "string" &&
        /offset=(\d+)/.test(b.next) ? +/offset=(\d+)/.exec(b.next)[1] :
        has(b.next) ? f.offset + PAGE_SIZE : null;
    } else {
      info.textContent = calls.length + " most recent";
      nextOffset = null;
    }
    prev.disabled = f.offset === 0;
    next.disabled = nextOffset === null;
  }
  load();
  every(CALLS_POLL_MS, load);
  state.onLive = load;
}

/* ---- one call ---- */

/* Speech markup for the synthesiser (<spell>555-987-1021</spell>, <break/>)
 * is not what the caller heard written down: drop the tags, keep the words. */
function plain(s) {
  return String(s === undefined || s === null ? "" : s)
    .replace(/<\/?[A-Za-z][\w-]*(\s[^<>]*)?\/?>/g, "").replace(/[ \t]{2,}/g, " ").trim();
}
const DTMF = /^\s*\[DTMF\s+([0-9A-D*#]+)\]\s*$/i;

/* The record's turns as the page shows them: caller keypresses in a row
 * become one "keyed 5559871021" turn. */
function buildTurns(c) {
  const start = parseStamp(c.started_at);
  const out = [];
  for (const t of Array.isArray(c.turns) ? c.turns : []) {
    const role = t.role === "agent" || t.role === "caller" ? t.role : "system";
    let at = isNum(t.start_ms) ? t.start_ms : null;
    if (at === null && start && parseStamp(t.at)) at = parseStamp(t.at) - start;
    const m = role === "caller" ? DTMF.exec(String(t.text || "")) : null;
    const prevT = out[out.length - 1];
    if (m && prevT && prevT.keys !== undefined) {
      prevT.keys += m[1];
      prevT.end = isNum(t.end_ms) ? t.end_ms : prevT.end;
      continue;
    }
    const turn = { role, at, end: isNum(t.end_ms) ? t.end_ms : null,
      confidence: isNum(t.confidence) ? t.confidence : null, reply: null };
    /* how long the caller waited: their turn's end to the agent's start */
    if (role === "agent" && prevT && prevT.role === "caller" && isNum(t.start_ms) && prevT.end !== null)
      turn.reply = t.start_ms - prevT.end;
    if (m) turn.keys = m[1];
    else {
      turn.text = plain(t.text);
      /* barged_in where the record has it; before, an agent turn the
       * caller did not hear whole was one they cut off */
      turn.barged = "barged_in" in t ? t.barged_in === true : role === "agent" && t.heard === false;
      turn.heard = has(t.heard_text) ? plain(t.heard_text) : null;
    }
    out.push(turn);
  }
  return out;
}

function turnView(t, start) {
  const who = t.role === "agent" ? "Agent" : t.role === "caller" ? "Caller" : "Note";
  const meta = el("div", { class: "meta" }, el("span", { text: who }));
  if (t.at !== null) {
    meta.append(el("span", { text: fmtOffset(t.at) }));
    if (start) meta.append(el("span", { text: fmtTime(new Date(start.getTime() + t.at), true) }));
  }
  if (t.role === "caller" && t.confidence !== null)
    meta.append(el("span", { text: Math.round(t.confidence * 100) + "% sure" }));
  if (t.reply !== null && t.reply >= 0)
    meta.append(el("span", { title: "from the caller's last word to the agent's first", text: "replied in " + fmtMs(t.reply) }));
  if (t.keys !== undefined)
    return el("div", { class: "turn caller keys", "data-role": "caller" }, meta,
      el("div", { text: "keyed " + t.keys }));
  const box = el("div", { class: "turn " + t.role + (t.barged ? " barged" : ""),
    "data-role": t.role, "data-barged": t.barged ? "1" : null }, meta);
  if (t.barged) {
    meta.append(el("span", { class: "badge cut", text: "cut off by the caller" }));
    if (t.heard !== null && t.text.startsWith(t.heard) && t.heard.length < t.text.length) {
      box.append(el("div", {}, t.heard, t.heard ? " " : "",
        el("span", { class: "unheard", title: "not heard: the caller spoke over it",
          text: t.text.slice(t.heard.length).trim() })));
      return box;
    }
  }
  box.append(el("div", { text: t.text }));
  return box;
}

function json(v) { return JSON.stringify(v, null, 2); }

function toolRows(c, start) {
  const tools = Array.isArray(c.tool_calls) ? c.tool_calls : [];
  if (!tools.length) return el("p", { class: "muted", text: "The agent used no tools on this call." });
  return el("table", {}, el("thead", {}, el("tr", {}, el("th", { text: "When" }),
    el("th", { text: "Tool" }), el("th", { text: "Result" }), el("th", { class: "num", text: "Took" }))),
  el("tbody", {}, tools.map((x) => {
    const at = parseStamp(x.at);
    return el("tr", {},
      el("td", { class: "small", text: at && start ? fmtOffset(at - start) : DASH }),
      el("td", {}, el("details", {}, el("summary", { text: human(x.tool || "?") }),
        el("div", { class: "small muted", text: "asked with" }), el("pre", { text: json(x.args) }),
        el("div", { class: "small muted", text: "answer" }), el("pre", { text: json(x.result) }))),
      el("td", {}, x.ok === false ? el("span", { class: "err", text: "failed" +
        (has(x.code) ? " (" + x.code + ")" : "") }) : el("span", { class: "ok", text: "ok" })),
      el("td", { class: "num", text: isNum(x.latency_ms) ? fmtMs(x.latency_ms) : DASH }));
  })));
}

function appointmentsOf(c) {
  const list = [];
  if (c.appointment && typeof c.appointment === "object") list.push(c.appointment);
  if (Array.isArray(c.appointments))
    for (const a of c.appointments) if (!list.some((b) => b.id === a.id)) list.push(a);
  return list;
}
function apptView(a) {
  const did = Array.isArray(a.on_call) && a.on_call.length ? a.on_call.join(", ") : null;
  return el("div", { class: "appt " + (a.status || ""), "data-appointment": a.id },
    el("div", {}, el("strong", { text: human(a.service || "appointment") }), " \u00b7 ",
      fmtWall(a.start || a.starts_at)),
    el("div", { class: "small muted" }, [has(a.status) ? "status " + a.status : null,
      has(a.confirmation) ? "confirmation " + a.confirmation : null,
      did ? "this call: " + did : null, has(a.id) ? "#" + a.id : null].filter(has).join(" \u00b7 ")));
}

function recordingView(c) {
  const rec = c.recording;
  if (!rec || typeof rec !== "object" || !has(rec.url))
    return el("p", { class: "muted", id: "no-recording", text: has(c.ended_at) ?
      "No recording of this call." : "The recording is ready when the call ends." });
  return el("div", {}, el("audio", { controls: true, preload: "metadata", src: rec.url, id: "recording" }),
    el("div", { class: "small muted" }, fmtDur(rec.duration_s), " \u00b7 ", fmtBytes(rec.bytes),
      " \u00b7 ", el("a", { href: rec.url, download: (c.call_sid || "call") + ".wav", text: "download" })));
}

const COST_LABELS = { telephony_usd: "Phone line", stt_usd: "Speech recognition",
  tts_usd: "Voice", llm_usd: "Language model", telephony_min: "Phone minutes",
  stt_s: "Seconds recognised", tts_chars: "Characters spoken", llm_tokens: "Language model tokens" };
function costView(c) {
  const cost = c.cost;
  if (!cost || typeof cost !== "object") return el("p", { class: "muted", text: DASH });
  const rows = Object.entries(cost).filter(([k, v]) => k !== "total_usd" && v !== null);
  const val = (k, v) => !isNum(v) ? (typeof v === "object" ? JSON.stringify(v) : String(v)) :
    /_usd$/.test(k) ? fmtUsd(v) : Number.isInteger(v) ? fmtCount(v) :
      v.toLocaleString("en-US", { maximumFractionDigits: 2 });
  return el("div", {}, el("div", { class: "fig" }, el("div", { class: "label", text: "Total" }),
    el("div", { class: "value", id: "cost-total", text: fmtUsd(cost.total_usd) })),
  rows.length ? el("dl", { class: "kv small" }, rows.flatMap(([k, v]) => [
    el("dt", { text: COST_LABELS[k] || human(k) }), el("dd", { text: val(k, v) })])) : null);
}

function showCall(sid) {
  const gen = state.gen;
  let last = "";
  page().replaceChildren(el("p", { class: "muted", text: "loading call\u2026" }));
  async function load() {
    const r = await api("/api/v1/calls/" + encodeURIComponent(sid));
    if (gen !== state.gen) return;
    if (r.status !== 200 || !r.body) {
      page().replaceChildren(el("p", { class: "err", text: r.status === 404 ?
        "There is no call " + sid + "." : "Cannot load the call: " + r.error }),
      el("a", { href: "#/calls", text: "\u2190 all calls" }));
      return;
    }
    const sig = JSON.stringify(r.body);
    if (sig === last) return;
    /* a playing recording is not interrupted by a refresh */
    const audio = document.getElementById("recording");
    if (last && audio && !audio.paused) return;
    last = sig;
    render(r.body);
  }
  function render(c) {
    const start = parseStamp(c.started_at);
    const who = callerOf(c);
    const turns = buildTurns(c);
    const live = !has(c.ended_at);
    page().replaceChildren(
      el("p", { class: "small" }, el("a", { href: "#/calls", text: "\u2190 all calls" })),
      el("div", { class: "row" }, el("h2", { text: (c.direction === "outbound" ? "Call to " :
        "Call from ") + (who.name ? who.name + " (" + (who.number || "unknown") + ")" :
        who.number || "an unknown number") }), live ? liveBadge() : badge(c.outcome)),
      el("div", { class: "grid2" },
        el("section", { class: "card" }, el("h3", { text: "Summary" }), el("dl", { class: "kv" },
          el("dt", { text: "When" }), el("dd", { id: "call-when", text: fmtWhen(c.started_at) }),
          el("dt", { text: "Length" }), el("dd", { text: live ? "in progress" : fmtDur(durationOf(c)) }),
          el("dt", { text: "Direction" }), el("dd", { text: c.direction === "outbound" ? "outgoing" : "incoming" }),
          el("dt", { text: "From" }), el("dd", { text: c.from || DASH }),
          el("dt", { text: "To" }), el("dd", { text: c.to || DASH }),
          el("dt", { text: "Outcome" }), el("dd", { id: "call-outcome" }, live ? liveBadge() : badge(c.outcome)),
          el("dt", { text: "Ended" }), el("dd", { text: has(c.end_reason) ? human(c.end_reason) : DASH }),
          c.customer ? [el("dt", { text: "Customer" }), el("dd", { text:
            [c.customer.first_name, c.customer.last_name].filter(has).join(" ") +
            (has(c.customer.identity) ? " (" + (c.customer.identity === "verified" ?
              "identity checked" : "by caller ID") + ")" : "") })] : null,
          has(c.notes) ? [el("dt", { text: "Notes" }), el("dd", { text: plain(c.notes) })] : null)),
        el("div", {},
          el("section", { class: "card" }, el("h3", { text: "Recording" }), recordingView(c)),
          el("section", { class: "card", id: "appointments" }, el("h3", { text: "Appointment" }),
            appointmentsOf(c).length ? appointmentsOf(c).map(apptView) :
              el("p", { class: "muted", text: "This call made or changed no appointment." })),
          el("section", { class: "card" }, el("h3", { text: "Cost" }), costView(c)))),
      el("section", { class: "card" }, el("h3", { text: "Transcript" }),
        el("div", { class: "transcript", id: "transcript" }, turns.length ?
          turns.map((t) => turnView(t, wall(c.started_at))) : el("p", { class: "muted", text: "Nothing was said." }))),
      el("section", { class: "card" }, el("h3", { text: "What the agent looked up and did" }),
        toolRows(c, start)));
  }
  load();
  every(CALL_POLL_MS, () => { if (!last || !/"ended_at":"/.test(last)) load(); });
}

/* ---- settings ---- */

/* A form for any JSON object: text, numbers, switches, lists; the value
 * edited is draft, written back as the inputs change. */
function editor(draft, onChange) {
  function set(obj, key, v) { obj[key] = v; onChange(); }
  function field(obj, key, label) {
    const v = obj[key];
    if (v !== null && typeof v === "object") return group(obj, key, label);
    let input;
    if (typeof v === "boolean") {
      input = el("input", { type: "checkbox", checked: v, onchange: (e) => set(obj, key, e.target.checked) });
    } else if (typeof v === "number") {
      input = el("input", { type: "number", step: "any", value: v, oninput: (e) =>
        set(obj, key, e.target.value === "" ? null : Number(e.target.value)) });
    } else {
      const s = v === null ? "" : String(v);
      const long = s.length > 70 || s.includes("\n") || /greeting|persona|prompt|message/i.test(key);
      input = el(long ? "textarea" : "input", { type: long ? null : "text", oninput: (e) =>
        set(obj, key, e.target.value === "" && v === null ? null : e.target.value) });
      input.value = s;
    }
    input.name = label;
    return el("label", { class: "field" }, el("span", { text: human(key) }), input);
  }
  function group(obj, key, label) {
    const v = obj[key];
    if (Array.isArray(v)) {
      if (v.every((x) => x === null || typeof x !== "object")) {
        /* a list of words, dates, numbers: one a line */
        const nums = v.length && v.every(isNum);
        const ta = el("textarea", { name: label, rows: Math.min(8, Math.max(2, v.length + 1)),
          oninput: (e) => set(obj, key, e.target.value.split("\n").map((x) => x.trim())
            .filter(has).map((x) => nums ? Number(x) : x)) });
        ta.value = v.join("\n");
        return el("label", { class: "field" }, el("span", {}, human(key),
          el("div", { class: "small", text: "one a line" })), ta);
      }
      const box = el("fieldset", {}, el("legend", { text: human(key) }));
      const redraw = () => {
        box.replaceChildren(el("legend", { text: human(key) }));
        v.forEach((item, i) => box.append(el("div", { class: "list-item" },
          Object.keys(item).map((k) => field(item, k, label + "." + i + "." + k)),
          el("button", { type: "button", class: "plain", text: "Remove", onclick: () => {
            v.splice(i, 1); onChange(); redraw(); } }))));
        box.append(el("button", { type: "button", class: "plain", text: "Add", onclick: () => {
          v.push(blank(v[0] || {})); onChange(); redraw(); } }));
      };
      redraw();
      return box;
    }
    return el("fieldset", {}, el("legend", { text: human(key) }),
      Object.keys(v).map((k) => field(v, k, label + "." + k)));
  }
  function blank(proto) {
    const o = {};
    for (const [k, x] of Object.entries(proto))
      o[k] = Array.isArray(x) ? [] : typeof x === "number" ? 0 : typeof x === "boolean" ? false :
        x && typeof x === "object" ? blank(x) : "";
    return o;
  }
  return el("div", {}, Object.keys(draft).map((k) => field(draft, k, k)));
}

function showSettings() {
  const gen = state.gen;
  page().replaceChildren(el("h2", { text: "Settings" }), el("p", { class: "muted", text: "loading\u2026" }));
  api("/api/v1/config").then((r) => {
    if (gen !== state.gen) return;
    if (r.status === 403 || r.status === 404 || r.status === 405 || !r.body || typeof r.body !== "object") {
      page().replaceChildren(el("h2", { text: "Settings" }), el("p", { class: "muted", id: "settings-msg",
        text: r.status === 403 ? "Your sign-in may only read calls: settings need an admin token." :
          r.status === 404 || r.status === 405 ? "This gateway does not offer its settings over the API yet." :
            "Cannot load the settings: " + r.error }));
      return;
    }
    applyConfig(r.body);
    settingsForm(r.body);
  });
}

function settingsForm(cfg) {
  let draft = JSON.parse(JSON.stringify(cfg)), raw = false;
  const status = el("span", { id: "settings-status", class: "small" });
  const save = el("button", { class: "primary", id: "save", text: "Save", disabled: true });
  const form = el("div", { id: "settings-form" });
  const rawBox = el("textarea", { class: "raw", id: "settings-raw", spellcheck: "false" });
  const toggle = el("button", { class: "plain", type: "button", text: "Edit as JSON" });
  const dirty = () => { save.disabled = false; status.textContent = "unsaved changes"; status.className = "small muted"; };
  const draw = () => {
    if (raw) {
      rawBox.value = json(draft);
      form.replaceChildren(rawBox);
    } else form.replaceChildren(editor(draft, dirty));
    toggle.textContent = raw ? "Edit as a form" : "Edit as JSON";
  };
  rawBox.addEventListener("input", dirty);
  toggle.addEventListener("click", () => {
    if (raw) {
      try { draft = JSON.parse(rawBox.value); } catch (e) {
        status.textContent = "Not valid JSON: " + e.message; status.className = "small err"; return;
      }
    }
    raw = !raw; draw();
  });
  save.addEventListener("click", async () => {
    let body = draft;
    if (raw) {
      try { body = JSON.parse(rawBox.value); } catch (e) {
        status.textContent = "Not valid JSON: " + e.message; status.className = "small err"; return;
      }
    }
    save.disabled = true;
    status.textContent = "saving\u2026"; status.className = "small muted";
    const r = await api("/api/v1/config", { method: "PUT", body: JSON.stringify(body),
      headers: { "content-type": "application/json", accept: "application/json" } });
    if (r.status >= 200 && r.status < 300) {
      const now = r.body && typeof r.body === "object" && !Array.isArray(r.body) &&
        Object.keys(r.body).length > 1 ? r.body : body;
      draft = JSON.parse(JSON.stringify(now));
      applyConfig(now);
      status.textContent = "Saved: every part of the receptionist uses these settings now.";
      status.className = "small ok";
      draw();
    } else {
      const b = r.body || {};
      const where = b.field || b.path || b.key;
      status.textContent = "Not saved: " + (where ? where + ": " : "") + (r.error || "error") +
        (Array.isArray(b.errors) ? " \u2014 " + b.errors.map((x) => typeof x === "string" ? x :
          (x.field ? x.field + ": " : "") + (x.error || x.message || JSON.stringify(x))).join("; ") : "");
      status.className = "small err";
      save.disabled = false;
    }
  });
  draw();
  page().replaceChildren(el("h2", { text: "Settings" }),
    el("p", { class: "muted small", text: "What the receptionist knows about the business: " +
      "its name, greeting, hours, services and switches. Saved settings apply at once." }),
    el("section", { class: "card" }, form), el("div", { class: "savebar" }, save, toggle, status));
}

/* the business name in the header, once the settings have been read */
function applyConfig(cfg) {
  const c = cfg && cfg.config && typeof cfg.config === "object" ? cfg.config : cfg;
  const b = c && c.business && typeof c.business === "object" ? c.business : {};
  if (has(b.name)) document.getElementById("business").textContent = b.name;
}

async function start() {
  /* the business's offset from the newest call (none yet: the browser's) */
  const r = await api("/api/v1/calls?limit=1");
  if (r.body && Array.isArray(r.body.calls) && r.body.calls.length) learnOffset(r.body.calls[0].started_at);
  /* the business's name in the header, for a viewer too */
  api("/api/v1/gateway").then((g) => {
    if (g.body && has(g.body.business)) document.getElementById("business").textContent = g.body.business;
  });
  window.addEventListener("hashchange", go);
  go();
  pollLive();
  setInterval(pollLive, LIVE_POLL_MS);
}
start();
})();
