// Values read from etcd that do not decode: counted by kind in
// `fleetwatch_invalid_values_total{kind}` (registered on the manager's /metrics), and
// reported once per key so a bad value that stays does not flood the log.
// (Issue 11 owns this counter for every key family; the alert outbox uses it for
// kind="alert_outbox". One module so both land on the same counter.)
import { Counter } from "prom-client";

export const invalidValues = new Counter({
  name: "fleetwatch_invalid_values_total",
  help: "Values read from etcd that did not decode and were ignored, by kind of key",
  labelNames: ["kind"],
  registers: [],
});

const reported = new Set<string>();
const REPORTED_LIMIT = 10_000;

/** Counts the value; returns true the first time this key (with this reason) is seen. */
export function countInvalid(kind: string, key: string, reason: string): boolean {
  invalidValues.inc({ kind });
  const id = `${key}\n${reason}`;
  if (reported.has(id)) return false;
  if (reported.size >= REPORTED_LIMIT) reported.clear();
  reported.add(id);
  return true;
}
