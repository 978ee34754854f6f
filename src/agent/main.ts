// `fleetwatch agent`: wires heartbeat, config watch and collection together and
// prints the lab's console lines. All I/O policy lives in the modules it wires.

import os from "node:os";
import { reportEtcdAdvisories } from "../security/etcd-version-check.ts";
import { systemClock } from "../shared/clock.ts";
import type { EffectiveConfig } from "../shared/config-value.ts";
import { errorMessage, ValidationError } from "../shared/errors.ts";
import { escapeControlLines } from "../shared/escape.ts";
import { createEtcdClient } from "../shared/etcd.ts";
import { agentAccessDeniedMessage, EtcdAccessDeniedError } from "../shared/etcd-access.ts";
import { heartbeatKey, metricsKey } from "../shared/keys.ts";
import { LeaseKeeper } from "../shared/lease-keeper.ts";
import { createLogger } from "../shared/log.ts";
import { checkNodeName, type NodeName } from "../shared/node-name.ts";
import type { CommonOptions } from "../shared/options.ts";
import { encodeSample } from "../shared/sample-encode.ts";
import { certificateCommonName, loadEtcdTls } from "../shared/tls-files.ts";
import { agentLines } from "./agent-console.ts";
import { CollectionLoop } from "./collection-loop.ts";
import { createCollectors, formatSample, type Sample } from "./collectors/index.ts";
import { ConfigWatch } from "./config-watch.ts";
import { Heartbeat } from "./heartbeat.ts";

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

  const collectors = createCollectors();
  const loop = new CollectionLoop({
    clock,
    onError: (err) => log.error({ err }, "collection run failed; trying again at the next interval"),
    run: async (config: EffectiveConfig) => {
      const values: Record<string, Sample> = {};
      const lines: string[] = [];
      for (const metric of config.metrics) {
        try {
          const sample = await collectors[metric].collect();
          values[metric] = sample;
          lines.push(`  ${formatSample(metric, sample)}`);
        } catch (err) {
          lines.push(`  ${metric}: unavailable (${errorMessage(err)})`);
        }
      }
      say([agentLines.collecting(config), ...lines].join("\n"));
      await heartbeat
        .publish(metricsKey(node), encodeSample(clock.now(), config.interval, values))
        .catch((err: unknown) => {
          log.warn({ err }, "could not publish metrics; they will be re-put with the next sample");
        });
    },
  });

  const configWatch = new ConfigWatch({
    client,
    node,
    onStatus: (status) => {
      if (status.state === "resyncing") log.info({ reason: status.reason }, "config watch re-listing");
      else if (status.state === "list-failed")
        log.warn({ err: status.error }, "could not read config; retrying");
    },
    onChange: (change) => {
      switch (change.type) {
        case "initial":
          say(
            agentLines.configInitial(change.config, change.ack.nodeRevision + change.ack.defaultRevision > 0),
          );
          if (change.ack.rejected) {
            const r = change.ack.rejected;
            say(agentLines.configRejected(r.key, r.revision, r.reason, change.config));
          }
          break;
        case "applied":
          say(agentLines.configDetected());
          say(agentLines.configApplied(change.config));
          break;
        case "rejected":
          say(agentLines.configDetected());
          say(agentLines.configRejected(change.key, change.revision, change.reason, change.config));
          log.warn({ key: change.key, revision: change.revision, reason: change.reason }, "config rejected");
          break;
        default:
          change satisfies never;
      }
      loop.reconfigure(change.config);
      void heartbeat.setAck(change.ack);
    },
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    loop.stop();
    await configWatch.stop().catch(() => undefined);
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
  if (tls?.cert) void reportEtcdAdvisories(client, say, log);
  try {
    await heartbeat.start();
  } catch (err) {
    if (!(err instanceof EtcdAccessDeniedError)) throw err;
    keeper.close();
    client.close();
    throw new EtcdAccessDeniedError(agentAccessDeniedMessage(node, heartbeatKey(node), certUser));
  }
  // The config watch lists (retrying with backoff until etcd answers), then watches; it
  // re-lists on its own after a compaction.
  await configWatch.start();
}
