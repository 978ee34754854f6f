// The transaction of a config write, as data: per target the compares (the key is still at
// the revision read; the version key is new), the writes (value, version record, versions
// beyond MAX_VERSIONS pruned) and the reads that say who lost a race. Pure.
import type { ICompare, IRequestOp } from "etcd3";
import type { ConfigOverride } from "../shared/schema.ts";
import { type ConfigTarget, historyPrefix, versionKey } from "./target.ts";

/** Versions kept per target. */
export const MAX_VERSIONS = 50;
/** etcd's default --max-txn-ops: the limit on compares, and on each branch's operations. */
export const MAX_TXN_OPS = 128;

/** Everything needed to write one target in a transaction. */
export interface WritePlan {
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

const enc = (s: string): Buffer => Buffer.from(s);

/** One plan's share of the transaction; `failure` reads the config key, then the version key. */
export function planOps(plan: WritePlan): {
  compare: ICompare[];
  success: IRequestOp[];
  failure: IRequestOp[];
} {
  const vkey = versionKey(plan.target, plan.version);
  const success: IRequestOp[] = [
    plan.value === null
      ? { request_delete_range: { key: enc(plan.key) } }
      : { request_put: { key: enc(plan.key), value: enc(JSON.stringify(plan.value)) } },
    { request_put: { key: enc(vkey), value: enc(plan.record) } },
  ];
  if (plan.version > MAX_VERSIONS) {
    success.push({
      request_delete_range: {
        key: enc(historyPrefix(plan.target)),
        range_end: enc(versionKey(plan.target, plan.version - MAX_VERSIONS + 1)),
      },
    });
  }
  return {
    compare: [
      { key: enc(plan.key), target: "Mod", result: "Equal", mod_revision: plan.compareRevision },
      { key: enc(vkey), target: "Create", result: "Equal", create_revision: 0 },
    ],
    success,
    failure: [
      { request_range: { key: enc(plan.key), keys_only: true } },
      { request_range: { key: enc(vkey), keys_only: true } },
    ],
  };
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
