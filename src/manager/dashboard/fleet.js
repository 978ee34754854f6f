// The fleet page: every node in one table, kept live by the SSE stream.
import {
  age,
  bytes,
  clock,
  complianceBadge,
  configForm,
  connectionPill,
  describeConfig,
  el,
  now,
  pct,
  stateBadge,
  stream,
} from "/static/common.js";

const nodes = new Map();
const tbody = document.querySelector("#nodes tbody");
const events = document.querySelector("#events");
const setStatus = connectionPill(document.querySelector("#conn"));
const MAX_EVENTS = 100;
const ratio = (v) => (v === undefined ? "" : pct(v * 100));

function row(n) {
  const v = n.latest?.values ?? {};
  const rate = (a, b) => (a === undefined && b === undefined ? "" : `${bytes(a)}/s · ${bytes(b)}/s`);
  const applied = n.applied ? describeConfig(n.applied) : "—";
  return el(
    "tr",
    { "data-node": n.node, "data-state": n.state },
    el("td", {}, el("a", { href: `/nodes/${encodeURIComponent(n.node)}`, text: n.node })),
    el("td", { class: "state-cell" }, stateBadge(n.state)),
    el("td", { "data-since": n.since, title: new Date(n.since).toISOString() }),
    el("td", { "data-report": n.lastHeartbeat ?? "", "data-alive": n.state === "ALIVE" }),
    el("td", {}, applied),
    el("td", {}, complianceBadge(n.compliance)),
    el("td", { class: "num" }, ratio(v["cpu.usage_ratio"])),
    el(
      "td",
      { class: "num" },
      v["memory.used_ratio"] === undefined
        ? ""
        : `${ratio(v["memory.used_ratio"])} of ${bytes(v["memory.total_bytes"])}`,
    ),
    el("td", { class: "num" }, v["load.load1"]?.toFixed(2) ?? ""),
    el("td", { class: "num" }, rate(v["network.rx_bytes_per_s"], v["network.tx_bytes_per_s"])),
    el("td", { class: "num" }, rate(v["disk_io.read_bytes_per_s"], v["disk_io.write_bytes_per_s"])),
    el("td", { class: "num" }, v["process_count.count"]?.toString() ?? ""),
  );
}

/** Ages change every second without any event: refreshed in place. */
function tick() {
  const t = now();
  for (const td of tbody.querySelectorAll("td[data-since]"))
    td.textContent = `${age(t - Number(td.dataset.since))} ago`;
  for (const td of tbody.querySelectorAll("td[data-report]")) {
    const at = Number(td.dataset.report);
    const when = at ? `${age(t - at)} ago` : "—";
    td.textContent = td.dataset.alive === "true" ? `${when} · lease live` : when;
  }
}

function render() {
  const sorted = [...nodes.values()].sort((a, b) => a.node.localeCompare(b.node));
  tbody.replaceChildren(...sorted.map(row));
  document.querySelector("#empty").hidden = sorted.length > 0;
  const counts = { ALIVE: 0, DEAD: 0, LEFT: 0 };
  for (const n of sorted) counts[n.state]++;
  document
    .querySelector("#counts")
    .replaceChildren(
      el("div", { class: "count" }, el("b", { text: String(sorted.length) }), el("span", { text: "nodes" })),
      ...Object.entries(counts).map(([s, c]) =>
        el("div", { class: "count" }, el("b", { text: String(c) }), el("span", {}, stateBadge(s))),
      ),
    );
  tick();
}

function addEvent(e, prepend = true) {
  const li = el(
    "li",
    {},
    el("time", { datetime: new Date(e.at).toISOString(), text: clock(e.at) }),
    stateBadge(e.state),
    el("a", { href: `/nodes/${encodeURIComponent(e.node)}`, text: e.node }),
    el("span", { class: "muted", text: e.reason }),
  );
  if (prepend) events.prepend(li);
  else events.append(li);
  while (events.children.length > MAX_EVENTS) events.lastChild.remove();
}

async function loadEvents() {
  const res = await fetch(`/api/events?limit=${MAX_EVENTS}`);
  const { events: list } = await res.json();
  events.replaceChildren();
  for (const e of list) addEvent(e, false);
}

let pending = false;
function scheduleRender() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    render();
  });
}

stream(
  "/api/stream",
  {
    status: setStatus,
    snapshot: (list) => {
      nodes.clear();
      for (const n of list) nodes.set(n.node, n);
      scheduleRender();
      loadEvents();
    },
    nodes: (list) => {
      for (const n of list) nodes.set(n.node, n);
      scheduleRender();
    },
    transition: (e) => addEvent(e),
  },
  (up) => {
    if (!up) setStatus(false);
  },
);
setInterval(tick, 1000);
configForm(document.querySelector("#config"), { kind: "default" });
