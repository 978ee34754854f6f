// The `server` subcommand's HTTP flags, declared here so src/cli/main.ts only adds them.

import { httpUrlArg, integerArg } from "../../cli/args.ts";
import { type Command, InvalidArgumentError, Option } from "../../shared/cjs/commander.ts";

export const DEFAULT_HTTP_LISTEN = "127.0.0.1:8080";
/** A team's open tabs, with room; 100 stalled clients then hold at most ~100 MiB plus one message each (stream.ts). */
export const DEFAULT_MAX_STREAMS = 100;

export type HttpListen = { host: string; port: number } | "off";

export interface HttpCliOptions {
  http: HttpListen;
  apiToken?: string;
  /** A file holding the token, read once at start (src/manager/http/api-token.ts). */
  apiTokenFile?: string;
  /** How users reach the dashboard (behind a proxy, or when bound to 0.0.0.0), for alert links. */
  externalUrl?: string;
  httpMaxStreams?: number;
}

/** "127.0.0.1:8080", "0.0.0.0:8080", "[::1]:8080", ":8080" (all interfaces) or "off". Port 0 picks a free one. */
export function parseListen(text: string): HttpListen {
  if (text === "off") return "off";
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s/]*)):(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[3]);
  if (!m || port > 65535) {
    throw new InvalidArgumentError(`"${text}" is not host:port or off (example: 127.0.0.1:8080)`);
  }
  const host = m[1] ?? (m[2] || "0.0.0.0");
  return { host, port };
}

/** Normalised without a trailing slash, so links are `${externalUrl}/nodes/<node>`. */
export function externalUrlArg(value: string): string {
  return httpUrlArg(value).href.replace(/\/+$/, "");
}

export function withHttpOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--http <host:port|off>", "dashboard, JSON API and /metrics address")
        .env("FLEETWATCH_HTTP")
        .default(parseListen(DEFAULT_HTTP_LISTEN), DEFAULT_HTTP_LISTEN)
        .argParser(parseListen),
    )
    .addOption(
      new Option(
        "--api-token <token>",
        "bearer token required by the API's write endpoints (none: writes refused)",
      ).env("FLEETWATCH_API_TOKEN"),
    )
    .addOption(
      new Option(
        "--api-token-file <file>",
        "read the API token from this file at start (keeps it out of ps); instead of --api-token",
      ).env("FLEETWATCH_API_TOKEN_FILE"),
    )
    .addOption(
      new Option(
        "--external-url <url>",
        "URL users reach the dashboard at, for links in alerts (default: the --http address)",
      )
        .env("FLEETWATCH_EXTERNAL_URL")
        .argParser(externalUrlArg),
    )
    .addOption(
      new Option("--http-max-streams <n>", "dashboard streams (SSE) open at once; more get 503")
        .env("FLEETWATCH_HTTP_MAX_STREAMS")
        .default(DEFAULT_MAX_STREAMS)
        .argParser(integerArg(1, 100_000)),
    );
}
