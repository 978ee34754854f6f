// What every `ctl config` command shares: the target (`<node>` or `--default`), the
// --expect-revision option, the author recorded with a write, the service and JSON printing.
import { hostname, userInfo } from "node:os";
import type { Etcd3 } from "etcd3";
import { ConfigService, type ConfigTarget, parseTarget } from "../../config/service.ts";
import { systemClock } from "../../shared/clock.ts";
import { ValidationError } from "../../shared/errors.ts";
import type { CtlContext } from "./run.ts";

export interface TargetOptions {
  default?: boolean;
}

/** `<node>` or `--default` (commander sees `--default` as an option), exactly one. */
export function resolveTarget(node: string | undefined, opts: TargetOptions): ConfigTarget {
  if (node !== undefined && opts.default) {
    throw new ValidationError(
      `give a node name or --default, not both (got "${node}" and --default)`,
      "node",
    );
  }
  if (node === undefined && !opts.default)
    throw new ValidationError("needs a node name or --default", "node");
  return node === undefined ? { kind: "default" } : parseTarget(node);
}

export function parseRevisionOption(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new ValidationError(`${name} must be a whole number >= 0 (got ${JSON.stringify(text)})`, name);
  }
  return Number(text);
}

export function ctlAuthor(): string {
  let user = process.env.USER ?? "unknown";
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep $USER
  }
  return `ctl:${user}@${hostname()}`;
}

export const service = (client: Etcd3) => new ConfigService(client, systemClock);
export const print = (ctx: CtlContext, value: unknown) => ctx.out(JSON.stringify(value, null, 2));
