// One node: time-series charts of its samples (uPlot, served from node_modules),
// its facts, its transitions and a form for its config override.

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
  stateBadge,
  stream,
} from "/static/common.js";
import { chartsFrom, formatValue, loadDescriptors } from "/static/metrics.js";
import uPlot from "/vendor/uplot/uPlot.esm.js";

const node = decodeURIComponent(location.pathname.split("/").pop());
document.title = `fleetwatch · ${node}`;
document.querySelector("#crumb").textContent = `/ ${node}`;
const setStatus = connectionPill(document.querySelector("#conn"));
const WINDOW_S = 600;

const CHARTS = chartsFrom(await loadDescriptors());

let samples = [];

/** The last 10 minutes, or less while fewer samples exist, so a fresh chart is not a dot. */
function xRange() {
  const t = now() / 1000;
  const first = samples.length > 0 ? samples[0].t / 1000 - 5 : t - 60;
  return [Math.max(t - WINDOW_S, first), t];
}
const plots = new Map();

const fmt = formatValue;

function drawCharts() {
  const box = document.querySelector("#charts");
  for (const chart of CHARTS) {
    const present = samples.some((s) => chart.series.some(([k]) => s.values[k] !== undefined));
    let entry = plots.get(chart.id);
    if (!entry) {
      const target = el("div", { class: "chart", id: `chart-${chart.id}` }, el("h3", { text: chart.title }));
      box.append(target);
      entry = { target, plot: undefined, empty: undefined };
      plots.set(chart.id, entry);
    }
    if (!present) {
      entry.plot?.destroy();
      entry.plot = undefined;
      if (!entry.empty) {
        const collected = current?.applied?.metrics.includes(chart.id) || current?.state !== "ALIVE";
        const text = collected
          ? "no samples in the last 10 minutes"
          : `not collected — add "${chart.id}" to the node's metrics`;
        entry.empty = el("div", { class: "empty", text });
        entry.target.append(entry.empty);
      }
      continue;
    }
    entry.empty?.remove();
    entry.empty = undefined;
    const data = [
      samples.map((s) => s.t / 1000),
      ...chart.series.map(([k]) => samples.map((s) => s.values[k] ?? null)),
    ];
    if (!entry.plot) {
      const width = Math.max(300, entry.target.clientWidth - 16);
      entry.plot = new uPlot(
        {
          width,
          height: 170,
          scales: {
            x: { time: true, range: () => xRange() },
            y: chart.max
              ? { range: [0, chart.max] }
              : { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
          },
          axes: [{}, { size: 70, values: (_u, ticks) => ticks.map((v) => fmt(chart.unit, v)) }],
          series: [
            {},
            ...chart.series.map(([, label, stroke]) => ({
              label,
              stroke,
              width: 2,
              spanGaps: false,
              value: (_u, v) => fmt(chart.unit, v),
            })),
          ],
          legend: { live: true },
        },
        data,
        entry.target,
      );
    } else {
      entry.plot.setData(data);
    }
  }
}

window.addEventListener("resize", () => {
  for (const { target, plot } of plots.values())
    plot?.setSize({ width: Math.max(300, target.clientWidth - 16), height: 170 });
});

let current;

function renderNode(n) {
  current = n;
  document.querySelector("#state").replaceChildren(stateBadge(n.state));
  const facts = document.querySelector("#facts");
  const t = now();
  const v = n.latest?.values ?? {};
  facts.replaceChildren(
    ...[
      ["State", stateBadge(n.state)],
      ["Since", `${clock(n.since)} (${age(t - n.since)} ago)`],
      [
        "Last report",
        n.lastHeartbeat
          ? `${age(t - n.lastHeartbeat)} ago${n.state === "ALIVE" ? " · lease live" : ""}`
          : "—",
      ],
      ["First seen", new Date(n.firstSeen).toLocaleString()],
      ["Applied", n.applied ? describeConfig(n.applied) : "—"],
      ["Desired", describeConfig(n.desired)],
      ["Config", complianceBadge(n.compliance)],
      [
        "Memory",
        v["memory.total_bytes"]
          ? `${bytes(v["memory.used_bytes"])} of ${bytes(v["memory.total_bytes"])}`
          : "—",
      ],
    ].flatMap(([k, val]) => [el("dt", { text: k }), el("dd", {}, val)]),
  );
}

function renderEvents(history) {
  document
    .querySelector("#events")
    .replaceChildren(
      ...history.map((e) =>
        el(
          "li",
          {},
          el("time", { datetime: new Date(e.at).toISOString(), text: clock(e.at) }),
          stateBadge(e.state),
          el("span", { class: "muted", text: `${e.reason} · rev ${e.revision}` }),
        ),
      ),
    );
}

async function loadNode() {
  const res = await fetch(`/api/nodes/${encodeURIComponent(node)}`);
  const json = await res.json();
  if (!res.ok) {
    document.querySelector("#facts").replaceChildren(el("dd", { class: "error", text: json.error }));
    return;
  }
  renderNode(json);
  renderEvents(json.history);
}

stream(
  `/api/stream?node=${encodeURIComponent(node)}`,
  {
    status: setStatus,
    samples: (msg) => {
      samples = msg.samples;
      drawCharts();
    },
    sample: (msg) => {
      samples.push(msg.sample);
      const cutoff = now() - WINDOW_S * 1000;
      while (samples.length > 0 && samples[0].t < cutoff) samples.shift();
      drawCharts();
    },
    // Patches: only the fields that changed (the page's first load has the whole node).
    nodes: (list) => {
      const patch = list.find((x) => x.node === node);
      if (patch && current) renderNode({ ...current, ...patch });
    },
    transition: (e) => {
      if (e.node === node) loadNode();
    },
  },
  (up) => {
    if (!up) setStatus(false);
  },
);
loadNode();
configForm(document.querySelector("#config"), { kind: "node", node });
setInterval(() => {
  for (const { plot } of plots.values()) plot?.redraw(false, true);
}, 5000);
