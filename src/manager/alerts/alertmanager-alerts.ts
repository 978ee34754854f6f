// The alerts fleetwatch holds in Alertmanager, derived from the fleet view alone. Pure.
//
// Like Prometheus, fleetwatch does not tell Alertmanager about changes: it re-sends the
// whole current set (POST /api/v2/alerts) periodically and on each transition. A firing
// alert's endsAt is a few resend periods ahead, so if every manager dies, Alertmanager
// resolves it by itself rather than keeping it forever; a resolution carries the real
// endsAt and is re-sent for RESOLVED_RESEND_MS so a receiver that missed one still gets it.
// Because everything comes from the view, a new leader re-pushes exactly the set the old
// one held, and there is no order to get wrong: each POST states the present.
import type { NodeView } from "../liveness.ts";
import { recordFor } from "./record.ts";
import { alertLabels, nodePageUrl, summary } from "./webhook-format.ts";

/** A PostableAlert of Alertmanager's API v2. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

export const RESEND_MS = 30_000;
/** A firing alert stays valid this long without a resend (Prometheus uses 4 resend delays). */
export const FIRING_VALID_MS = 4 * RESEND_MS;
/** Resolutions are re-sent this long (Prometheus' resolved retention is 15 minutes). */
export const RESOLVED_RESEND_MS = 15 * 60 * 1000;

export interface AlertmanagerAlertOptions {
  alertOnLeave: boolean;
  externalUrl: string;
}

export function alertmanagerAlerts(
  views: Iterable<NodeView>,
  now: number,
  o: AlertmanagerAlertOptions,
): PostableAlert[] {
  const alerts: PostableAlert[] = [];
  for (const view of views) {
    const index = view.history.length - 1;
    const record = recordFor(view, index, o.alertOnLeave);
    if (!record) continue;
    const firing = record.kind === "DEAD" || record.kind === "LEFT";
    if (!firing && now - record.at > RESOLVED_RESEND_MS) continue;
    alerts.push({
      labels: alertLabels(view.node, record.kind),
      annotations: { summary: summary(record), reason: record.reason, state: record.state },
      startsAt: new Date(firing ? record.at : (record.firingAt ?? record.at)).toISOString(),
      endsAt: new Date(firing ? now + FIRING_VALID_MS : record.at).toISOString(),
      generatorURL: nodePageUrl(o.externalUrl, view.node) || undefined,
    });
  }
  return alerts;
}
