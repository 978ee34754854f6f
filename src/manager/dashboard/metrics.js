// The metric descriptor table (src/shared/metric-descriptors.ts), fetched once from the manager,
// and the unit formatting every page shares, so a new metric needs no dashboard change.
import { bytes } from "/static/common.js";

const PALETTE = ["#2453c7", "#dc6803", "#1a7f37", "#b42318", "#7a5af8", "#0e9384", "#c11574", "#667085"];

/** `[{ name, title, fields, format, chart }]` as the manager serves it. */
export async function loadDescriptors() {
  const res = await fetch("/api/metric-descriptors");
  if (!res.ok) throw new Error(`metric descriptors: HTTP ${res.status}`);
  return (await res.json()).metrics;
}

/** One number in its unit: ratio "12.5 %", bytes "1.2 GiB", bytes_per_second "3.0 KiB/s". */
export function formatValue(unit, v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  switch (unit) {
    case "ratio":
      return `${(v * 100).toFixed(1)} %`;
    case "bytes":
    case "bytes_total":
      return bytes(v);
    case "bytes_per_second":
      return `${bytes(v)}/s`;
    case "load":
      return v.toFixed(2);
    default:
      return Number.isInteger(v) ? String(v) : v.toFixed(1);
  }
}

/** A metric's summary line from its descriptor's `format` and a flattened sample. */
export function formatMetric(descriptor, values) {
  const units = new Map(descriptor.fields.map((f) => [f.field, f.unit]));
  let any = false;
  const text = descriptor.format.replace(/\{([a-z0-9_]+)\}/g, (_all, key) => {
    const v = values[`${descriptor.name}.${key}`];
    if (v !== undefined) any = true;
    return formatValue(units.get(key), v);
  });
  return any ? text : "";
}

/** Chart definitions for the node page: `{ id, title, unit, max, series: [[key, label, colour]] }`. */
export function chartsFrom(descriptors) {
  let colour = 0;
  return descriptors.map((d) => ({
    id: d.name,
    title: d.title,
    unit: d.chart.unit,
    max: d.chart.max,
    series: d.chart.fields.map((field) => {
      const label = d.fields.find((f) => f.field === field)?.label ?? field;
      return [`${d.name}.${field}`, label, PALETTE[colour++ % PALETTE.length]];
    }),
  }));
}
