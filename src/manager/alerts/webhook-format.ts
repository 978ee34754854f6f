// Alert payloads for webhook receivers. Pure: records in, a JSON body out.
// - "alertmanager": the body Prometheus Alertmanager POSTs to its webhook receivers
//   (version "4"), so tools that accept Alertmanager webhooks accept ours. DEAD (and LEFT
//   with --alert-on-leave) fire; RECOVERED (REJOINED) resolve the same alert: same labels,
//   same fingerprint, the original startsAt.
// - "slack": a Slack incoming-webhook message (`text`, with mrkdwn; `&`, `<`, `>` escaped).
// One record per body, or several when a grouping window collected them.
// Both carry node, state, time and reason, and the idempotency key `<node>/<revision>`.
import { createHash } from "node:crypto";
import { labelFingerprint } from "./fingerprint.ts";
import type { WebhookFormat } from "./options.ts";
import { type AlertRecord, alertName, idempotencyKey, isFiring } from "./record.ts";

export { WEBHOOK_FORMATS, type WebhookFormat } from "./options.ts";

/** Go's zero time: what Alertmanager's webhook carries as endsAt of a firing alert. */
const ZERO_TIME = "0001-01-01T00:00:00Z";

export function webhookBody(records: AlertRecord[], format: WebhookFormat, externalUrl: string): unknown {
  return format === "slack" ? slackBody(records, externalUrl) : alertmanagerBody(records, externalUrl);
}

/** One record: its own key; a group: a digest of the members' keys (bounded length). */
export function batchIdempotencyKey(records: AlertRecord[]): string {
  if (records.length === 1) return idempotencyKey(records[0] as AlertRecord);
  const digest = createHash("sha256").update(records.map(idempotencyKey).join("\n")).digest("hex");
  return `group/${digest.slice(0, 32)}`;
}

export function summary(a: Pick<AlertRecord, "node" | "kind" | "reason">): string {
  switch (a.kind) {
    case "DEAD":
      return `Node ${a.node} is DEAD (${a.reason})`;
    case "LEFT":
      return `Node ${a.node} LEFT (${a.reason})`;
    case "RECOVERED":
      return `Node ${a.node} is ALIVE again (${a.reason})`;
    case "REJOINED":
      return `Node ${a.node} rejoined (${a.reason})`;
    default:
      return a.kind satisfies never;
  }
}

/** The labels of a node's alert: identical for the firing and the resolving record. */
export function alertLabels(node: string, kind: AlertRecord["kind"]): Record<string, string> {
  const alertname = alertName(kind);
  return { alertname, node, severity: alertname === "FleetwatchNodeLeft" ? "info" : "critical" };
}

export const nodePageUrl = (externalUrl: string, node: string) =>
  externalUrl ? `${externalUrl}/nodes/${encodeURIComponent(node)}` : "";

function webhookAlert(a: AlertRecord, externalUrl: string) {
  const firing = isFiring(a.kind);
  const labels = alertLabels(a.node, a.kind);
  // What differs between the firing and the resolving record (the state entered) is an
  // annotation, not a label: receivers that match by labels or fingerprint close the alert.
  const annotations = {
    summary: summary(a),
    description: `${summary(a)} at ${new Date(a.at).toISOString()} (etcd revision ${a.revision})`,
    reason: a.reason,
    state: a.state,
  };
  const time = new Date(a.at).toISOString();
  return {
    status: firing ? "firing" : "resolved",
    labels,
    annotations,
    startsAt: firing ? time : new Date(a.firingAt ?? a.at).toISOString(),
    endsAt: firing ? ZERO_TIME : time,
    generatorURL: nodePageUrl(externalUrl, a.node),
    fingerprint: labelFingerprint(labels),
  };
}

function event(a: AlertRecord) {
  return {
    node: a.node,
    state: a.state,
    event: a.kind,
    reason: a.reason,
    time: new Date(a.at).toISOString(),
    revision: a.revision,
    idempotencyKey: idempotencyKey(a),
  };
}

function common(maps: Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = maps;
  return Object.fromEntries(Object.entries(first ?? {}).filter(([k, v]) => rest.every((m) => m[k] === v)));
}

function alertmanagerBody(records: AlertRecord[], externalUrl: string) {
  const alerts = records.map((r) => webhookAlert(r, externalUrl));
  const status = alerts.some((a) => a.status === "firing") ? "firing" : "resolved";
  const commonLabels = common(alerts.map((a) => a.labels));
  const groupLabels = Object.fromEntries(
    Object.entries(commonLabels).filter(([k]) => k === "alertname" || k === "node"),
  );
  const groupKey = `{}:{${Object.entries(groupLabels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(", ")}}`;
  const single = records.length === 1 ? (records[0] as AlertRecord) : undefined;
  return {
    version: "4",
    groupKey,
    truncatedAlerts: 0,
    status,
    receiver: "fleetwatch",
    groupLabels,
    commonLabels,
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL: externalUrl,
    alerts,
    // One event: its fields, as before grouping existed; a group: the list of them.
    fleetwatch: single
      ? event(single)
      : { events: records.map(event), idempotencyKey: batchIdempotencyKey(records) },
  };
}

/**
 * Slack reads `&`, `<` and `>` in `text` as markup (`<url|label>` links, `<!channel>`
 * mentions); everything else is literal. Text from etcd (the reason) is escaped with the
 * three entities Slack documents, so it can neither break the link nor ping a channel.
 */
export function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const ICONS = {
  DEAD: ":red_circle:",
  LEFT: ":white_circle:",
  RECOVERED: ":large_green_circle:",
  REJOINED: ":large_green_circle:",
} as const;

function slackLine(a: AlertRecord, externalUrl: string): string {
  const time = new Date(a.at).toISOString();
  // Without a dashboard (--http off) there is nothing to link to: a relative link is broken.
  const page = nodePageUrl(externalUrl, a.node);
  const link = page ? `<${page}|dashboard>, ` : "";
  return `${ICONS[a.kind]} *${slackEscape(summary(a))}* at ${time} (${link}revision ${a.revision})`;
}

function slackBody(records: AlertRecord[], externalUrl: string) {
  // Only `text` (mrkdwn by default), the one field every incoming webhook accepts.
  return { text: records.map((r) => slackLine(r, externalUrl)).join("\n") };
}

/** Base URL of the dashboard for links in alerts: `http://host:port`, IPv6 in brackets. */
export function dashboardUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
