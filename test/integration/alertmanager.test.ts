// Issue 12 "Push to Alertmanager", against a real Alertmanager (Debian's
// prometheus-alertmanager) on a free loopback port: a node killed -> its alert is active
// in GET /api/v2/alerts and in `amtool alert query`, with Alertmanager's own fingerprint;
// the node back -> resolved; a silence made with `amtool` suppresses the webhook that
// Alertmanager itself sends to a test receiver.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { labelFingerprint } from "../../src/manager/alerts/fingerprint.ts";
import { aliveLine, deadLine, startAgent, startServer, stopAll } from "./fleet.ts";
import {
  type EtcdCluster,
  freePort,
  type ManagedProcess,
  spawnProcess,
  startEtcd,
  waitFor,
  waitForValue,
} from "./harness/index.ts";

let etcd: EtcdCluster | undefined;
let alertmanager: ManagedProcess | undefined;
let dir: string | undefined;
let alertmanagerUrl = "";
after(async () => {
  await stopAll();
  await alertmanager?.stop();
  await etcd?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface AmAlert {
  labels: Record<string, string>;
  fingerprint: string;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  status: { state: string; silencedBy: string[] };
}

interface Notification {
  status: string;
  alerts: { status: string; labels: Record<string, string> }[];
}

/** What Alertmanager's webhook receiver is sent. */
async function notificationReceiver() {
  const received: Notification[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      received.push(JSON.parse(body) as Notification);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/am`, received, server };
}

async function startAlertmanager(receiverUrl: string): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), "fleetwatch-am-"));
  const config = join(dir, "alertmanager.yml");
  await writeFile(
    config,
    [
      "route:",
      "  receiver: test",
      "  group_by: [alertname]",
      "  group_wait: 500ms",
      "  group_interval: 1s",
      "  repeat_interval: 1h",
      "receivers:",
      "  - name: test",
      "    webhook_configs:",
      `      - url: ${receiverUrl}`,
      "        send_resolved: true",
      "",
    ].join("\n"),
  );
  const port = await freePort();
  alertmanager = spawnProcess(
    "prometheus-alertmanager",
    [
      `--config.file=${config}`,
      `--storage.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--cluster.listen-address=",
    ],
    { name: "alertmanager" },
  );
  const url = `http://127.0.0.1:${port}`;
  alertmanagerUrl = url;
  await waitFor(async () => (await fetch(`${url}/-/ready`)).ok, {
    timeoutMs: 20_000,
    intervalMs: 100,
    message: "Alertmanager ready",
  });
  return url;
}

async function activeAlerts(am: string, node: string): Promise<AmAlert[]> {
  const filter = encodeURIComponent(`node="${node}"`);
  const res = await fetch(`${am}/api/v2/alerts?filter=${filter}`);
  return (await res.json()) as AmAlert[];
}

async function amtool(am: string, ...args: string[]): Promise<string> {
  const p = spawnProcess("amtool", [`--alertmanager.url=${am}`, ...args], { name: "amtool" });
  const exit = await p.exited;
  assert.equal(exit.code, 0, `amtool ${args.join(" ")}: ${p.stderr.join("\n")}`);
  return p.stdout.join("\n");
}

test("Alertmanager: a dead node's alert is active (Alertmanager's fingerprint), resolved on return, and a silence holds back Alertmanager's own webhook", async (t) => {
  etcd = await startEtcd({ members: 1 });
  const receiver = await notificationReceiver();
  after(() => receiver.server.close());
  const am = await startAlertmanager(receiver.url);

  const httpPort = await freePort();
  const server = await startServer(etcd.endpoints, ["--http", `127.0.0.1:${httpPort}`, "--alertmanager", am]);
  await server.waitForLine("[Alerts] DEAD (resolved on recovery) pushed to 1 Alertmanager(s)");
  await server.waitForLine(/now leading/, { timeoutMs: 20_000 });
  const agents = new Map<string, ManagedProcess>();
  for (const node of ["am-1", "am-2", "am-3"]) {
    agents.set(node, await startAgent(node, etcd.endpoints, ["--ttl", "2"]));
    await server.waitForLine(aliveLine(node));
  }

  // A node killed: active in Alertmanager.
  const killedAt = Date.now();
  await agents.get("am-1")?.kill("SIGKILL");
  const [alert] = await waitForValue(
    async () => {
      const alerts = await activeAlerts(am, "am-1");
      return alerts.some((a) => a.status.state === "active") ? alerts : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100, message: "am-1's alert active in Alertmanager" },
  );
  const killToActive = Date.now() - killedAt;
  t.diagnostic(`kill -9 -> alert active in Alertmanager: ${killToActive} ms (heartbeat TTL 2 s)`);
  assert.ok(killToActive < 20_000, `took ${killToActive} ms`);
  assert.deepEqual(alert?.labels, { alertname: "FleetwatchNodeDead", node: "am-1", severity: "critical" });
  assert.equal(alert?.fingerprint, labelFingerprint(alert?.labels ?? {}), "Alertmanager's own fingerprint");
  t.diagnostic(`Alertmanager fingerprint of am-1: ${alert?.fingerprint}`);
  assert.equal(alert?.generatorURL, `http://127.0.0.1:${httpPort}/nodes/am-1`);
  const startsAt = alert?.startsAt;
  const queried = JSON.parse(await amtool(am, "alert", "query", "node=am-1", "-o", "json")) as AmAlert[];
  assert.deepEqual(
    queried.map((a) => a.labels.node),
    ["am-1"],
    "amtool alert query lists it",
  );
  await waitFor(
    () =>
      receiver.received.some((n) => n.alerts.some((a) => a.labels.node === "am-1" && a.status === "firing")),
    { timeoutMs: 15_000, message: "Alertmanager's webhook for am-1" },
  );

  // A silence made with amtool: am-2's alert is suppressed, its webhook never sent; am-3's
  // (same group, not silenced) is the point by which am-2's would have gone too.
  const silence = (
    await amtool(
      am,
      "silence",
      "add",
      "node=am-2",
      "--author=fleetwatch-test",
      "--comment=maintenance",
      "--duration=1h",
    )
  ).trim();
  assert.match(silence, /^[0-9a-f-]{36}$/, "amtool prints the silence id");
  await agents.get("am-2")?.kill("SIGKILL");
  await server.waitForLine(deadLine("am-2"), { timeoutMs: 30_000 });
  await waitFor(
    async () =>
      (await activeAlerts(am, "am-2")).some(
        (a) => a.status.state === "suppressed" && a.status.silencedBy.includes(silence),
      ),
    { timeoutMs: 15_000, message: "am-2's alert suppressed by the silence" },
  );
  await agents.get("am-3")?.kill("SIGKILL");
  await waitFor(
    () =>
      receiver.received.some((n) => n.alerts.some((a) => a.labels.node === "am-3" && a.status === "firing")),
    { timeoutMs: 30_000, message: "Alertmanager's webhook for am-3" },
  );
  assert.ok(
    receiver.received.every((n) => n.alerts.every((a) => a.labels.node !== "am-2")),
    "no webhook from Alertmanager mentions the silenced node",
  );

  // The node is back: the alert resolves (no longer active), keeping its startsAt, and
  // Alertmanager sends the resolution.
  await startAgent("am-1", etcd.endpoints, ["--ttl", "2"]);
  await server.waitForLine("[+] Node am-1 is ALIVE (recovered)");
  await waitFor(async () => (await activeAlerts(am, "am-1")).length === 0, {
    timeoutMs: 15_000,
    message: "am-1's alert resolved in Alertmanager",
  });
  const resolved = JSON.parse(
    await amtool(
      am,
      "alert",
      "query",
      "node=am-1",
      "-o",
      "json",
      "--active",
      "--unprocessed",
      "--silenced",
      "--inhibited",
    ),
  ) as AmAlert[];
  assert.deepEqual(resolved, [], "amtool no longer lists it");
  await waitFor(
    () =>
      receiver.received.some((n) =>
        n.alerts.some((a) => a.labels.node === "am-1" && a.status === "resolved"),
      ),
    { timeoutMs: 15_000, message: "Alertmanager's resolved webhook for am-1" },
  );
  const resolution = receiver.received
    .flatMap((n) => n.alerts)
    .find((a) => a.labels.node === "am-1" && a.status === "resolved") as unknown as AmAlert;
  // Compared as instants: Go's RFC 3339 output drops trailing zeros (".92Z" for ".920Z").
  assert.equal(
    Date.parse(resolution.startsAt),
    Date.parse(startsAt ?? ""),
    `the resolved alert keeps the original startsAt (${resolution.startsAt} vs ${startsAt})`,
  );

  // Fingerprints of label sets fleetwatch sends, and of awkward values, as Alertmanager computes them.
  const sets: Record<string, string>[] = [
    { alertname: "FleetwatchNodeDead", node: "sim-109", severity: "critical" },
    { alertname: "FleetwatchNodeLeft", node: "web_1.eu-west", severity: "info" },
    { alertname: "X", node: "n\u00e9\u{1f600}", zone: "a=b,c" },
  ];
  const endsAt = new Date(Date.now() + 60_000).toISOString();
  const posted = await fetch(`${am}/api/v2/alerts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(sets.map((labels) => ({ labels, endsAt }))),
  });
  assert.equal(posted.status, 200);
  for (const labels of sets) {
    const [stored] = await waitForValue(
      async () => {
        const found = await activeAlerts(am, labels.node ?? "");
        return found.length > 0 ? found : undefined;
      },
      { message: `the alert of ${labels.node}` },
    );
    assert.equal(labelFingerprint(labels), stored?.fingerprint, JSON.stringify(labels));
  }
  assert.equal(labelFingerprint(sets[0] ?? {}), "558d0d7777db0eb9");
});

test("Alertmanager: a takeover re-pushes the firing set at once, including a death seen while no manager led", async (t) => {
  assert.ok(etcd && alertmanager, "runs after the first test, on its Alertmanager");
  await stopAll();
  const am = alertmanagerUrl;
  const first = await startServer(etcd.endpoints, ["--alertmanager", am]);
  await first.waitForLine(/now leading/, { timeoutMs: 20_000 });
  const second = await startServer(etcd.endpoints, ["--alertmanager", am]);
  await second.waitForLine(/Standing by/, { timeoutMs: 20_000 });
  const doomed = await startAgent("to-1", etcd.endpoints, ["--ttl", "2"]);
  const later = await startAgent("to-2", etcd.endpoints, ["--ttl", "2"]);
  await second.waitForLine(aliveLine("to-2"));

  await doomed.kill("SIGKILL");
  const [before] = await waitForValue(
    async () => {
      const alerts = await activeAlerts(am, "to-1");
      return alerts.length > 0 ? alerts : undefined;
    },
    { timeoutMs: 30_000, message: "to-1 active, pushed by the first leader" },
  );
  // The leader dies; while nobody leads, another node dies.
  await first.kill("SIGKILL");
  await later.kill("SIGKILL");
  const killedAt = Date.now();
  await second.waitForLine(/now leading/, { timeoutMs: 30_000 });
  const [rePushed] = await waitForValue(
    async () => {
      const alerts = await activeAlerts(am, "to-1");
      return alerts[0] && alerts[0].endsAt > (before?.endsAt ?? "") ? alerts : undefined;
    },
    { timeoutMs: 15_000, message: "to-1 re-pushed by the new leader (a later endsAt)" },
  );
  // Each manager times a transition by its own clock when it sees it, and Alertmanager keeps
  // the earlier startsAt of two pushes of one alert: the start may move by that difference.
  const moved = Date.parse(rePushed?.startsAt ?? "") - Date.parse(before?.startsAt ?? "");
  t.diagnostic(`startsAt after the takeover moved by ${moved} ms`);
  assert.ok(moved <= 0 && moved > -2000, `the same alert, about the same start (moved ${moved} ms)`);
  await waitFor(async () => (await activeAlerts(am, "to-2")).length > 0, {
    timeoutMs: 30_000,
    message: "to-2, which died during the takeover, active",
  });
  t.diagnostic(`leader kill -9 -> to-2's alert active via the new leader: ${Date.now() - killedAt} ms`);
});
