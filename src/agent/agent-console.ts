// The lab's console words for the agent, in one place so tests and docs match them.

import { describeConfig } from "../shared/config-merge.ts";
import { escapeControl } from "../shared/escape.ts";
import type { EffectiveConfig } from "../shared/schema.ts";

export const agentLines = {
  heartbeat: (node: string) => `[Heartbeat] Sent for ${node}`,
  started: (node: string, lease: string, ttl: number) =>
    `[Heartbeat] Node ${node} registered (lease ${lease}, TTL ${ttl}s)`,
  waiting: (error: string, delayMs: number) =>
    `[Heartbeat] Cannot reach etcd (${error}); retrying in ${(delayMs / 1000).toFixed(1)}s...`,
  lost: (reason: string) => `[Heartbeat] Lease lost (${reason}); granting a new one...`,
  keyRestored: (key: string, why: string) => `[Heartbeat] ${key} was ${why}; put it back`,
  regained: (lease: string, attempts: number) =>
    `[Heartbeat] New lease ${lease} granted${attempts > 1 ? ` after ${attempts} attempts` : ""}; heartbeat restored`,
  configInitial: (config: EffectiveConfig, stored: boolean) =>
    `[Config] Loaded: ${describeConfig(config)}${stored ? "" : " (no config stored; using defaults)"}`,
  configDetected: () => "[Config] Detected update...",
  configApplied: (config: EffectiveConfig) => `[Config] Updated successfully: ${describeConfig(config)}`,
  configRejected: (key: string, revision: number, reason: string, config: EffectiveConfig) =>
    `[Config] Rejected ${key} (revision ${revision}): ${escapeControl(reason)}; keeping ${describeConfig(config)}`,
  collecting: (config: EffectiveConfig) =>
    `[Monitor] Collecting [${config.metrics.join(", ")}]. Next run in ${config.interval}s...`,
  stoppedKeepingLease: (node: string, ttl: number) =>
    `[Agent] Stopped. Lease left to expire: ${node} will be reported DEAD within ${ttl}s (--leave-on-exit leaves at once)`,
  left: (node: string) => `[Agent] ${node} left the fleet (lease revoked)`,
};
