// What the agent does once its node is registered: watch its config and collect metrics at the
// configured interval, publishing each sample under the heartbeat's lease. Loaded by main.ts
// after the first heartbeat, so the config watch, the collectors and their modules are not on
// the path from spawn to registered (bench/RESULTS.md section 8).
import type { Etcd3 } from "etcd3";
import type { Clock } from "../shared/clock.ts";
import type { EffectiveConfig } from "../shared/config-value.ts";
import { errorMessage } from "../shared/errors.ts";
import { metricsKey } from "../shared/keys.ts";
import type { Logger } from "../shared/log.ts";
import type { NodeName } from "../shared/node-name.ts";
import { encodeSample } from "../shared/sample-encode.ts";
import { agentLines } from "./agent-console.ts";
import { CollectionLoop } from "./collection-loop.ts";
import { createCollectors, formatSample, type Sample } from "./collectors/index.ts";
import { ConfigWatch } from "./config-watch.ts";
import type { Heartbeat } from "./heartbeat.ts";

export interface MonitorDeps {
  client: Etcd3;
  node: NodeName;
  heartbeat: Heartbeat;
  clock: Clock;
  log: Logger;
  say(line: string): void;
}

export interface Monitor {
  /** Lists the config (retrying until etcd answers), then watches it; collection follows it. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createMonitor({ client, node, heartbeat, clock, log, say }: MonitorDeps): Monitor {
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

  return {
    start: () => configWatch.start(),
    stop: async () => {
      loop.stop();
      await configWatch.stop().catch(() => undefined);
    },
  };
}
