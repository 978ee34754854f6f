// The edge every `fleetwatch ctl` command runs through: builds the etcd client from the
// common options, turns every failure into ONE line on stderr and an exit code a script
// can branch on (docs/config.md "Exit codes"), and always closes the client.
import { type Etcd3, EtcdError, GRPCGenericError } from "../../shared/cjs/etcd3.ts";
import { formatEndpoint } from "../../shared/endpoints.ts";
import { ConflictError, errorMessage, ValidationError } from "../../shared/errors.ts";
import { escapeControl, escapeControlJson, escapeControlLines } from "../../shared/escape.ts";
import { createEtcdClient } from "../../shared/etcd.ts";
import { invalidValueLine, invalidValues } from "../../shared/invalid-values.ts";
import type { CommonOptions } from "../../shared/options.ts";
import { loadEtcdTls } from "../../shared/tls-files.ts";

export const EXIT = {
  ok: 0,
  failure: 1,
  invalid: 2,
  conflict: 3,
  etcd: 4,
  notAcknowledged: 5,
  /** `config diff`: the node is not in sync (pending, rejected or unknown). */
  notInSync: 6,
} as const;

/** Reported with its own exit code; the message is already one line. */
export class CtlExit extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

export interface CtlContext {
  client: Etcd3;
  opts: CommonOptions;
  out(line: string): void;
}

export async function runCtl(opts: CommonOptions, body: (ctx: CtlContext) => Promise<number | undefined>) {
  let client: Etcd3 | undefined;
  let code: number = EXIT.ok;
  try {
    client = createEtcdClient({ endpoints: opts.etcd, tls: loadEtcdTls(opts) });
    // A value that does not decode is left out of the output and said once on stderr.
    invalidValues.subscribe((report) => process.stderr.write(`${invalidValueLine(report)}\n`));
    code =
      (await body({ client, opts, out: (line) => process.stdout.write(`${safeOutput(line)}\n`) })) ?? EXIT.ok;
  } catch (err) {
    const [message, exitCode] = classify(err, opts);
    process.stderr.write(`fleetwatch ctl: ${escapeControl(oneLine(message))}\n`);
    code = exitCode;
  } finally {
    client?.close();
  }
  // Leftover gRPC handles must not keep a script waiting.
  process.exit(code);
}

function classify(err: unknown, opts: CommonOptions): [string, number] {
  if (err instanceof CtlExit) return [err.message, err.code];
  if (err instanceof ValidationError) return [err.message, EXIT.invalid];
  if (err instanceof ConflictError) return [err.message, EXIT.conflict];
  const message = errorMessage(err);
  if (
    err instanceof GRPCGenericError ||
    err instanceof EtcdError ||
    /deadline|unavailable|ECONNREFUSED|No connection established/i.test(message)
  ) {
    return [`cannot reach etcd at ${opts.etcd.map(formatEndpoint).join(",")}: ${message}`, EXIT.etcd];
  }
  return [message, EXIT.failure];
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/** No control character reaches the terminal; JSON output stays valid JSON. */
function safeOutput(text: string): string {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    return escapeControlJson(text);
  }
  return escapeControlLines(text);
}
