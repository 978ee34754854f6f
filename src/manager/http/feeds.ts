// The two etcd feeds behind the dashboard besides the manager's effects: informers on
// `/monitor/metrics/` (samples) and `/monitor/config/` (stored configs). Configs are decoded at
// this boundary (`decodeConfigEntry`); samples go on as text, because the SampleStore decodes
// one only when its revision is new (a re-list repeats thousands). Each feed logs its list
// failures and re-lists and counts its returns in fleetwatch_watch_reconnects_total.
import type { Etcd3 } from "etcd3";
import { Informer, type InformerEvent, type InformerItem } from "../../shared/informer.ts";
import { type InformerStatusListener, logStatus, whenBack } from "../../shared/informer-status.ts";
import { CONFIG_PREFIX, METRICS_PREFIX } from "../../shared/keys.ts";
import { etcdKvSource } from "../../shared/kv-source.ts";
import type { Logger } from "../../shared/log.ts";
import { decodeConfigEntry, type StoredEntry } from "./config-view.ts";
import type { FleetMetrics } from "./prom.ts";

export interface FeedHandlers {
  onSample(key: string, text: string, modRevision: number): void;
  onConfigList(items: InformerItem<StoredEntry>[]): void;
  onConfigEvents(events: InformerEvent<StoredEntry>[]): void;
}

export function dashboardFeeds(
  client: Etcd3,
  metrics: Pick<FleetMetrics, "timed" | "watchReconnects">,
  log: Logger,
  handlers: FeedHandlers,
): Informer<unknown>[] {
  const source = etcdKvSource(client, metrics.timed);
  const text = (stored: { value: string }) => stored.value;
  const statuses = (prefix: string, watch: string): InformerStatusListener => {
    const logged = logStatus(log, prefix);
    const counted = whenBack(() => metrics.watchReconnects.inc({ watch }));
    return (status) => {
      logged(status);
      counted(status);
    };
  };
  const samples: Informer<string> = new Informer({
    source,
    target: { prefix: METRICS_PREFIX },
    decode: text,
    onList: (items) => {
      for (const k of items) handlers.onSample(k.key, k.value, k.modRevision);
    },
    onEvents: (events) => {
      for (const ev of events) if (ev.type === "put") handlers.onSample(ev.key, ev.value, ev.modRevision);
    },
    onStatus: statuses(METRICS_PREFIX, "metrics"),
  });
  const configs: Informer<StoredEntry> = new Informer({
    source,
    target: { prefix: CONFIG_PREFIX },
    decode: decodeConfigEntry,
    onList: (items) => handlers.onConfigList(items),
    onEvents: (events) => handlers.onConfigEvents(events),
    onStatus: statuses(CONFIG_PREFIX, "config"),
  });
  return [samples, configs];
}
