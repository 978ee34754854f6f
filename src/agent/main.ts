// `fleetwatch agent`: wires heartbeat, config watch and collection together and
// prints the lab's console lines. All I/O policy lives in the modules it wires.

import os from "node:os";
import { systemClock } from "../shared/clock.ts";
import { ValidationError } from "../shared/errors.ts";
import { escapeControlLines } from "../shared/escape.ts";
import { createEtcdClient } from "../shared/etcd.ts";
import { agentAccessDeniedMessage, EtcdAccessDeniedError } from "../shared/etcd-access.ts";
import { heartbeatKey } from "../shared/keys.ts";
import { LeaseKeeper } from "../shared/lease-keeper.ts";
import { createLogger } from "../shared/log.ts";
import { checkNodeName, type NodeName } from "../shared/node-name.ts";
import type { CommonOptions } from "../shared/options.ts";
import { certificateCommonName, loadEtcdTls } from "../shared/tls-files.ts";
import { agentLines } from "./agent-console.ts";
import { Heartbeat } from "./heartbeat.ts";
import type { Monitor } from "./monitor.ts";

export interface AgentOptions extends CommonOptions {
  /** Parsed by the CLI (--name); the hostname is parsed here when it is missing. */
  name?: NodeName;
  ttl: number;
  quiet: boolean;
  leaveOnExit: boolean;
}

function hostnameAsNodeName(): NodeName {
  const host = checkNodeName(os.hostname());
  if (!host.ok) throw new ValidationError(`${host.problem} (set one with --name)`, "name");
  return host.name;
}

export async function runAgent(opts: AgentOptions): Promise<void> {
  const node = opts.name ?? hostnameAsNodeName();

  const log = createLogger(opts.logFormat, opts.logLevel, "agent");
  // Stored strings are escaped where a line is built; this keeps any that slipped through
  // from driving the terminal.
  const say = (line: string) => process.stdout.write(`${escapeControlLines(line)}\n`);
  const clock = systemClock;
  const tls = loadEtcdTls(opts);
  const certUser = tls?.cert ? certificateCommonName(tls.cert) : undefined;
  const client = createEtcdClient({ endpoints: opts.etcd, tls });
  const keeper = new LeaseKeeper(client, {
    clock,
    onStreamState: (state, detail) => log.debug({ state, detail }, "keepalive stream"),
  });

  const heartbeat = new Heartbeat({
    client,
    keeper,
    node,
    ttlS: opts.ttl,
    clock,
    guardKey: true,
    events: {
      renewed: () => {
        if (!opts.quiet) say(agentLines.heartbeat(node));
      },
      established: (lease, attempts, isRecovery) =>
        say(isRecovery ? agentLines.regained(lease, attempts) : agentLines.started(node, lease, opts.ttl)),
      lost: (reason) => say(agentLines.lost(reason)),
      restored: (why) => say(agentLines.keyRestored(heartbeatKey(node), why)),
      retrying: (error, delayMs) => say(agentLines.waiting(error, delayMs)),
      denied: () => {
        console.error(`fleetwatch: ${agentAccessDeniedMessage(node, heartbeatKey(node), certUser)}`);
        process.exit(1);
      },
    },
  });

  // Loaded once the node is registered (below): none of it is on the path to the first heartbeat.
  let monitor: Monitor | undefined;

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    await monitor?.stop();
    if (opts.leaveOnExit) {
      try {
        await heartbeat.leave();
        say(agentLines.left(node));
      } catch (err) {
        log.error({ err }, "could not revoke the lease; it will expire after its TTL");
      }
    } else {
      heartbeat.release();
      say(agentLines.stoppedKeepingLease(node, opts.ttl));
    }
    keeper.close();
    client.close();
    log.debug({ signal }, "agent stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  // With a node certificate, say once whether this etcd keeps the per-node promises.
  if (tls?.cert)
    void import("../security/etcd-version-check.ts")
      .then(({ reportEtcdAdvisories }) => reportEtcdAdvisories(client, say, log))
      .catch((err: unknown) =>
        log.warn({ err }, "could not check the etcd version for known security problems"),
      );
  try {
    await heartbeat.start();
  } catch (err) {
    if (!(err instanceof EtcdAccessDeniedError)) throw err;
    keeper.close();
    client.close();
    throw new EtcdAccessDeniedError(agentAccessDeniedMessage(node, heartbeatKey(node), certUser));
  }
  const { createMonitor } = await import("./monitor.ts");
  if (stopping) return;
  monitor = createMonitor({ client, node, heartbeat, clock, log, say });
  // The config watch lists (retrying with backoff until etcd answers), then watches; it
  // re-lists on its own after a compaction.
  await monitor.start();
}
