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
import type { Etcd3, ICompare, IRequestOp } from "etcd3";
import type { Clock } from "../shared/clock.ts";
import { ConflictError, ValidationError } from "../shared/errors.ts";
import type { NodeName } from "../shared/node-name.ts";
import type { ConfigOverride } from "../shared/schema.ts";
import { type ReadState, rangeKv, readHistory, readSnapshot, readTargets } from "./reads.ts";
import {
  type ConfigSnapshot,
  type ConfigVersion,
  type Desired,
  desiredFrom,
  type StoredConfig,
  toStored,
} from "./stored.ts";
import {
  type ConfigTarget,
  describeTarget,
  historyPrefix,
  parseTarget,
  targetKey,
  targetName,
  versionRanges,
} from "./target.ts";
import { batchPlans, MAX_TXN_OPS, planOps, type WritePlan } from "./txn-plan.ts";
import { checkAuthor, checkExpected, validateOverrideInput } from "./validation.ts";

export { versionKey } from "./target.ts";
export { MAX_VERSIONS } from "./txn-plan.ts";
// The service's module is where callers find the config model: the pure parts live in
// target.ts (naming), validation.ts (what a write accepts), stored.ts (stored values and
// the desired config) and txn-plan.ts (the transaction as data).
export type { ConfigSnapshot, ConfigTarget, ConfigVersion, Desired, StoredConfig };
export {
  batchPlans,
  describeTarget,
  desiredFrom,
  historyPrefix,
  MAX_TXN_OPS,
  parseTarget,
  targetKey,
  targetName,
  toStored,
  validateOverrideInput,
  versionRanges,
};

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

/** Attempts of a write whose CAS base is re-read on conflict (no expectedRevision). */
const WRITE_ATTEMPTS = 5;

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
  snapshot(): Promise<ConfigSnapshot> {
    return readSnapshot(this.client);
  }

  history(target: ConfigTarget): Promise<ConfigVersion[]> {
    return readHistory(this.client, target);
  }

  private readMany(targets: ConfigTarget[]): Promise<ReadState[]> {
    return readTargets(this.client, targets);
  }

  async desired(node: NodeName): Promise<Desired> {
    const [fleet, own] = (await this.readMany([{ kind: "default" }, { kind: "node", node }])) as [
      ReadState,
      ReadState,
    ];
    const overrides = new Map([[node, own.stored]]);
    return desiredFrom({ revision: 0, fleetDefault: fleet.stored, overrides }, node);
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
        const ops = planOps(plan);
        compare.push(...ops.compare);
        success.push(...ops.success);
        failure.push(...ops.failure);
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
}

function unwrap(outcome: BulkOutcome | undefined): SetResult {
  if (outcome?.ok) return outcome.result;
  // Every failed outcome of a single write is a lost CAS race.
  throw new ConflictError(outcome?.error ?? "the write was not attempted");
}

function conflictMessage(target: ConfigTarget, expected: number, current: number): string {
  const now = current === 0 ? "it does not exist" : `it is now at revision ${current}`;
  return `conflict: ${targetKey(target)} changed since revision ${expected} (${now}); re-read it and try again`;
}
