// /metrics as Prometheus reads it (issue 12 "Prometheus conventions"), from a manager view with
// ALIVE, DEAD and LEFT nodes: the text passes `promtool check metrics`; counters and only
// counters end in `_total`; a node that is not ALIVE exports no sample series, only node_up = 0
// and its last-heartbeat time; a forgotten node exports nothing; build, leader, readiness and
// config series say what they claim. The live version of this runs in
// test/integration/prometheus.test.ts.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import type { ComplianceStatus } from "../../src/config/compliance.ts";
import { FleetMetrics } from "../../src/manager/http/prom.ts";
import type { FleetSnapshot, NodeSeriesSource } from "../../src/manager/http/prom-fleet.ts";
import type { NodeState } from "../../src/manager/liveness.ts";
import { METRIC_NAMES, promFields } from "../../src/shared/metric-descriptors.ts";
import { decodeSample, encodeSample } from "../../src/shared/sample.ts";
import { SyntheticSampler } from "../../src/sim/synthetic-sample.ts";
import { promtool } from "./promtool.ts";

const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

const node = (
  name: string,
  state: NodeState,
  status: ComplianceStatus,
  lastMs: number,
): NodeSeriesSource => ({
  node: name,
  state,
  lastHeartbeat: lastMs,
  compliance: { status },
});

function sampleOf(seed: number) {
  const decoded = decodeSample(encodeSample(1_000, 10, new SyntheticSampler().sample(METRIC_NAMES, seed)));
  assert.ok(decoded.ok);
  return { t: 1_000, interval: 10, values: decoded.value.values };
}

/** `name{labels} value` lines of the exposition, as name -> [labels text, value]. */
function series(text: string): Map<string, [string, number][]> {
  const out = new Map<string, [string, number][]>();
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m?.[1] || m[3] === undefined) continue;
    const list = out.get(m[1]) ?? [];
    list.push([m[2] ?? "", Number(m[3])]);
    out.set(m[1], list);
  }
  return out;
}

test("/metrics of a mixed fleet: conventions, promtool check metrics, stale and forgotten nodes", async () => {
  let view: FleetSnapshot = {
    nodes: [
      node("n-alive", "ALIVE", "in-sync", 1_700_000_000_500),
      node("n-rejects", "ALIVE", "rejected", 1_700_000_001_000),
      node("n-dead", "DEAD", "unknown", 1_700_000_002_000),
      node("n-left", "LEFT", "unknown", 1_700_000_003_000),
    ],
    leading: true,
    leaderId: "manager-a",
    ready: true,
  };
  const metrics = new FleetMetrics(() => view);
  // Every node sent samples while it was alive; two of them have since died or left.
  for (const [i, n] of ["n-alive", "n-rejects", "n-dead", "n-left"].entries()) {
    metrics.observeSample(n, sampleOf(i + 1));
  }
  const text = (await metrics.render()).body;

  const check = await promtool(["check", "metrics"], text);
  assert.equal(check.code, 0, `promtool check metrics: ${check.stdout}${check.stderr}`);

  // Types and names: `_total` exactly on counters; no percentages.
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (type === "counter") assert.match(name ?? "", /_total$/, `counter ${name}`);
    else assert.doesNotMatch(name ?? "", /_total$/, `${type} ${name} must not end in _total`);
    assert.doesNotMatch(name ?? "", /_pct$|percent/, `${name}`);
  }

  const s = series(text);
  const valueAt = (name: string, labels: string) => s.get(name)?.find(([l]) => l === labels)?.[1];
  assert.equal(valueAt("fleetwatch_node_up", '{node="n-alive"}'), 1);
  assert.equal(valueAt("fleetwatch_node_up", '{node="n-dead"}'), 0);
  assert.equal(valueAt("fleetwatch_node_up", '{node="n-left"}'), 0);
  assert.equal(valueAt("fleetwatch_nodes", '{state="ALIVE"}'), 2);
  assert.equal(valueAt("fleetwatch_nodes", '{state="DEAD"}'), 1);
  assert.equal(valueAt("fleetwatch_nodes", '{state="LEFT"}'), 1);
  assert.equal(
    valueAt("fleetwatch_node_last_heartbeat_timestamp_seconds", '{node="n-dead"}'),
    1_700_000_002,
    "seconds, not ms",
  );
  assert.equal(
    valueAt("fleetwatch_node_last_heartbeat_timestamp_seconds", '{node="n-alive"}'),
    1_700_000_000.5,
  );
  assert.equal(valueAt("fleetwatch_node_config_in_sync", '{node="n-alive"}'), 1);
  assert.equal(valueAt("fleetwatch_node_config_in_sync", '{node="n-rejects"}'), 0);
  assert.equal(valueAt("fleetwatch_node_config_rejected", '{node="n-rejects"}'), 1);
  assert.equal(valueAt("fleetwatch_node_config_rejected", '{node="n-alive"}'), 0);
  assert.equal(valueAt("fleetwatch_node_config_in_sync", '{node="n-dead"}'), undefined, "ALIVE nodes only");
  assert.equal(valueAt("fleetwatch_leader", ""), 1);
  assert.equal(valueAt("fleetwatch_leader_info", '{leader="manager-a"}'), 1);
  assert.equal(valueAt("fleetwatch_manager_ready", ""), 1);
  const build = s.get("fleetwatch_build_info") ?? [];
  assert.equal(build.length, 1);
  assert.match(
    build[0]?.[0] ?? "",
    new RegExp(`^\\{version="${VERSION.replace(/\./g, "\\.")}",commit="[0-9a-f-]*(dirty)?"\\}$`),
  );
  assert.equal(build[0]?.[1], 1);

  // Sample series: ALIVE nodes only.
  for (const spec of promFields().values()) {
    const nodes = (s.get(spec.name) ?? []).map(([l]) => l).sort();
    assert.deepEqual(nodes, ['{node="n-alive"}', '{node="n-rejects"}'], spec.name);
  }
  assert.equal(valueAt("fleetwatch_node_state", '{node="n-dead",state="DEAD"}'), 1);
  assert.equal(valueAt("fleetwatch_node_state", '{node="n-dead",state="ALIVE"}'), 0);
  assert.equal(valueAt("fleetwatch_node_state", '{node="n-left",state="LEFT"}'), 1);
  // What a DEAD or LEFT node still exports: its liveness and last heartbeat, no sample.
  for (const gone of ["n-dead", "n-left"]) {
    const names = [...s]
      .filter(([, list]) => list.some(([l]) => l.includes(`node="${gone}"`)))
      .map(([n]) => n);
    assert.deepEqual(
      names.sort(),
      ["fleetwatch_node_last_heartbeat_timestamp_seconds", "fleetwatch_node_state", "fleetwatch_node_up"],
      gone,
    );
  }

  // A late sample of the dead node (written before it died, read after) does not bring it back.
  metrics.observeSample("n-dead", sampleOf(9));
  assert.doesNotMatch((await metrics.render()).body, /fleetwatch_node_cpu_usage_ratio\{node="n-dead"\}/);

  // Standby, cut off, n-dead forgotten, n-alive died: their series go as the view changes.
  view = {
    nodes: [node("n-alive", "DEAD", "unknown", 1_700_000_009_000), node("n-rejects", "ALIVE", "in-sync", 1)],
    leading: false,
    leaderId: undefined,
    ready: false,
  };
  const after = series((await metrics.render()).body);
  assert.equal(after.get("fleetwatch_leader")?.[0]?.[1], 0, "0 on a standby");
  assert.equal(after.get("fleetwatch_leader_info"), undefined, "nobody leads: no series");
  assert.equal(after.get("fleetwatch_manager_ready")?.[0]?.[1], 0);
  assert.ok(
    [...after.values()].every((list) =>
      list.every(([l]) => !l.includes('node="n-dead"') && !l.includes('node="n-left"')),
    ),
    "forgotten nodes have no series at all",
  );
  assert.deepEqual(
    (after.get("fleetwatch_node_cpu_usage_ratio") ?? []).map(([l]) => l),
    ['{node="n-rejects"}'],
    "the node that just died lost its sample series",
  );
});
