// The config service's reads: one target or many (stored value + newest version number, in
// batched transactions), the whole config prefix at one revision, and a target's kept
// versions. Every stored value is decoded here, where it enters.
import type { Etcd3, IRangeResponse, IRequestOp } from "etcd3";
import { z } from "zod";
import { decodeStored } from "../shared/decode.ts";
import { invalidValues } from "../shared/invalid-values.ts";
import { CONFIG_PREFIX, DEFAULT_CONFIG_KEY, nodeNameFromKey } from "../shared/keys.ts";
import type { NodeName } from "../shared/node-name.ts";
import { ConfigOverrideSchema, epochMsSchema } from "../shared/schema.ts";
import { newestVersion, STRAY_KEYS_SKIPPED, versionOfKey } from "./history-keys.ts";
import { type ConfigSnapshot, type ConfigVersion, type StoredConfig, toStored } from "./stored.ts";
import { type ConfigTarget, historyPrefix, targetKey } from "./target.ts";
import { MAX_TXN_OPS } from "./txn-plan.ts";

const VersionRecordSchema = z.object({
  version: z.number().int().positive(),
  at: epochMsSchema,
  author: z.string().max(1000),
  value: ConfigOverrideSchema.nullable(),
  rollbackOf: z.number().int().positive().optional(),
});

/** What was read of one target: its stored value and its newest version number. */
export interface ReadState {
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

export function rangeKv(range: IRangeResponse | undefined) {
  return range?.kvs[0];
}

/** Every stored override and the fleet default, read at one revision. */
export async function readSnapshot(client: Etcd3): Promise<ConfigSnapshot> {
  const res = await client.kv.range({ key: enc(CONFIG_PREFIX), range_end: prefixEnd(CONFIG_PREFIX) });
  const overrides = new Map<NodeName, StoredConfig>();
  let fleetDefault = toStored({ kind: "default" }, undefined, 0);
  for (const kv of res.kvs) {
    const key = kv.key.toString();
    const raw = kv.value.toString();
    const revision = Number(kv.mod_revision);
    if (key === DEFAULT_CONFIG_KEY) {
      fleetDefault = toStored({ kind: "default" }, raw, revision);
      continue;
    }
    const node = nodeNameFromKey(CONFIG_PREFIX, key);
    if (node) overrides.set(node, toStored({ kind: "node", node }, raw, revision));
  }
  return { revision: Number(res.header.revision), fleetDefault, overrides };
}

/** The kept versions of `target`, oldest first; stray keys and undecodable records are skipped (and counted). */
export async function readHistory(client: Etcd3, target: ConfigTarget): Promise<ConfigVersion[]> {
  const prefix = historyPrefix(target);
  const res = await client.kv.range({
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

/** Reads each target's stored value and newest version number, in batched transactions. */
export async function readTargets(client: Etcd3, targets: ConfigTarget[]): Promise<ReadState[]> {
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
    const res = await client.kv.txn({ compare: [], success, failure: [] });
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
