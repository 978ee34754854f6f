// `fleetwatch server`: the manager core with its console. Flags arrive parsed from
// src/cli/main.ts; this file wires and prints, the modules decide.
import type { CommonOptions } from "../cli/main.ts";
import { systemClock } from "../shared/clock.ts";
import { describeConfig } from "../shared/config-merge.ts";
import { formatEndpoint } from "../shared/endpoints.ts";
import { createEtcdClient } from "../shared/etcd.ts";
import { createLogger } from "../shared/log.ts";
import { loadEtcdTls } from "../shared/tls-files.ts";
import { handleCommand } from "./command-handler.ts";
import { parseCommand } from "./commands.ts";
import { openConsole } from "./console-io.ts";
import { type FleetHttpServer, startHttpServer } from "./http/index.ts";
import type { HttpCliOptions } from "./http/options.ts";
import type { LivenessEffect } from "./liveness.ts";
import { Manager } from "./manager.ts";

export async function runServer(opts: CommonOptions & Partial<HttpCliOptions>): Promise<void> {
  const log = createLogger(opts.logFormat, opts.logLevel, "server");
  const clock = systemClock;
  const client = createEtcdClient({ endpoints: opts.etcd, tls: loadEtcdTls(opts) });
  const endpoints = opts.etcd.map(formatEndpoint).join(",");

  const manager = new Manager({
    client,
    clock,
    log,
    onEtcdUnreachable: (error, delayMs) =>
      io.print(
        `[!] Cannot reach etcd at ${endpoints} (${error}); retrying in ${(delayMs / 1000).toFixed(1)}s. ` +
          "Start a local one with: npm run etcd",
      ),
  });

  let http: FleetHttpServer | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await http?.stop();
    await manager.stop();
    client.close();
    process.exit(0);
  };

  const io = openConsole(
    async (line) => {
      const output = await handleCommand(parseCommand(line), {
        manager,
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

  manager.subscribe((effect) => {
    const line = consoleLine(effect);
    if (line) io.print(line);
    if (effect.type === "transition") {
      log.info({ node: effect.node, from: effect.from, to: effect.to, reason: effect.reason }, "transition");
    }
  });
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());

  io.print("Server started. Watching heartbeats...");
  http = await startHttpServer(opts, { manager, clock, log }, io.print);
  await manager.start();
  log.info({ nodes: manager.state.nodes.size }, "synced");
}

function consoleLine(effect: LivenessEffect): string | undefined {
  switch (effect.type) {
    case "print":
      return effect.line;
    case "config-ack": {
      const { node, ack } = effect;
      return ack.rejected
        ? `[Config] Node ${node} rejected ${ack.rejected.key} (revision ${ack.rejected.revision}): ${ack.rejected.reason}`
        : `[Config] Node ${node} applied ${describeConfig(ack)} (config revision ${ack.nodeRevision})`;
    }
    default:
      return undefined;
  }
}
