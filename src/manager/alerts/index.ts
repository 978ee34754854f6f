// Alerting, built once per server process (src/manager/main.ts), beside the console and
// the HTTP server rather than inside either: alerts need neither. It subscribes to the
// manager's effects (transitions) and leadership (only the leader records and sends).
import type { Etcd3 } from "etcd3";
import type { Clock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/log.ts";
import type { EtcdTimer } from "../http/prom.ts";
import type { Manager } from "../manager.ts";
import { AlertmanagerPush } from "./alertmanager-push.ts";
import type { AlertCliOptions } from "./options.ts";
import { WebhookOutbox } from "./outbox.ts";

export interface AlertingDeps {
  manager: Manager;
  client: Etcd3;
  clock: Clock;
  log: Logger;
  /** Base URL of the dashboard for links ("" without one). */
  externalUrl: () => string;
  /** Present with the HTTP server: etcd latency and delivery counters for /metrics. */
  metrics?: {
    timed: EtcdTimer;
    delivery(target: "webhook" | "alertmanager", ok: boolean): void;
  };
}

export interface Alerting {
  stop(): Promise<void>;
}

export function startAlerting(
  opts: Partial<AlertCliOptions>,
  deps: AlertingDeps,
  print: (line: string) => void,
): Alerting | undefined {
  const webhooks = opts.alertWebhook ?? [];
  const alertmanagers = opts.alertmanager ?? [];
  if (webhooks.length === 0 && alertmanagers.length === 0) return undefined;
  const { manager, clock, log, metrics } = deps;
  const alertOnLeave = opts.alertOnLeave ?? false;
  const outbox = new WebhookOutbox({
    client: deps.client,
    webhooks,
    format: opts.alertFormat ?? "alertmanager",
    groupWaitMs: opts.alertGroupWait ?? 0,
    alertOnLeave,
    externalUrl: deps.externalUrl,
    clock,
    log,
    timed: metrics?.timed ?? ((_op, call) => call()),
    views: () => manager.state.nodes,
    guard: () => manager.leaderGuard(),
    onDelivery: (ok) => metrics?.delivery("webhook", ok),
  });
  const push = new AlertmanagerPush({
    urls: alertmanagers,
    alertOnLeave,
    externalUrl: deps.externalUrl,
    clock,
    log,
    views: () => manager.state.nodes.values(),
    onPush: (ok) => metrics?.delivery("alertmanager", ok),
  });
  const lead = () => {
    outbox.lead();
    push.lead();
  };
  const follow = () => {
    outbox.follow();
    push.follow();
  };
  const unsubscribeLeadership = manager.subscribeLeadership((l) => (l.role === "leader" ? lead() : follow()));
  const unsubscribeEffects = manager.subscribe((effect) => {
    outbox.onEffect(effect);
    if (effect.type === "transition") push.changed();
  });
  if (manager.isLeader) lead();

  const what = alertOnLeave
    ? "DEAD and LEFT (resolved on recovery and rejoin)"
    : "DEAD (resolved on recovery)";
  if (alertmanagers.length > 0) print(`[Alerts] ${what} pushed to ${alertmanagers.length} Alertmanager(s)`);
  if (webhooks.length > 0) {
    print(`[Alerts] ${what} go to ${webhooks.length} webhook(s) as ${opts.alertFormat ?? "alertmanager"}`);
  }
  return {
    async stop() {
      unsubscribeEffects();
      unsubscribeLeadership();
      follow();
    },
  };
}
