// Forgetting a node: the one etcd transaction that ctl, the console and the HTTP API share.
//
// Refused for an ALIVE node, atomically: the transaction compares the heartbeat key's version
// with 0 (absent), so a node that comes back between a check and the write is never forgotten.
// On success it deletes the registry entry (`/monitor/nodes/<node>`), the metrics key (normally
// gone already with the lease) and, with purgeConfig, the node's config override, and it records
// the forget under `/monitor/forgotten/<node>` (who, when, from which state). Every manager
// watches that prefix (forget-watch.ts) and drops the node from its view, its charts and its
// /metrics series. Idempotent: forgetting again rewrites the record and deletes nothing more.
import type { Etcd3, ICompare } from "etcd3";
import { z } from "zod";
import { ConflictError } from "../shared/errors.ts";
import { configKey, forgottenKey, heartbeatKey, metricsKey, registryKey } from "../shared/keys.ts";
import type { NodeName } from "../shared/node-name.ts";

export const ForgetRecordSchema = z.object({
  node: z.string(),
  /** ms since epoch on the forgetting host. */
  at: z.number().finite(),
  /** "ctl:alice@host", "http-api@127.0.0.1", "console", "forget-after". */
  by: z
    .string()
    .max(200)
    .regex(/^[^\p{Cc}]*$/u),
  purgeConfig: z.boolean(),
});
export type ForgetRecord = z.infer<typeof ForgetRecordSchema>;

export interface ForgetResult {
  node: NodeName;
  /** A registry entry existed and was deleted (false: already forgotten or never persisted). */
  removed: boolean;
  configPurged: boolean;
  /** etcd revision of the forget: managers drop views whose last transition is older. */
  revision: number;
}

export interface ForgetOptions {
  by: string;
  now: number;
  purgeConfig?: boolean;
  /** The leader's term compare, when the leader forgets on its own (--forget-after). */
  leaderGuard?: ICompare;
}

/** Forgets `node` unless it is ALIVE (ConflictError); the caller parsed the name at its boundary. */
export async function forgetNode(client: Etcd3, node: NodeName, opts: ForgetOptions): Promise<ForgetResult> {
  const purgeConfig = opts.purgeConfig === true;
  const record: ForgetRecord = { node, at: opts.now, by: opts.by, purgeConfig };
  const del = (key: string) => ({ request_delete_range: { key: Buffer.from(key), prev_kv: true } });
  const res = await client.kv.txn({
    compare: [
      { key: Buffer.from(heartbeatKey(node)), target: "Version", result: "Equal", version: 0 },
      ...(opts.leaderGuard ? [opts.leaderGuard] : []),
    ],
    success: [
      del(registryKey(node)),
      del(metricsKey(node)),
      ...(purgeConfig ? [del(configKey(node))] : []),
      { request_put: { key: Buffer.from(forgottenKey(node)), value: Buffer.from(JSON.stringify(record)) } },
    ],
    failure: [{ request_range: { key: Buffer.from(heartbeatKey(node)), count_only: true } }],
  });
  if (!res.succeeded) {
    const alive = Number(res.responses[0]?.response_range?.count ?? 0) > 0;
    if (!alive) throw new ConflictError(`node "${node}" was not forgotten: this manager no longer leads`);
    throw new ConflictError(
      `node "${node}" is ALIVE (its heartbeat key exists): only DEAD or LEFT nodes can be forgotten`,
    );
  }
  const deleted = (i: number) => Number(res.responses[i]?.response_delete_range?.deleted ?? 0) > 0;
  return {
    node,
    removed: deleted(0),
    configPurged: purgeConfig && deleted(2),
    revision: Number(res.header.revision),
  };
}
