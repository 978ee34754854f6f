// The config service: the one writer of `/monitor/config/*`. Every write validates the
// value with the shared schema first, then stores the config key AND its version record
// in ONE etcd transaction guarded by the key's mod_revision, so the history can never
// disagree with the config and two operators cannot silently overwrite each other.
//
// Key layout (docs/config.md):
//   /monitor/config/<node>|_default                     the value the agent reads (lab contract)
//   /monitor/config-history/<node>|_default/<version>   {"version","at","author","value",...}
// Versions are zero-padded so etcd's key order is version order; the newest
// MAX_VERSIONS are kept, older ones are deleted in the same transaction.
import type { Etcd3, ICompare, IRangeResponse, IRequestOp } from "etcd3";
import { z } from "zod";
import type { Clock } from "../shared/clock.ts";
import { mergeConfig } from "../shared/config-merge.ts";
import { decodeStored } from "../shared/decode.ts";
import { ConflictError, ValidationError } from "../shared/errors.ts";
import { invalidValues } from "../shared/invalid-values.ts";
import {
  CONFIG_HISTORY_PREFIX,
  CONFIG_PREFIX,
  configKey,
  DEFAULT_CONFIG_KEY,
  nodeFromKey,
} from "../shared/keys.ts";
import { nodeNameProblem, printable } from "../shared/node-name.ts";
import {
  type ConfigOverride,
  ConfigOverrideSchema,
  type EffectiveConfig,
  epochMsSchema,
  formatIssues,
  MAX_CONFIG_BYTES,
  parseConfigText,
} from "../shared/schema.ts";
import { newestVersion, STRAY_KEYS_SKIPPED, versionOfKey } from "./history-keys.ts";

export type ConfigTarget = { kind: "node"; node: string } | { kind: "default" };

export interface StoredConfig {
  target: ConfigTarget;
  key: string;
  exists: boolean;
  value: ConfigOverride | undefined;
  raw: string | undefined;
  /** mod_revision, 0 when absent. */
  revision: number;
  valid: boolean;
  reason?: string;
}

export interface ConfigVersion {
  version: number;
  /** ms since the epoch. */
  at: number;
  author: string;
  /** null = override removed. */
  value: ConfigOverride | null;
  /** etcd revision of the write (the config key's mod_revision right after it). */
  revision: number;
  /** Set when this version was written by a rollback to an earlier version. */
  rollbackOf?: number;
}

export interface SetOptions {
  author: string;
  /** CAS: fail with ConflictError when the key's mod_revision differs; 0 = must not exist. */
  expectedRevision?: number;
  /** Patch the named fields into the stored override instead of replacing it. */
  merge?: boolean;
}

export interface SetResult {
  key: string;
  value: ConfigOverride;
  revision: number;
  version: number;
}

export interface RemoveResult {
  key: string;
  revision: number;
  version: number;
}

/** Outcome of one node in a bulk write. */
export type BulkOutcome =
  | { node: string; ok: true; result: SetResult; replacedInvalid: boolean }
  | { node: string; ok: false; error: string; conflict: boolean };

export interface ConfigSnapshot {
  /** etcd revision the snapshot was read at. */
  revision: number;
  fleetDefault: StoredConfig;
  overrides: Map<string, StoredConfig>;
}

export interface Desired {
  config: EffectiveConfig;
  nodeRevision: number;
  defaultRevision: number;
  override: StoredConfig;
  fleetDefault: StoredConfig;
}

/** Versions kept per target. */
export const MAX_VERSIONS = 50;
/** etcd's default --max-txn-ops: the limit on compares, and on each branch's operations. */
export const MAX_TXN_OPS = 128;
const VERSION_DIGITS = 10;
const MAX_AUTHOR_LENGTH = 200;
/** Attempts of a write whose CAS base is re-read on conflict (no expectedRevision). */
const WRITE_ATTEMPTS = 5;

const VersionRecordSchema = z.object({
  version: z.number().int().positive(),
  at: epochMsSchema,
  author: z.string().max(1000),
  value: ConfigOverrideSchema.nullable(),
  rollbackOf: z.number().int().positive().optional(),
});

export function parseTarget(text: string): ConfigTarget {
  if (text === "--default" || text === "_default") return { kind: "default" };
  const problem = nodeNameProblem(text);
  if (problem) throw new ValidationError(problem, "node");
  return { kind: "node", node: text };
}

export function targetKey(target: ConfigTarget): string {
  return target.kind === "default" ? DEFAULT_CONFIG_KEY : configKey(target.node);
}

export function targetName(target: ConfigTarget): string {
  return target.kind === "default" ? "_default" : target.node;
}

/** "node web-1" / "the fleet default" - for messages. */
export function describeTarget(target: ConfigTarget): string {
  return target.kind === "default" ? "the fleet default" : `node ${target.node}`;
}

export function historyPrefix(target: ConfigTarget): string {
  return `${CONFIG_HISTORY_PREFIX}${targetName(target)}/`;
}

export function versionKey(target: ConfigTarget, version: number): string {
  return `${historyPrefix(target)}${String(version).padStart(VERSION_DIGITS, "0")}`;
}

/** Reads a stored value (or its absence) the way the agent does. */
export function toStored(target: ConfigTarget, raw: string | undefined, revision: number): StoredConfig {
  const key = targetKey(target);
  if (raw === undefined) {
    return { target, key, exists: false, value: undefined, raw: undefined, revision: 0, valid: true };
  }
  const parsed = parseConfigText(raw);
  // Reported once per key and revision (every reader of the config prefix comes here).
  if (parsed.ok) invalidValues.clear(key);
  else invalidValues.report({ kind: "config", key, revision, reason: parsed.reason });
  return parsed.ok
    ? { target, key, exists: true, value: parsed.value, raw, revision, valid: true }
    : { target, key, exists: true, value: undefined, raw, revision, valid: false, reason: parsed.reason };
}

/** The desired effective config of `node` from a snapshot; invalid stored values count as absent. */
export function desiredFrom(snapshot: ConfigSnapshot, node: string): Desired {
  const override = snapshot.overrides.get(node) ?? toStored({ kind: "node", node }, undefined, 0);
  return {
    config: mergeConfig(snapshot.fleetDefault.value, override.value),
    nodeRevision: override.revision,
    defaultRevision: snapshot.fleetDefault.revision,
    override,
    fleetDefault: snapshot.fleetDefault,
  };
}

/**
 * Validates a user-supplied override (object or JSON text) and returns it, or throws a
 * ValidationError naming the field and rule. Nothing is written.
 */
export function validateOverrideInput(input: unknown): ConfigOverride {
  let value = input;
  if (typeof input === "string") {
    const size = Buffer.byteLength(input, "utf8");
    if (size > MAX_CONFIG_BYTES) {
      throw new ValidationError(`value is ${size} bytes; the limit is ${MAX_CONFIG_BYTES}`, "value");
    }
    try {
      value = JSON.parse(input);
    } catch (err) {
      throw new ValidationError(`value is not valid JSON (${(err as Error).message})`, "value");
    }
  } else {
    let text: string | undefined;
    try {
      text = JSON.stringify(input);
    } catch (err) {
      throw new ValidationError(`value cannot be stored as JSON (${(err as Error).message})`, "value");
    }
    const size = text === undefined ? 0 : Buffer.byteLength(text, "utf8");
    if (size > MAX_CONFIG_BYTES) {
      throw new ValidationError(`value is ${size} bytes; the limit is ${MAX_CONFIG_BYTES}`, "value");
    }
  }
  const result = ConfigOverrideSchema.safeParse(value);
  if (!result.success) {
    const first = result.error.issues[0];
    const field =
      first?.code === "unrecognized_keys"
        ? (first.keys[0] ?? "value")
        : first?.path.length
          ? String(first.path[0])
          : "value";
    throw new ValidationError(formatIssues(result.error), field);
  }
  return result.data;
}

function checkAuthor(author: string): string {
  if (author.length === 0) throw new ValidationError("author is empty", "author");
  if (author.length > MAX_AUTHOR_LENGTH) {
    throw new ValidationError(`author is longer than ${MAX_AUTHOR_LENGTH} characters`, "author");
  }
  return printable(author);
}

function checkExpected(expected: number | undefined): void {
  if (expected === undefined) return;
  if (!Number.isSafeInteger(expected) || expected < 0) {
    throw new ValidationError(
      `expected revision must be a whole number >= 0 (got ${String(expected)})`,
      "expectedRevision",
    );
  }
}

/** Everything needed to write one target in a transaction. */
interface WritePlan {
  target: ConfigTarget;
  key: string;
  /** The mod_revision the key must still have. */
  compareRevision: number;
  /** The value to store; null deletes the key. */
  value: ConfigOverride | null;
  version: number;
  record: string;
  replacedInvalid: boolean;
}

/** What was read of one target: its stored value and its newest version number. */
interface ReadState {
  stored: StoredConfig;
  lastVersion: number;
}

const enc = (s: string): Buffer => Buffer.from(s);

/** The smallest key greater than every key starting with `prefix`. */
function prefixEnd(prefix: string): Buffer {
  const buf = Buffer.from(prefix);
  buf[buf.length - 1] = (buf[buf.length - 1] as number) + 1;
  return buf;
}

export class ConfigService {
  constructor(
    private readonly client: Etcd3,
    private readonly clock: Clock,
  ) {}

  async get(target: ConfigTarget): Promise<StoredConfig> {
    const [state] = await this.readMany([target]);
    return (state as ReadState).stored;
  }

  /** Every stored override and the fleet default, read at one revision. */
  async snapshot(): Promise<ConfigSnapshot> {
    const res = await this.client.kv.range({ key: enc(CONFIG_PREFIX), range_end: prefixEnd(CONFIG_PREFIX) });
    const overrides = new Map<string, StoredConfig>();
    let fleetDefault = toStored({ kind: "default" }, undefined, 0);
    for (const kv of res.kvs) {
      const key = kv.key.toString();
      const raw = kv.value.toString();
      const revision = Number(kv.mod_revision);
      if (key === DEFAULT_CONFIG_KEY) {
        fleetDefault = toStored({ kind: "default" }, raw, revision);
        continue;
      }
      const node = nodeFromKey(CONFIG_PREFIX, key);
      if (node && !nodeNameProblem(node))
        overrides.set(node, toStored({ kind: "node", node }, raw, revision));
    }
    return { revision: Number(res.header.revision), fleetDefault, overrides };
  }

  async desired(node: string): Promise<Desired> {
    const problem = nodeNameProblem(node);
    if (problem) throw new ValidationError(problem, "node");
    const [fleet, own] = (await this.readMany([{ kind: "default" }, { kind: "node", node }])) as [
      ReadState,
      ReadState,
    ];
    return {
      config: mergeConfig(fleet.stored.value, own.stored.value),
      nodeRevision: own.stored.revision,
      defaultRevision: fleet.stored.revision,
      override: own.stored,
      fleetDefault: fleet.stored,
    };
  }

  async history(target: ConfigTarget): Promise<ConfigVersion[]> {
    const prefix = historyPrefix(target);
    const res = await this.client.kv.range({
      key: enc(prefix),
      range_end: prefixEnd(prefix),
      sort_order: "Ascend",
      sort_target: "Key",
    });
    const versions: ConfigVersion[] = [];
    for (const kv of res.kvs) {
      const key = kv.key.toString();
      const version = versionOfKey(historyPrefix(target), key);
      if (version === undefined) continue; // not a version key: ignored (see newestVersion)
      const revision = Number(kv.mod_revision);
      const record = decodeStored("config-history", VersionRecordSchema, {
        key,
        value: kv.value.toString(),
        revision,
      });
      if (!record) continue;
      if (record.version !== version) {
        invalidValues.report({
          kind: "config-history",
          key,
          revision,
          reason: `says version ${record.version}`,
        });
        continue;
      }
      versions.push({ ...(record as Omit<ConfigVersion, "revision">), revision });
    }
    return versions;
  }

  async set(target: ConfigTarget, input: unknown, opts: SetOptions): Promise<SetResult> {
    const [outcome] = await this.setMany([target], input, opts);
    return unwrap(outcome);
  }

  /** Like set, also says whether an invalid stored value was replaced. */
  async setDetailed(
    target: ConfigTarget,
    input: unknown,
    opts: SetOptions,
  ): Promise<SetResult & { replacedInvalid: boolean }> {
    const [outcome] = await this.setMany([target], input, opts);
    return { ...unwrap(outcome), replacedInvalid: outcome?.ok === true && outcome.replacedInvalid };
  }

  /**
   * Writes the same override (or patch, with `merge`) to many targets in as few
   * transactions as etcd's --max-txn-ops allows. Every target keeps its own CAS: a
   * target that changed since it was read is re-read and retried (or, with
   * expectedRevision, reported as a conflict) while the others are written.
   */
  async setMany(targets: ConfigTarget[], input: unknown, opts: SetOptions): Promise<BulkOutcome[]> {
    const patch = validateOverrideInput(input);
    const author = checkAuthor(opts.author);
    checkExpected(opts.expectedRevision);
    const keys = new Set<string>();
    for (const t of targets) {
      if (t.kind === "node") parseTarget(t.node);
      const key = targetKey(t);
      if (keys.has(key)) throw new ValidationError(`${describeTarget(t)} is listed twice`, "node");
      keys.add(key);
    }
    return this.writeLoop(targets, opts.expectedRevision, (state) => {
      const base = opts.merge && state.stored.valid ? (state.stored.value ?? {}) : {};
      const value = opts.merge ? validateOverrideInput({ ...base, ...patch }) : patch;
      return { value, author, replacedInvalid: !state.stored.valid };
    });
  }

  /** Removes an override (the fleet default or the node's), recorded as a version with value null. */
  async remove(
    target: ConfigTarget,
    opts: { author: string; expectedRevision?: number },
  ): Promise<RemoveResult> {
    const author = checkAuthor(opts.author);
    checkExpected(opts.expectedRevision);
    if (target.kind === "node") parseTarget(target.node);
    const [outcome] = await this.writeLoop([target], opts.expectedRevision, (state) => {
      if (!state.stored.exists)
        throw new ValidationError(`${describeTarget(target)} has no override to remove`);
      return { value: null, author, replacedInvalid: !state.stored.valid };
    });
    const { key, revision, version } = unwrap(outcome);
    return { key, revision, version };
  }

  /**
   * Re-applies kept version `version` as a new version. `removed` says the chosen version
   * removed the override (value null), so the rollback deleted the key; `value` is then `{}`.
   */
  async rollback(
    target: ConfigTarget,
    version: number,
    opts: { author: string; expectedRevision?: number },
  ): Promise<SetResult & { removed: boolean }> {
    const author = checkAuthor(opts.author);
    checkExpected(opts.expectedRevision);
    if (target.kind === "node") parseTarget(target.node);
    const kept = await this.history(target);
    const chosen = kept.find((v) => v.version === version);
    if (!chosen) {
      const list = kept.length === 0 ? "none" : versionRanges(kept.map((v) => v.version));
      throw new ValidationError(
        `${describeTarget(target)} has no version ${version}; kept versions: ${list}`,
        "version",
      );
    }
    const [outcome] = await this.writeLoop([target], opts.expectedRevision, () => ({
      value: chosen.value,
      author,
      replacedInvalid: false,
      rollbackOf: version,
    }));
    return { ...unwrap(outcome), removed: chosen.value === null };
  }

  // ---- internals -------------------------------------------------------------------

  private async writeLoop(
    targets: ConfigTarget[],
    expectedRevision: number | undefined,
    decide: (state: ReadState) => {
      value: ConfigOverride | null;
      author: string;
      replacedInvalid: boolean;
      rollbackOf?: number;
    },
  ): Promise<BulkOutcome[]> {
    const outcomes = new Map<string, BulkOutcome>();
    let pending = targets;
    for (let attempt = 0; pending.length > 0 && attempt < WRITE_ATTEMPTS; attempt++) {
      const states = await this.readMany(pending);
      const plans: WritePlan[] = [];
      pending.forEach((target, i) => {
        const state = states[i] as ReadState;
        const name = targetName(target);
        if (expectedRevision !== undefined && state.stored.revision !== expectedRevision) {
          outcomes.set(name, {
            node: name,
            ok: false,
            conflict: true,
            error: conflictMessage(target, expectedRevision, state.stored.revision),
          });
          return;
        }
        const decision = decide(state);
        const version = state.lastVersion + 1;
        const record = JSON.stringify({
          version,
          at: this.clock.now(),
          author: decision.author,
          value: decision.value,
          ...(decision.rollbackOf ? { rollbackOf: decision.rollbackOf } : {}),
        });
        plans.push({
          target,
          key: targetKey(target),
          compareRevision: state.stored.revision,
          value: decision.value,
          version,
          record,
          replacedInvalid: decision.replacedInvalid,
        });
      });
      const retry: ConfigTarget[] = [];
      for (const batch of batchPlans(plans)) {
        const { written, lost } = await this.commit(batch);
        for (const w of written) outcomes.set(targetName(w.plan.target), w.outcome);
        for (const l of lost) {
          const name = targetName(l.plan.target);
          if (expectedRevision !== undefined) {
            outcomes.set(name, {
              node: name,
              ok: false,
              conflict: true,
              error: conflictMessage(l.plan.target, expectedRevision, l.current),
            });
          } else retry.push(l.plan.target);
        }
      }
      pending = retry;
    }
    for (const target of pending) {
      const name = targetName(target);
      outcomes.set(name, {
        node: name,
        ok: false,
        conflict: true,
        error: `${targetKey(target)} kept changing while we tried to write it (${WRITE_ATTEMPTS} attempts); try again`,
      });
    }
    return targets.map((t) => outcomes.get(targetName(t)) as BulkOutcome);
  }

  /**
   * One transaction for a batch. On failure, the failure branch reads every key compared,
   * so the plans that lost their race are known without another round trip; the others
   * are committed again at once (their reads are still current).
   */
  private async commit(batch: WritePlan[]): Promise<{
    written: { plan: WritePlan; outcome: BulkOutcome }[];
    lost: { plan: WritePlan; current: number }[];
  }> {
    const written: { plan: WritePlan; outcome: BulkOutcome }[] = [];
    const lost: { plan: WritePlan; current: number }[] = [];
    let remaining = batch;
    while (remaining.length > 0) {
      const compare: ICompare[] = [];
      const success: IRequestOp[] = [];
      const failure: IRequestOp[] = [];
      for (const plan of remaining) {
        const vkey = versionKey(plan.target, plan.version);
        compare.push(
          { key: enc(plan.key), target: "Mod", result: "Equal", mod_revision: plan.compareRevision },
          { key: enc(vkey), target: "Create", result: "Equal", create_revision: 0 },
        );
        success.push(
          plan.value === null
            ? { request_delete_range: { key: enc(plan.key) } }
            : { request_put: { key: enc(plan.key), value: enc(JSON.stringify(plan.value)) } },
          { request_put: { key: enc(vkey), value: enc(plan.record) } },
        );
        if (plan.version > MAX_VERSIONS) {
          success.push({
            request_delete_range: {
              key: enc(historyPrefix(plan.target)),
              range_end: enc(versionKey(plan.target, plan.version - MAX_VERSIONS + 1)),
            },
          });
        }
        failure.push(
          { request_range: { key: enc(plan.key), keys_only: true } },
          { request_range: { key: enc(vkey), keys_only: true } },
        );
      }
      const res = await this.client.kv.txn({ compare, success, failure });
      const revision = Number(res.header.revision);
      if (res.succeeded) {
        for (const plan of remaining) {
          written.push({
            plan,
            outcome: {
              node: targetName(plan.target),
              ok: true,
              replacedInvalid: plan.replacedInvalid,
              result: { key: plan.key, value: plan.value ?? {}, revision, version: plan.version },
            },
          });
        }
        return { written, lost };
      }
      const still: WritePlan[] = [];
      remaining.forEach((plan, i) => {
        const configKv = rangeKv(res.responses[2 * i]?.response_range);
        const versionKv = rangeKv(res.responses[2 * i + 1]?.response_range);
        const current = configKv ? Number(configKv.mod_revision) : 0;
        if (current !== plan.compareRevision || versionKv) lost.push({ plan, current });
        else still.push(plan);
      });
      // Nothing identified as lost would loop forever; treat the whole batch as lost.
      if (still.length === remaining.length) {
        for (const plan of still) lost.push({ plan, current: plan.compareRevision });
        return { written, lost };
      }
      remaining = still;
    }
    return { written, lost };
  }

  /** Reads each target's stored value and newest version number, in batched transactions. */
  private async readMany(targets: ConfigTarget[]): Promise<ReadState[]> {
    const states: ReadState[] = [];
    const perTxn = Math.floor(MAX_TXN_OPS / 2);
    for (let start = 0; start < targets.length; start += perTxn) {
      const slice = targets.slice(start, start + perTxn);
      const success: IRequestOp[] = [];
      for (const target of slice) {
        const prefix = historyPrefix(target);
        success.push(
          { request_range: { key: enc(targetKey(target)) } },
          {
            // Version keys are 10 digits; a stray key in between (anyone can put one) is
            // skipped by newestVersion, so the range stays within the digits and reads a few.
            request_range: {
              key: enc(`${prefix}0`),
              range_end: enc(`${prefix}1`), // every version <= MAX_VERSION starts with "0"
              sort_order: "Descend",
              sort_target: "Key",
              limit: STRAY_KEYS_SKIPPED,
              keys_only: true,
            },
          },
        );
      }
      const res = await this.client.kv.txn({ compare: [], success, failure: [] });
      slice.forEach((target, i) => {
        const kv = rangeKv(res.responses[2 * i]?.response_range);
        const lastVersion = newestVersion(historyPrefix(target), res.responses[2 * i + 1]?.response_range);
        states.push({
          stored: kv
            ? toStored(target, kv.value.toString(), Number(kv.mod_revision))
            : toStored(target, undefined, 0),
          lastVersion,
        });
      });
    }
    return states;
  }
}

function unwrap(outcome: BulkOutcome | undefined): SetResult {
  if (outcome?.ok) return outcome.result;
  // Every failed outcome of a single write is a lost CAS race.
  throw new ConflictError(outcome?.error ?? "the write was not attempted");
}

function rangeKv(range: IRangeResponse | undefined) {
  return range?.kvs[0];
}

/** [1,2,3,5,7,8] -> "1-3, 5, 7-8" */
export function versionRanges(versions: number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < versions.length) {
    let j = i;
    while (j + 1 < versions.length && (versions[j + 1] as number) === (versions[j] as number) + 1) j++;
    parts.push(i === j ? String(versions[i]) : `${versions[i]}-${versions[j]}`);
    i = j + 1;
  }
  return parts.join(", ");
}

function conflictMessage(target: ConfigTarget, expected: number, current: number): string {
  const now = current === 0 ? "it does not exist" : `it is now at revision ${current}`;
  return `conflict: ${targetKey(target)} changed since revision ${expected} (${now}); re-read it and try again`;
}

/** Splits plans so each transaction stays within MAX_TXN_OPS compares and ops per branch. */
export function batchPlans<T extends { version: number }>(plans: T[], maxOps = MAX_TXN_OPS): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let successOps = 0;
  let compares = 0;
  for (const plan of plans) {
    const ops = plan.version > MAX_VERSIONS ? 3 : 2;
    if (current.length > 0 && (successOps + ops > maxOps || compares + 2 > maxOps)) {
      batches.push(current);
      current = [];
      successOps = 0;
      compares = 0;
    }
    current.push(plan);
    successOps += ops;
    compares += 2;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
