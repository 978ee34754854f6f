// `fleetwatch ctl config set`: one node, the fleet default, or every node a --selector
// matches (bulk), optionally waiting until the alive nodes acknowledge the new revision.
import type { Etcd3 } from "etcd3";
import { ackedRevision } from "../../config/compliance.ts";
import { intervalFromText, metricsFromText, readConfigFile } from "../../config/input.ts";
import { type BulkOutcome, type ConfigService, validateOverrideInput } from "../../config/service.ts";
import { ValidationError } from "../../shared/errors.ts";
import { jsonKind } from "../../shared/json-kind.ts";
import type { ConfigOverride, Heartbeat } from "../../shared/schema.ts";
import {
  ctlAuthor,
  parseRevisionOption,
  print,
  resolveTarget,
  service,
  type TargetOptions,
} from "./config-target.ts";
import { knownNodeNames, readHeartbeats } from "./fleet.ts";
import { matchNodes } from "./glob.ts";
import { type CtlContext, CtlExit, EXIT } from "./run.ts";

// ---- ctl config set ---------------------------------------------------------------------

export interface SetCliOptions extends TargetOptions {
  interval?: string;
  metrics?: string;
  fromFile?: string;
  expectRevision?: string;
  selector?: string;
  replace?: boolean;
  /** Seconds, or false for --no-wait. */
  wait: number | false;
  /** --wait was given explicitly (a single-node set only waits when asked). */
  waitExplicit: boolean;
  json?: boolean;
}

/** What the flags ask to write: the value and whether it replaces or merges. Validated. */
export async function buildSetInput(opts: SetCliOptions): Promise<{ value: ConfigOverride; merge: boolean }> {
  if (opts.interval === undefined && opts.metrics === undefined && opts.fromFile === undefined) {
    throw new ValidationError("nothing to set; give --interval, --metrics or --from-file", "value");
  }
  let input: Record<string, unknown> = {};
  if (opts.fromFile !== undefined) {
    const fromFile = await readConfigFile(opts.fromFile);
    // A JSON or YAML string holding JSON is text, not a config: never parsed a second time.
    if (typeof fromFile !== "object" || fromFile === null || Array.isArray(fromFile)) {
      throw new ValidationError(
        `${opts.fromFile} must hold one object like {"interval": 10, "metrics": ["cpu"]}, not ${jsonKind(fromFile)}`,
        "value",
      );
    }
    // Validated on its own first, so a bad file is reported as the file's problem.
    input = { ...validateOverrideInput(fromFile) };
  }
  if (opts.interval !== undefined) input.interval = intervalFromText(opts.interval);
  if (opts.metrics !== undefined) input.metrics = metricsFromText(opts.metrics);
  return { value: validateOverrideInput(input), merge: opts.fromFile === undefined && !opts.replace };
}

interface WaitReport {
  seconds: number;
  elapsedMs: number;
  acknowledged: string[];
  pending: string[];
  notAlive: string[];
}

/** Polls heartbeats until every alive node in `expect` has acknowledged its revision. */
async function waitForAcks(
  client: Etcd3,
  expect: Map<string, number>,
  key: "node" | "default",
  seconds: number,
): Promise<WaitReport> {
  const started = Date.now();
  const deadline = started + seconds * 1000;
  for (;;) {
    // Looked up by the names the writes report (node or "_default").
    const heartbeats: ReadonlyMap<string, Heartbeat | undefined> = await readHeartbeats(client);
    const acknowledged: string[] = [];
    const pending: string[] = [];
    const notAlive: string[] = [];
    for (const [node, revision] of expect) {
      if (!heartbeats.has(node)) notAlive.push(node);
      else if (ackedRevision(heartbeats.get(node)?.config, key, revision)) acknowledged.push(node);
      else pending.push(node);
    }
    const now = Date.now();
    if (pending.length === 0 || now >= deadline) {
      return { seconds, elapsedMs: now - started, acknowledged, pending, notAlive };
    }
    await new Promise((r) => setTimeout(r, Math.min(100, deadline - now)));
  }
}

export async function ctlConfigSet(
  ctx: CtlContext,
  node: string | undefined,
  opts: SetCliOptions,
): Promise<number> {
  const { value, merge } = await buildSetInput(opts);
  const expectedRevision = parseRevisionOption(opts.expectRevision, "expect-revision");
  const author = ctlAuthor();
  const svc = service(ctx.client);
  if (opts.selector !== undefined) {
    if (node !== undefined || opts.default) {
      throw new ValidationError("--selector replaces the node name; give one or the other", "selector");
    }
    if (expectedRevision !== undefined) {
      throw new ValidationError(
        "--expect-revision applies to one node; with --selector each node is guarded by the revision read",
        "expect-revision",
      );
    }
    matchNodes(opts.selector, []); // validates the glob before touching etcd
    return bulkSet(ctx, svc, opts, value, merge, author);
  }
  const target = resolveTarget(node, opts);
  const result = await svc.setDetailed(target, value, { author, merge, expectedRevision });
  let wait: WaitReport | undefined;
  if (opts.waitExplicit && opts.wait !== false) {
    const expect = new Map<string, number>();
    if (target.kind === "node") expect.set(target.node, result.revision);
    else for (const n of (await readHeartbeats(ctx.client)).keys()) expect.set(n, result.revision);
    wait = await waitForAcks(ctx.client, expect, target.kind === "node" ? "node" : "default", opts.wait);
  }
  if (opts.json) print(ctx, { ...result, wait: wait ?? null });
  else {
    const replaced = result.replacedInvalid ? " (replaced an invalid stored value)" : "";
    ctx.out(
      `Set ${result.key} = ${JSON.stringify(result.value)} (revision ${result.revision}, version ${result.version})${replaced}`,
    );
    if (wait) ctx.out(describeWait(wait));
  }
  return wait && wait.pending.length > 0 ? notAcknowledged(wait) : EXIT.ok;
}

async function bulkSet(
  ctx: CtlContext,
  svc: ConfigService,
  opts: SetCliOptions,
  value: ConfigOverride,
  merge: boolean,
  author: string,
): Promise<number> {
  const selector = opts.selector as string;
  const matched = matchNodes(selector, await knownNodeNames(ctx.client));
  if (matched.length === 0) {
    throw new CtlExit(`no known node matches --selector ${JSON.stringify(selector)}`, EXIT.invalid);
  }
  const started = Date.now();
  const outcomes = await svc.setMany(
    matched.map((n) => ({ kind: "node", node: n })),
    value,
    { author, merge },
  );
  const writeMs = Date.now() - started;
  const written = outcomes.filter((o): o is Extract<BulkOutcome, { ok: true }> => o.ok);
  const failed = outcomes.filter((o): o is Extract<BulkOutcome, { ok: false }> => !o.ok);
  const revisions = [...new Set(written.map((o) => o.result.revision))].sort((a, b) => a - b);
  let wait: WaitReport | undefined;
  if (opts.wait !== false && written.length > 0) {
    wait = await waitForAcks(
      ctx.client,
      new Map(written.map((o) => [o.node, o.result.revision])),
      "node",
      opts.wait,
    );
  }
  if (opts.json) {
    print(ctx, {
      selector,
      matched,
      written: written.length,
      transactions: revisions.length,
      writeMs,
      results: outcomes.map((o) =>
        o.ok
          ? { node: o.node, ok: true, revision: o.result.revision, version: o.result.version, error: null }
          : { node: o.node, ok: false, revision: null, version: null, error: o.error },
      ),
      wait: wait ?? null,
    });
  } else {
    const txns = `${revisions.length} transaction${revisions.length === 1 ? "" : "s"}`;
    const revs = revisions.length
      ? ` (revision ${revisions[0]}${revisions.length > 1 ? `-${revisions.at(-1)}` : ""})`
      : "";
    ctx.out(
      `Set ${JSON.stringify(value)}${merge ? " (merged)" : ""} on ${written.length}/${matched.length} nodes matching ${JSON.stringify(selector)} in ${txns}${revs}, ${writeMs} ms`,
    );
    for (const f of failed) ctx.out(`  ${f.node}: ${f.error}`);
    if (wait) ctx.out(describeWait(wait));
  }
  if (failed.length > 0) {
    throw new CtlExit(
      `${failed.length} of ${matched.length} nodes were not written (conflicts)`,
      EXIT.conflict,
    );
  }
  return wait && wait.pending.length > 0 ? notAcknowledged(wait) : EXIT.ok;
}

function describeWait(w: WaitReport): string {
  const alive = w.acknowledged.length + w.pending.length;
  const parts = [
    `Acknowledged by ${w.acknowledged.length}/${alive} alive nodes in ${(w.elapsedMs / 1000).toFixed(2)} s`,
  ];
  if (w.pending.length > 0) parts.push(`not yet: ${short(w.pending)}`);
  if (w.notAlive.length > 0) parts.push(`not alive (will apply on start): ${short(w.notAlive)}`);
  return parts.join("; ");
}

function short(names: string[]): string {
  return names.length > 10
    ? `${names.slice(0, 10).join(", ")} and ${names.length - 10} more`
    : names.join(", ");
}

function notAcknowledged(w: WaitReport): never {
  throw new CtlExit(
    `${w.pending.length} alive node(s) did not acknowledge within ${w.seconds}s: ${short(w.pending)}`,
    EXIT.notAcknowledged,
  );
}
