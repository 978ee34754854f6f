// The fleet page: problems first, one page of rows at a time, kept live by the SSE stream.
// Updates are row patches: an existing row's changed cells are rewritten in place and rows
// are only moved when the order changes, so keyboard focus and scroll survive updates.
// The view (search, state filter, sort, page) lives in the URL, so a link shows the same view.
import {
  age,
  api,
  bytes,
  complianceBadge,
  configForm,
  connectionPill,
  describeConfig,
  el,
  now,
  stateBadge,
  stream,
} from "/static/common.js";
import { arrange, GROUPS, searchFromView, viewFromSearch } from "/static/fleet-order.js";

const PAGE_SIZE = 100;
const MAX_EVENTS = 100;
const nodes = new Map();
const rowEls = new Map();
const tbody = document.querySelector("#nodes tbody");
const events = document.querySelector("#events");
const announce = document.querySelector("#announce");
const search = document.querySelector("#search");
const setStatus = connectionPill(document.querySelector("#conn"));
let view = viewFromSearch(location.search);
search.value = view.q;

const ratio = (v) => (v === undefined ? "" : `${(v * 100).toFixed(1)} %`);
const rate = (a, b) => (a === undefined && b === undefined ? "" : `${bytes(a ?? 0)}/s · ${bytes(b ?? 0)}/s`);

/** One time format on the page: relative, the absolute local time on hover. */
function timeEl(at, suffix = "") {
  if (!at) return el("span", { text: "—" });
  return el("time", {
    datetime: new Date(at).toISOString(),
    title: new Date(at).toLocaleString(),
    "data-at": at,
    "data-suffix": suffix,
    text: `${age(now() - at)} ago${suffix}`,
  });
}

/** Cell definitions: a key that changes when the content must, and the content. */
const CELLS = [
  {
    cls: "",
    key: (n) => n.node,
    make: (n) => el("a", { href: `/nodes/${encodeURIComponent(n.node)}`, text: n.node }),
  },
  { cls: "state-cell", key: (n) => n.state, make: (n) => stateBadge(n.state) },
  { cls: "col-since", key: (n) => n.since, make: (n) => timeEl(n.since) },
  {
    cls: "col-report",
    key: (n) => `${n.lastHeartbeat}|${n.state}`,
    make: (n) => timeEl(n.lastHeartbeat, n.state === "ALIVE" ? " · lease live" : ""),
  },
  {
    cls: "col-config",
    key: (n) => JSON.stringify([n.compliance, n.applied?.interval, n.applied?.metrics]),
    make: (n) => {
      const badge = complianceBadge(n.compliance);
      badge.title = `applied: ${n.applied ? describeConfig(n.applied) : "—"}; desired: ${describeConfig(n.desired)}${badge.title ? `; ${badge.title}` : ""}`;
      return badge;
    },
  },
  { cls: "num", key: (n) => v(n, "cpu.usage_ratio"), make: (n) => ratio(v(n, "cpu.usage_ratio")) },
  {
    cls: "num col-memory",
    key: (n) => `${v(n, "memory.used_ratio")}|${v(n, "memory.total_bytes")}`,
    make: (n) =>
      v(n, "memory.used_ratio") === undefined
        ? ""
        : `${ratio(v(n, "memory.used_ratio"))} of ${bytes(v(n, "memory.total_bytes"))}`,
  },
  { cls: "num col-load", key: (n) => v(n, "load.load1"), make: (n) => v(n, "load.load1")?.toFixed(2) ?? "" },
  {
    cls: "num col-net",
    key: (n) => `${v(n, "network.rx_bytes_per_s")}|${v(n, "network.tx_bytes_per_s")}`,
    make: (n) => rate(v(n, "network.rx_bytes_per_s"), v(n, "network.tx_bytes_per_s")),
  },
  {
    cls: "num col-disk",
    key: (n) => `${v(n, "disk_io.read_bytes_per_s")}|${v(n, "disk_io.write_bytes_per_s")}`,
    make: (n) => rate(v(n, "disk_io.read_bytes_per_s"), v(n, "disk_io.write_bytes_per_s")),
  },
  {
    cls: "num col-procs",
    key: (n) => v(n, "process_count.count"),
    make: (n) => v(n, "process_count.count")?.toString() ?? "",
  },
  {
    cls: "col-actions",
    key: (n) => n.state,
    make: (n) =>
      n.state === "ALIVE"
        ? ""
        : el("button", {
            class: "forget",
            type: "button",
            "data-node": n.node,
            text: "Forget",
            title: `Forget ${n.node}`,
          }),
  },
];
const v = (n, key) => n.latest?.values?.[key];

function patchRow(tr, n) {
  tr.dataset.state = n.state;
  CELLS.forEach((cell, i) => {
    const td = tr.children[i];
    const key = String(cell.key(n));
    if (td.dataset.k === key) return;
    td.dataset.k = key;
    td.replaceChildren(cell.make(n));
  });
}

function makeRow(n) {
  const tr = el("tr", { "data-node": n.node });
  for (const cell of CELLS) tr.append(el("td", { class: cell.cls || undefined }));
  return tr;
}

function renderCounts(counts) {
  const box = document.querySelector("#counts");
  const buttons = [
    { id: "", label: "all nodes", n: counts.all },
    ...GROUPS.map((g) => ({ ...g, n: counts[g.id] })),
  ];
  if (box.children.length !== buttons.length) {
    box.replaceChildren(
      ...buttons.map((b) =>
        el(
          "button",
          { type: "button", class: `count group-${b.id || "all"}`, "data-group": b.id },
          el("b"),
          el("span", {}, b.id === "DEAD" || b.id === "LEFT" || b.id === "ALIVE" ? stateBadge(b.id) : b.label),
        ),
      ),
    );
  }
  buttons.forEach((b, i) => {
    const button = box.children[i];
    button.querySelector("b").textContent = String(b.n);
    button.setAttribute("aria-pressed", String(view.group === b.id));
    button.setAttribute("aria-label", `${b.n} ${b.label}${view.group === b.id ? " (shown)" : ""}`);
  });
}

function renderHeaders() {
  for (const th of document.querySelectorAll("#nodes th[data-sort]")) {
    const key = th.dataset.sort;
    if (!th.querySelector("button")) {
      const label = th.textContent;
      th.replaceChildren(el("button", { type: "button", class: "sort", text: label }));
    }
    const active = view.sort === key;
    th.setAttribute("aria-sort", active ? (view.dir === "desc" ? "descending" : "ascending") : "none");
  }
}

function renderPager(result) {
  const pager = document.querySelector("#pager");
  if (result.pages <= 1) {
    pager.replaceChildren();
    return;
  }
  const first = (result.page - 1) * PAGE_SIZE + 1;
  const last = Math.min(result.total, result.page * PAGE_SIZE);
  const go = (page, text, disabled) =>
    el("button", { type: "button", class: "page", "data-page": page, text, disabled: disabled || undefined });
  pager.replaceChildren(
    go(result.page - 1, "‹ Previous", result.page <= 1),
    el("span", {
      class: "muted",
      text: `${first}–${last} of ${result.total} · page ${result.page} of ${result.pages}`,
    }),
    go(result.page + 1, "Next ›", result.page >= result.pages),
  );
}

function render() {
  const result = arrange(nodes.values(), view, PAGE_SIZE);
  renderCounts(result.counts);
  renderHeaders();
  renderPager(result);
  document.querySelector("#empty").hidden = nodes.size > 0;
  document.querySelector("#nomatch").hidden = nodes.size === 0 || result.total > 0;
  document.querySelector("#shown").textContent =
    result.total === nodes.size ? "" : `(${result.total} of ${nodes.size} shown)`;

  const focused = document.activeElement;
  const scrollY = window.scrollY;
  const wanted = new Set(result.rows.map((n) => n.node));
  for (const [name, tr] of rowEls) {
    if (!wanted.has(name)) {
      tr.remove();
      rowEls.delete(name);
    }
  }
  result.rows.forEach((n, i) => {
    let tr = rowEls.get(n.node);
    if (!tr) {
      tr = makeRow(n);
      rowEls.set(n.node, tr);
    }
    patchRow(tr, n);
    // Move only what is out of place: an unchanged order touches no row.
    if (tbody.children[i] !== tr) tbody.insertBefore(tr, tbody.children[i] ?? null);
  });
  // A moved row loses focus in the browser; give it back, and keep the scroll position.
  if (focused && focused !== document.activeElement && focused.isConnected)
    focused.focus({ preventScroll: true });
  if (window.scrollY !== scrollY) window.scrollTo(0, scrollY);
}

/** Ages change every second without any event: the visible time cells are refreshed in place. */
function tick() {
  const t = now();
  for (const time of document.querySelectorAll("time[data-at]")) {
    time.textContent = `${age(t - Number(time.dataset.at))} ago${time.dataset.suffix ?? ""}`;
  }
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

function setView(change, { resetPage = true } = {}) {
  view = { ...view, ...change, ...(resetPage ? { page: 1 } : {}) };
  history.replaceState(null, "", `${location.pathname}${searchFromView(view)}`);
  scheduleRender();
}

search.addEventListener("input", () => setView({ q: search.value }));
document.querySelector("#counts").addEventListener("click", (e) => {
  const button = e.target.closest("button[data-group]");
  if (!button) return;
  const group = button.dataset.group;
  setView({ group: view.group === group ? "" : group });
});
document.querySelector("#nodes thead").addEventListener("click", (e) => {
  const th = e.target.closest("th[data-sort]");
  if (!th) return;
  const key = th.dataset.sort;
  // A third click on the same column returns to the default, problems-first order.
  if (view.sort !== key) setView({ sort: key, dir: "asc" });
  else if (view.dir === "asc") setView({ dir: "desc" });
  else setView({ sort: "problems", dir: "asc" });
});
document.querySelector("#pager").addEventListener("click", (e) => {
  const button = e.target.closest("button[data-page]");
  if (button) setView({ page: Number(button.dataset.page) }, { resetPage: false });
});
tbody.addEventListener("click", async (e) => {
  const button = e.target.closest("button.forget");
  if (!button) return;
  const node = button.dataset.node;
  if (!confirm(`Forget ${node}? Its registry entry, history and metrics series are removed.`)) return;
  const res = await api("DELETE", `/api/nodes/${encodeURIComponent(node)}`);
  if (!res.ok)
    alert(`Cannot forget ${node}: ${res.json.error ?? res.status} (the API token is set in the config form)`);
});

function addEvent(e, prepend = true) {
  const li = el(
    "li",
    {},
    timeEl(e.at),
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
    // Patches: the changed fields of changed nodes (a new node arrives whole).
    nodes: (list) => {
      for (const p of list) nodes.set(p.node, { ...nodes.get(p.node), ...p });
      scheduleRender();
    },
    removed: (list) => {
      for (const name of list) nodes.delete(name);
      announce.textContent = `${list.join(", ")} forgotten`;
      scheduleRender();
    },
    transition: (e) => {
      addEvent(e);
      announce.textContent = `${e.node} is ${e.state}`;
    },
  },
  (up) => {
    if (!up) setStatus(false);
  },
);
setInterval(tick, 1000);
configForm(document.querySelector("#config"), { kind: "default" });
