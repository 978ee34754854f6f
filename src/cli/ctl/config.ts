// `fleetwatch ctl nodes` and `fleetwatch ctl config ...`: thin edges over the config
// service (src/config/service.ts). Everything a user typed is validated before the first
// write; human output on stdout, `--json` output as documented in docs/config.md.
import { hostname, userInfo } from "node:os";
import type { Etcd3 } from "etcd3";
import { ackedRevision, type Compliance, describeCompliance } from "../../config/compliance.ts";
import { intervalFromText, metricsFromText, readConfigFile } from "../../config/input.ts";
import {
  type BulkOutcome,
  ConfigService,
  type ConfigTarget,
  desiredFrom,
  parseTarget,
  validateOverrideInput,
} from "../../config/service.ts";
import { describeRemoval, describeStored, versionsTable } from "../../config/views.ts";
import { systemClock } from "../../shared/clock.ts";
import { decodeStored } from "../../shared/decode.ts";
import { ValidationError } from "../../shared/errors.ts";
import { jsonKind } from "../../shared/json-kind.ts";
import { heartbeatKey } from "../../shared/keys.ts";
import { BUILTIN_DEFAULT_CONFIG, type ConfigOverride, HeartbeatSchema } from "../../shared/schema.ts";
import { textTable } from "../../shared/text-table.ts";
import { knownNodeNames, readFleet, readHeartbeats } from "./fleet.ts";
import { matchNodes } from "./glob.ts";
import { appliedJson, complianceJson, desiredJson, storedJson, versionJson } from "./json.ts";
import { type CtlContext, CtlExit, EXIT } from "./run.ts";

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

const service = (client: Etcd3) => new ConfigService(client, systemClock);
const print = (ctx: CtlContext, value: unknown) => ctx.out(JSON.stringify(value, null, 2));

// ---- ctl config get / history / rollback / diff -------------------------------------------

export async function ctlConfigGet(
  ctx: CtlContext,
  node: string | undefined,
  opts: TargetOptions & { json?: boolean },
): Promise<number> {
  const target = resolveTarget(node, opts);
  const svc = service(ctx.client);
  const [stored, versions] = await Promise.all([svc.get(target), svc.history(target)]);
  const newest = versions[versions.length - 1];
  if (opts.json) {
    print(ctx, { ...storedJson(stored), version: newest?.version ?? null });
    return EXIT.ok;
  }
  ctx.out(`${stored.key}: ${describeStored(stored)}${newest ? ` [version ${newest.version}]` : ""}`);
  return EXIT.ok;
}

export async function ctlConfigHistory(
  ctx: CtlContext,
  node: string | undefined,
  opts: TargetOptions & { json?: boolean },
): Promise<number> {
  const target = resolveTarget(node, opts);
  const versions = await service(ctx.client).history(target);
  if (opts.json) {
    print(ctx, {
      target: target.kind === "default" ? "_default" : target.node,
      versions: versions.map(versionJson),
    });
    return EXIT.ok;
  }
  ctx.out(versionsTable(target, versions, Date.now()));
  return EXIT.ok;
}

export async function ctlConfigRollback(
  ctx: CtlContext,
  node: string | undefined,
  opts: TargetOptions & { to?: string; expectRevision?: string; json?: boolean },
): Promise<number> {
  const target = resolveTarget(node, opts);
  if (opts.to === undefined) throw new ValidationError("rollback needs --to <version>", "to");
  if (!/^\d+$/.test(opts.to) || Number(opts.to) < 1) {
    throw new ValidationError(`--to must be a version number >= 1 (got ${JSON.stringify(opts.to)})`, "to");
  }
  const expectedRevision = parseRevisionOption(opts.expectRevision, "expect-revision");
  const result = await service(ctx.client).rollback(target, Number(opts.to), {
    author: ctlAuthor(),
    expectedRevision,
  });
  if (opts.json) print(ctx, { ...result, rollbackOf: Number(opts.to) });
  else {
    // Version `to` recorded a removal: the rollback deleted the key, it did not store `{}`.
    const what = result.removed ? describeRemoval(target) : JSON.stringify(result.value);
    ctx.out(
      `Rolled back ${result.key} to version ${opts.to}: ${what} (revision ${result.revision}, new version ${result.version})`,
    );
  }
  return EXIT.ok;
}

export async function ctlConfigRemove(
  ctx: CtlContext,
  node: string | undefined,
  opts: TargetOptions & { expectRevision?: string; json?: boolean },
): Promise<number> {
  const target = resolveTarget(node, opts);
  const expectedRevision = parseRevisionOption(opts.expectRevision, "expect-revision");
  const result = await service(ctx.client).remove(target, { author: ctlAuthor(), expectedRevision });
  if (opts.json) print(ctx, { ...result, removed: true });
  else {
    ctx.out(
      `Removed ${result.key}: ${describeRemoval(target)} (revision ${result.revision}, version ${result.version})`,
    );
  }
  return EXIT.ok;
}

export async function ctlConfigDiff(
  ctx: CtlContext,
  node: string,
  opts: { json?: boolean },
): Promise<number> {
  const target = parseTarget(node);
  if (target.kind !== "node") throw new ValidationError("diff compares one node; give a node name", "node");
  const fleet = await readFleet(ctx.client);
  const known = fleet.nodes.find((n) => n.node === target.node);
  const hb = known ? undefined : await ctx.client.get(heartbeatKey(target.node)).string();
  const desired = known?.desired ?? desiredFrom(fleet.snapshot, target.node);
  const alive = known?.alive ?? hb !== null;
  const ack = known
    ? known.heartbeat?.config
    : hb
      ? decodeStored("heartbeat", HeartbeatSchema, { key: heartbeatKey(target.node), value: hb })?.config
      : undefined;
  const comp = known?.compliance ?? { status: "unknown" as const, detail: "node is not known" };
  const { override, fleetDefault } = desired;
  const fields = (["interval", "metrics"] as const).map((field) => {
    const applied = alive && ack ? ack[field] : null;
    return {
      field,
      builtin: BUILTIN_DEFAULT_CONFIG[field],
      default: fleetDefault.value?.[field] ?? null,
      override: override.value?.[field] ?? null,
      desired: desired.config[field],
      applied,
      differs: applied === null ? null : JSON.stringify(applied) !== JSON.stringify(desired.config[field]),
    };
  });
  if (opts.json) {
    print(ctx, {
      node: target.node,
      state: known?.state ?? "UNKNOWN",
      ...complianceJson(comp),
      desired: desiredJson(desired),
      applied: alive ? appliedJson(ack) : null,
      default: storedJson(fleetDefault),
      override: storedJson(override),
      fields,
    });
    return diffExit(comp);
  }
  const cell = (v: unknown): string =>
    v === null || v === undefined ? "-" : Array.isArray(v) ? v.join(",") || "(none)" : String(v);
  const lines = [
    `${target.node} (${known?.state ?? "UNKNOWN"}): ${describeCompliance(comp)}`,
    textTable([
      ["FIELD", "BUILTIN", "DEFAULT", "OVERRIDE", "DESIRED", "APPLIED", ""],
      ...fields.map((f) => [
        f.field,
        cell(f.builtin),
        fleetDefault.valid ? cell(f.default) : "INVALID",
        override.valid ? cell(f.override) : "INVALID",
        cell(f.desired),
        cell(f.applied),
        f.differs ? "<- differs" : "",
      ]),
      [
        "revision",
        "-",
        String(desired.defaultRevision),
        String(desired.nodeRevision),
        "",
        alive && ack ? `default ${ack.defaultRevision}, override ${ack.nodeRevision}` : "-",
        "",
      ],
    ]),
  ];
  if (!fleetDefault.valid) lines.push(`default  ${fleetDefault.key}: ${describeStored(fleetDefault)}`);
  if (!override.valid) lines.push(`override ${override.key}: ${describeStored(override)}`);
  ctx.out(lines.join("\n"));
  return diffExit(comp);
}

/** `diff` gates scripts: 0 only when the node runs what is stored (the output says why not). */
export function diffExit(comp: Compliance): number {
  return comp.status === "in-sync" ? EXIT.ok : EXIT.notInSync;
}

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
    const heartbeats = await readHeartbeats(client);
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
