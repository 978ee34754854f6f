// `fleetwatch server`: the liveness view, the registry and the operator console wired
// together. The reducer decides; this file only performs its effects.
import type { CommonOptions } from "../cli/main.ts";
import { systemClock } from "../shared/clock.ts";
import { describeConfig } from "../shared/config-merge.ts";
import { formatEndpoint } from "../shared/endpoints.ts";
import { errorMessage, FleetwatchError } from "../shared/errors.ts";
import { createEtcdClient } from "../shared/etcd.ts";
import { createLogger } from "../shared/log.ts";
import { type Command, HELP_TEXT, parseCommand } from "./commands.ts";
import { updateNodeInterval } from "./config-service.ts";
import { openConsole } from "./console-io.ts";
import { initialLiveness, type LivenessEffect, type LivenessEvent, reduce } from "./liveness.ts";
import { loadRegistry, RegistryWriter } from "./registry.ts";
import { HeartbeatTracker } from "./tracker.ts";
import { historyTable, nodesTable } from "./views.ts";

export async function runServer(opts: CommonOptions): Promise<void> {
  const log = createLogger(opts.logFormat, opts.logLevel, "server");
  const clock = systemClock;
  const client = createEtcdClient({ endpoints: opts.etcd });
  const registry = new RegistryWriter(client, log);
  const endpoints = opts.etcd.map(formatEndpoint).join(",");
  let state = initialLiveness;

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await tracker.stop().catch(() => undefined);
    // Give queued registry writes a moment so a restart resumes from the latest view.
    await Promise.race([registry.drain(), new Promise((r) => setTimeout(r, 1000).unref())]);
    registry.close();
    client.close();
    process.exit(0);
  };

  const io = openConsole(
    (line) => handleCommand(parseCommand(line)),
    () => void stop(),
  );
  const print = (text: string) => io.print(text);

  const perform = (effect: LivenessEffect) => {
    switch (effect.type) {
      case "print":
        print(effect.line);
        break;
      case "persist":
        registry.enqueue(effect.view);
        break;
      case "transition":
        log.info(
          { node: effect.node, from: effect.from, to: effect.to, reason: effect.reason },
          "transition",
        );
        break;
      case "config-ack":
        print(
          effect.ack.rejected
            ? `[Config] Node ${effect.node} rejected ${effect.ack.rejected.key} (revision ${effect.ack.rejected.revision}): ${effect.ack.rejected.reason}`
            : `[Config] Node ${effect.node} applied ${describeConfig(effect.ack)} (config revision ${effect.ack.nodeRevision})`,
        );
        break;
      default:
        effect satisfies never;
    }
  };
  const dispatch = (event: LivenessEvent) => {
    const result = reduce(state, event, clock.now());
    state = result.state;
    for (const effect of result.effects) perform(effect);
  };

  async function handleCommand(cmd: Command): Promise<void> {
    switch (cmd.type) {
      case "empty":
        return;
      case "help":
        print(HELP_TEXT);
        return;
      case "quit":
        print("Stopping the server.");
        await stop();
        return;
      case "nodes":
        print(nodesTable(state.nodes.values(), clock.now()));
        return;
      case "history": {
        const view = state.nodes.get(cmd.node);
        print(view ? historyTable(cmd.node, view.history, clock.now()) : `Unknown node "${cmd.node}".`);
        return;
      }
      case "update":
        try {
          const known = state.nodes.has(cmd.node)
            ? ""
            : ` (node ${cmd.node} has not been seen yet; it will apply this when it starts)`;
          const result = await updateNodeInterval(client, cmd.node, cmd.interval);
          const replaced = result.replacedInvalid ? " (replaced an invalid stored value)" : "";
          print(
            `[Config] Updated ${result.key} = ${result.value} (revision ${result.revision})${replaced}${known}`,
          );
        } catch (err) {
          const hint = err instanceof FleetwatchError ? "" : ` - is etcd reachable at ${endpoints}?`;
          print(`Error: ${errorMessage(err)}${hint}`);
        }
        return;
      case "error":
        print(`Error: ${cmd.message}${cmd.usage ? `\n${cmd.usage}` : ""}`);
        return;
      default:
        cmd satisfies never;
    }
  }

  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());

  print("Server started. Watching heartbeats...");
  const tracker = new HeartbeatTracker({
    client,
    dispatch,
    onListFailed: (error, delayMs) =>
      print(
        `[!] Cannot reach etcd at ${endpoints} (${error}); retrying in ${(delayMs / 1000).toFixed(1)}s. ` +
          "Start a local one with: npm run etcd",
      ),
    onResync: (reason) => log.warn({ reason }, "heartbeat watch cannot resume; re-listing"),
  });
  // The registry first, so the first snapshot reconciles against what an earlier run knew.
  for (let attempt = 0; ; attempt++) {
    try {
      dispatch({ type: "restore", views: await loadRegistry(client, log) });
      break;
    } catch (err) {
      if (attempt === 0) print(`[!] Cannot reach etcd at ${endpoints} (${errorMessage(err)}); retrying...`);
      await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** attempt)));
    }
  }
  await tracker.start();
  log.info({ nodes: state.nodes.size }, "synced");
}
