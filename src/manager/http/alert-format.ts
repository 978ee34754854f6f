// Alert payloads for webhook receivers. Pure: an alert in, a JSON body out.
// - "alertmanager": the body Prometheus Alertmanager POSTs to its webhook receivers
//   (version "4"), so tools that accept Alertmanager webhooks accept ours. DEAD and LEFT
//   fire; RECOVERED resolves the node's FleetwatchNodeDead alert.
// - "slack": a Slack incoming-webhook message (`text`, with mrkdwn; `&`, `<`, `>` escaped).
// Both carry node, state, time and reason, and the idempotency key `<node>/<revision>`.

import { createHash } from "node:crypto";

export type AlertFormat = "alertmanager" | "slack";
export const ALERT_FORMATS: AlertFormat[] = ["alertmanager", "slack"];

export type AlertKind = "DEAD" | "LEFT" | "RECOVERED";

export interface AlertRecord {
  node: string;
  kind: AlertKind;
  /** Liveness state entered: DEAD, LEFT, or ALIVE for RECOVERED. */
  state: "DEAD" | "LEFT" | "ALIVE";
  reason: string;
  /** ms since epoch of the transition, as the manager observed it. */
  at: number;
  /** etcd revision of the event that caused the transition: with `node`, the idempotency key. */
  revision: number;
  /** Ids of the webhooks that answered 2xx (a hash of the URL: URLs can hold secrets). */
  delivered: string[];
}

export const idempotencyKey = (a: Pick<AlertRecord, "node" | "revision">) => `${a.node}/${a.revision}`;

export function alertBody(alert: AlertRecord, format: AlertFormat, externalUrl: string): unknown {
  return format === "slack" ? slackBody(alert, externalUrl) : alertmanagerBody(alert, externalUrl);
}

function summary(a: AlertRecord): string {
  switch (a.kind) {
    case "DEAD":
      return `Node ${a.node} is DEAD (${a.reason})`;
    case "LEFT":
      return `Node ${a.node} LEFT (${a.reason})`;
    case "RECOVERED":
      return `Node ${a.node} is ALIVE again (${a.reason})`;
    default:
      return a.kind satisfies never;
  }
}

function alertmanagerBody(a: AlertRecord, externalUrl: string) {
  const firing = a.kind !== "RECOVERED";
  const alertname = a.kind === "LEFT" ? "FleetwatchNodeLeft" : "FleetwatchNodeDead";
  // An alert's identity is its label set: RECOVERED carries exactly the labels of the
  // DEAD alert it resolves, so receivers that match by labels or fingerprint close it.
  // What differs between the two (the state entered) is an annotation, not a label.
  const labels = { alertname, node: a.node, severity: a.kind === "LEFT" ? "info" : "critical" };
  const annotations = {
    summary: summary(a),
    description: `${summary(a)} at ${new Date(a.at).toISOString()} (etcd revision ${a.revision})`,
    reason: a.reason,
    state: a.state,
  };
  const time = new Date(a.at).toISOString();
  const status = firing ? "firing" : "resolved";
  return {
    version: "4",
    groupKey: `{}:{alertname="${alertname}", node="${a.node}"}`,
    truncatedAlerts: 0,
    status,
    receiver: "fleetwatch",
    groupLabels: { alertname, node: a.node },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: externalUrl,
    alerts: [
      {
        status,
        labels,
        annotations,
        startsAt: time,
        endsAt: firing ? "0001-01-01T00:00:00Z" : time,
        generatorURL: externalUrl ? `${externalUrl}/nodes/${encodeURIComponent(a.node)}` : "",
        fingerprint: labelFingerprint(labels),
      },
    ],
    fleetwatch: {
      node: a.node,
      state: a.state,
      event: a.kind,
      reason: a.reason,
      time,
      revision: a.revision,
      idempotencyKey: idempotencyKey(a),
    },
  };
}

/** Alertmanager's fingerprint is a hash of the sorted label set; ours is stable the same way. */
export function labelFingerprint(labels: Record<string, string>): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join("\xff");
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

/**
 * Slack reads `&`, `<` and `>` in `text` as markup (`<url|label>` links, `<!channel>`
 * mentions); everything else is literal. Text from etcd (the reason) is escaped with the
 * three entities Slack documents, so it can neither break the link nor ping a channel.
 */
export function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function slackBody(a: AlertRecord, externalUrl: string) {
  const icon =
    a.kind === "DEAD" ? ":red_circle:" : a.kind === "LEFT" ? ":white_circle:" : ":large_green_circle:";
  const time = new Date(a.at).toISOString();
  // Without a dashboard (--http off) there is nothing to link to: a relative link is broken.
  const link = externalUrl ? `<${externalUrl}/nodes/${encodeURIComponent(a.node)}|dashboard>, ` : "";
  return {
    // Only `text` (mrkdwn by default), the one field every incoming webhook accepts.
    text: `${icon} *${slackEscape(summary(a))}* at ${time} (${link}revision ${a.revision})`,
  };
}

/** Base URL of the dashboard for links in alerts: `http://host:port`, IPv6 in brackets. */
export function dashboardUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
