// The `server` subcommand's alerting flags, declared here so src/cli/main.ts only adds them.

import { durationArg, httpUrlArg } from "../../cli/args.ts";
import { type Command, InvalidArgumentError, Option } from "../../shared/cjs/commander.ts";

/** Webhook body formats (webhook-format.ts); declared here so the flags import nothing heavy. */
export const WEBHOOK_FORMATS = ["alertmanager", "slack"] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export interface AlertCliOptions {
  alertWebhook: string[];
  alertFormat: WebhookFormat;
  /** ms; 0 = each webhook alert in its own POST. */
  alertGroupWait: number;
  alertOnLeave: boolean;
  /** Alertmanager base URLs (alerts go to `<url>/api/v2/alerts`). */
  alertmanager: string[];
}

/** Longest grouping window accepted: longer would just delay pages. */
const MAX_GROUP_WAIT_MS = 10 * 60 * 1000;

function webhookArg(value: string, previous: string[] = []): string[] {
  httpUrlArg(value);
  return [...previous, value];
}

/** Repeatable; FLEETWATCH_ALERTMANAGER may hold several, comma-separated. Stored without a trailing slash. */
function alertmanagerArg(value: string, previous: string[] = []): string[] {
  const urls = value
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
  if (urls.length === 0) throw new InvalidArgumentError("an Alertmanager URL is empty");
  return [...previous, ...urls.map((u) => httpUrlArg(u).href.replace(/\/+$/, ""))];
}

/** "0", "500ms", "5s", "1m": the one duration grammar (shared/duration.ts), at most 10m. */
export function parseGroupWait(text: string): number {
  const ms = Math.round(durationArg(text));
  if (ms > MAX_GROUP_WAIT_MS) throw new InvalidArgumentError(`"${text}" is longer than 10m`);
  return ms;
}

export function withAlertOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--alertmanager <url>",
        "push alerts to this Alertmanager's API v2 (repeatable; env: comma-separated)",
      )
        .env("FLEETWATCH_ALERTMANAGER")
        .default([])
        .argParser(alertmanagerArg),
    )
    .addOption(
      new Option("--alert-webhook <url>", "POST an alert on DEAD and RECOVERED here (repeatable)")
        .default([])
        .argParser(webhookArg),
    )
    .addOption(
      new Option("--alert-format <format>", "webhook body format")
        .choices([...WEBHOOK_FORMATS])
        .env("FLEETWATCH_ALERT_FORMAT")
        .default("alertmanager"),
    )
    .addOption(
      new Option(
        "--alert-group-wait <duration>",
        "gather webhook alerts this long and send them in one POST (e.g. 5s; default: each alone)",
      )
        .env("FLEETWATCH_ALERT_GROUP_WAIT")
        .default(0, "0")
        .argParser(parseGroupWait),
    )
    .addOption(
      new Option(
        "--alert-on-leave",
        "a graceful leave (LEFT) is an alert too (info), resolved when the node rejoins",
      ).env("FLEETWATCH_ALERT_ON_LEAVE"),
    );
}
