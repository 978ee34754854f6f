// The shipped Prometheus and Grafana assets (issue 12 "Shipped assets"), checked with the real
// Prometheus parser (Debian's promtool):
// - deploy/prometheus/rules.yaml passes `promtool check rules` and its unit tests
//   (deploy/prometheus/rules.test.yaml) pass `promtool test rules`;
// - deploy/grafana/fleetwatch.json is JSON with the panels it promises, and every PromQL
//   expression in it parses: promtool has no parse-only command, so the expressions (Grafana
//   variables substituted) become recording rules of a generated file for `promtool check rules`,
//   which runs Prometheus' PromQL parser on each (a syntax error fails it);
// - every metric the rules and the dashboard name is one the manager exports, and every sample
//   series of the descriptor table has a dashboard panel (a rename cannot leave them behind).
// test/integration/prometheus.test.ts also runs each dashboard query against a real Prometheus.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { FleetMetrics } from "../../src/manager/http/prom.ts";
import { METRIC_NAMES, promFields } from "../../src/shared/metric-descriptors.ts";
import { decodeSample, encodeSample } from "../../src/shared/sample.ts";
import { SyntheticSampler } from "../../src/sim/synthetic-sample.ts";
import { dashboardExpressions, grafanaToPromQL } from "./grafana-expressions.ts";
import { promtool } from "./promtool.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RULES = join(ROOT, "deploy/prometheus/rules.yaml");
const RULES_TEST = join(ROOT, "deploy/prometheus/rules.test.yaml");
const DASHBOARD = join(ROOT, "deploy/grafana/fleetwatch.json");

let dir: string | undefined;
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Metric names an expression refers to (histogram series mapped to their family). */
const metricsIn = (expr: string) =>
  [...expr.matchAll(/\bfleetwatch_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ""));

/** Families the manager exports, from a render with a live node, samples and every histogram fed. */
async function exportedFamilies(): Promise<Set<string>> {
  const metrics = new FleetMetrics(() => ({
    nodes: [{ node: "n-1", state: "ALIVE", lastHeartbeat: 1, compliance: { status: "in-sync" } }],
    leading: true,
    leaderId: "m",
    ready: true,
  }));
  const decoded = decodeSample(encodeSample(1_000, 10, new SyntheticSampler().sample(METRIC_NAMES, 1)));
  assert.ok(decoded.ok);
  metrics.observeSample("n-1", { t: 1_000, interval: 10, values: decoded.value.values });
  const text = (await metrics.render()).body;
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] ?? ""));
}

test("rules.yaml: promtool check rules", async () => {
  const run = await promtool(["check", "rules", RULES]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /SUCCESS: 5 rules found/);
});

test("rules.yaml: promtool test rules (rules.test.yaml)", async () => {
  const run = await promtool(["test", "rules", RULES_TEST]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /SUCCESS/);
});

test("rules.yaml alerts on what issue 12 asks", async () => {
  const doc = parse(await readFile(RULES, "utf8")) as { groups: { rules: { alert: string }[] }[] };
  assert.deepEqual(doc.groups.flatMap((g) => g.rules.map((r) => r.alert)).sort(), [
    "FleetwatchAlertDeliveryFailing",
    "FleetwatchManagerNotReady",
    "FleetwatchNoLeader",
    "FleetwatchNodeConfigRejected",
    "FleetwatchNodeDead",
  ]);
});

test("fleetwatch.json: JSON with the promised panels, one datasource variable, unique ids", async () => {
  const dashboard = JSON.parse(await readFile(DASHBOARD, "utf8")) as {
    uid: string;
    panels: { id: number; title: string; type: string; datasource?: { uid: string } }[];
    templating: { list: { name: string }[] };
  };
  assert.equal(dashboard.uid, "fleetwatch");
  const titles = dashboard.panels.map((p) => p.title);
  for (const wanted of ["Fleet states over time", "Transition rate", "Config compliance", "CPU usage"]) {
    assert.ok(titles.includes(wanted), `panel ${wanted}`);
  }
  const ids = dashboard.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, "panel ids are unique");
  for (const p of dashboard.panels.filter((p) => p.type !== "row")) {
    assert.equal(p.datasource?.uid, "$" + "{datasource}", `${p.title} uses the datasource variable`);
  }
  assert.deepEqual(
    dashboard.templating.list.map((v) => v.name),
    ["datasource", "node"],
  );
});

test("fleetwatch.json: every PromQL expression parses (promtool check rules on a generated rule file)", async () => {
  const exprs = dashboardExpressions(JSON.parse(await readFile(DASHBOARD, "utf8")));
  assert.ok(exprs.length >= 20, `found ${exprs.length} expressions`);
  dir = await mkdtemp(join(tmpdir(), "fleetwatch-dashboard-"));
  const file = join(dir, "dashboard-exprs.yaml");
  const rules = exprs.map((e, i) => ({ record: `dashboard:expr_${i}`, expr: grafanaToPromQL(e) }));
  await writeFile(file, JSON.stringify({ groups: [{ name: "dashboard", rules }] }));
  const run = await promtool(["check", "rules", file]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, new RegExp(`SUCCESS: ${exprs.length} rules found`));

  // The check is real: a broken expression of the same file fails it.
  rules.push({ record: "dashboard:broken", expr: "sum(rate(fleetwatch_node_up[5m])" });
  await writeFile(file, JSON.stringify({ groups: [{ name: "dashboard", rules }] }));
  assert.notEqual((await promtool(["check", "rules", file])).code, 0);
});

test("rules and dashboard name only exported metrics; every sample series has a panel", async () => {
  const exported = await exportedFamilies();
  const rules = await readFile(RULES, "utf8");
  const exprs = dashboardExpressions(JSON.parse(await readFile(DASHBOARD, "utf8")));
  for (const name of [...metricsIn(rules), ...exprs.flatMap(metricsIn)]) {
    assert.ok(exported.has(name), `${name} is not exported by the manager`);
  }
  const used = new Set(exprs.flatMap(metricsIn));
  for (const spec of promFields().values()) {
    if (
      spec.name === "fleetwatch_node_memory_used_bytes" ||
      spec.name === "fleetwatch_node_memory_total_bytes"
    )
      continue; // shown as the ratio panel
    assert.ok(used.has(spec.name), `no dashboard panel shows ${spec.name}`);
  }
});
