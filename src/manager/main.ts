// `fleetwatch server`: the manager core with its console. Flags arrive parsed from
// src/cli/main.ts; this file wires and prints, the modules decide.

import { ConfigService } from "../config/service.ts";
import { reportEtcdAdvisories } from "../security/etcd-version-check.ts";
import { systemClock } from "../shared/clock.ts";
import { formatEndpoint } from "../shared/endpoints.ts";
import { createEtcdClient } from "../shared/etcd.ts";
import { invalidValueLine, invalidValues } from "../shared/invalid-values.ts";
import { createLogger } from "../shared/log.ts";
import type { CommonOptions } from "../shared/options.ts";
import { loadEtcdTls } from "../shared/tls-files.ts";
import { ackLines, type NodeAck } from "./ack-lines.ts";
import { type Alerting, startAlerting } from "./alerts/index.ts";
import type { AlertCliOptions } from "./alerts/options.ts";
import { startAutoForget } from "./auto-forget.ts";
import { handleCommand } from "./command-handler.ts";
import { parseCommand } from "./commands.ts";
import { openConsole } from "./console-io.ts";
import { type FleetHttpServer, startHttpServer } from "./http/index.ts";
import type { HttpCliOptions } from "./http/options.ts";
import { FleetMetrics } from "./http/prom.ts";
import { fleetSnapshot } from "./http/prom-fleet.ts";
import { consoleLines, leadershipLine } from "./liveness-console.ts";
import { Manager } from "./manager.ts";

/** How long acks are gathered before printing; short enough to feel immediate. */
const ACK_BURST_MS = 150;

export async function runServer(
  opts: CommonOptions & Partial<HttpCliOptions> & Partial<AlertCliOptions> & { forgetAfter?: number },
): Promise<void> {
  const log = createLogger(opts.logFormat, opts.logLevel, "server");
  const clock = systemClock;
  const client = createEtcdClient({ endpoints: opts.etcd, tls: loadEtcdTls(opts) });
  const endpoints = opts.etcd.map(formatEndpoint).join(",");
  // The composition root: one client, one config service, one metrics registry, passed
  // down to the manager, the console, the HTTP server and alerting; nothing hands them back.
  const config = new ConfigService(client, clock);

  const manager = new Manager({
    client,
    clock,
    log,
    onStatus: (status) => {
      if (status.state !== "list-failed") return;
      io.print(
        `[!] Cannot reach etcd at ${endpoints} (${status.error}); retrying in ${(status.retryInMs / 1000).toFixed(1)}s. ` +
          "Start a local one with: npm run etcd",
      );
    },
  });

  let http: FleetHttpServer | undefined;
  // Only the HTTP server serves /metrics: without it (--http off) there is no registry at all.
  // Node series are read at scrape time, through the server that exists by then.
  const metrics =
    opts.http === "off"
      ? undefined
      : new FleetMetrics(() => fleetSnapshot(manager, (v) => (http as FleetHttpServer).summary(v)));
  let alerting: Alerting | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await alerting?.stop();
    await http?.stop();
    await manager.stop();
    client.close();
    process.exit(0);
  };

  const io = openConsole(
    async (line) => {
      const output = await handleCommand(parseCommand(line), {
        manager,
        config,
        now: () => clock.now(),
        etcdHint: `is etcd reachable at ${endpoints}?`,
        quit: async () => {
          io.print("Stopping the server.");
          await stop();
        },
      });
      if (output !== undefined) io.print(output);
    },
    () => void stop(),
  );

  invalidValues.subscribe((report) => {
    io.print(invalidValueLine(report));
    log.warn(
      { kind: report.kind, key: report.key, revision: report.revision, reason: report.reason },
      "invalid value ignored",
    );
  });

  // Acks arrive in bursts (a fleet default change): gather a burst, then print it.
  let acks: NodeAck[] = [];
  const flushAcks = () => {
    const burst = acks;
    acks = [];
    // Runs in a timer: a throw here would end the process.
    try {
      for (const line of ackLines(burst)) io.print(line);
    } catch (err) {
      log.error({ err }, "could not print config acknowledgements");
    }
  };
  manager.subscribe((effect) => {
    if (effect.type === "config-ack") {
      if (acks.length === 0) setTimeout(flushAcks, ACK_BURST_MS).unref();
      acks.push({ node: effect.node, ack: effect.ack });
    } else {
      for (const line of consoleLines(effect)) io.print(line);
    }
    if (effect.type === "transition") {
      log.info({ node: effect.node, from: effect.from, to: effect.to, reason: effect.reason }, "transition");
    }
  });
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());

  io.print("Server started. Watching heartbeats...");
  if (opts.forgetAfter !== undefined) {
    startAutoForget(manager, opts.forgetAfter, clock, log);
    io.print(
      `[Forget] DEAD and LEFT nodes are forgotten ${Math.round(opts.forgetAfter / 1000)} s after their transition`,
    );
  }
  http = metrics && (await startHttpServer(opts, { manager, client, config, metrics, clock, log }, io.print));
  // With client certificates, say once whether this etcd keeps the per-node promises.
  if (opts.etcdCert) void reportEtcdAdvisories(client, io.print, log);
  alerting = startAlerting(
    opts,
    {
      manager,
      client,
      clock,
      log,
      externalUrl: () => http?.externalUrl ?? opts.externalUrl ?? "",
      metrics: metrics && {
        timed: metrics.timed,
        delivery: (_target, ok) => metrics.alertDeliveries.inc({ result: ok ? "ok" : "error" }),
      },
    },
    io.print,
  );
  // Subscribed last, so the line shows once HTTP and alerting have taken the change in.
  manager.subscribeLeadership((leadership) => io.print(leadershipLine(leadership, manager.managerId)));
  await manager.start();
  log.info({ nodes: manager.state.nodes.size }, "synced");
}
