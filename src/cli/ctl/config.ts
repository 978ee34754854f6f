// `fleetwatch ctl config get|history|rollback|remove|diff`: thin edges over the config
// service (src/config/service.ts); `set` is in config-set.ts. Everything a user typed is
// validated before the first write; human output on stdout, `--json` output as documented
// in docs/config.md.
import { type Compliance, describeCompliance } from "../../config/compliance.ts";
import { desiredFrom, parseTarget } from "../../config/service.ts";
import { describeRemoval, describeStored, versionsTable } from "../../config/views.ts";
import { decodeStored } from "../../shared/decode.ts";
import { ValidationError } from "../../shared/errors.ts";
import { heartbeatKey } from "../../shared/keys.ts";
import { BUILTIN_DEFAULT_CONFIG, HeartbeatSchema } from "../../shared/schema.ts";
import { textTable } from "../../shared/text-table.ts";
import {
  ctlAuthor,
  parseRevisionOption,
  print,
  resolveTarget,
  service,
  type TargetOptions,
} from "./config-target.ts";
import { readFleet } from "./fleet.ts";
import { appliedJson, complianceJson, desiredJson, storedJson, versionJson } from "./json.ts";
import { type CtlContext, EXIT } from "./run.ts";

// Re-exported: register.ts and the tests find every `ctl config` command here.
export { buildSetInput, ctlConfigSet, type SetCliOptions } from "./config-set.ts";
export { ctlAuthor, parseRevisionOption, resolveTarget, type TargetOptions } from "./config-target.ts";

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
