// Every manager (leader and standbys) learns forgets from `/monitor/forgotten/`, whoever made
// them (ctl, another manager's console or API), and feeds them to its liveness reducer, which
// drops the node unless it came back since (see the "forget" event in liveness.ts).
import type { Etcd3 } from "etcd3";
import { decodeStored, type StoredValue } from "../shared/decode.ts";
import { Informer } from "../shared/informer.ts";
import { logStatus } from "../shared/informer-status.ts";
import { invalidValues } from "../shared/invalid-values.ts";
import { FORGOTTEN_PREFIX, nodeNameFromKey } from "../shared/keys.ts";
import { etcdKvSource } from "../shared/kv-source.ts";
import type { Logger } from "../shared/log.ts";
import { ForgetRecordSchema } from "./forget.ts";
import type { LivenessEvent } from "./liveness.ts";

export type ForgetEvent = Extract<LivenessEvent, { type: "forget" }>;

/**
 * A stored forget record as the reducer's "forget" event, or undefined. A record that does
 * not decode, or names another node than its key, is reported once and counted as
 * `kind="forgotten"` (shared/invalid-values.ts) and ignored; a key that is not a node name
 * is not ours to report.
 */
export function forgetEventFromStored(stored: StoredValue & { revision: number }): ForgetEvent | undefined {
  const node = nodeNameFromKey(FORGOTTEN_PREFIX, stored.key);
  if (!node) return undefined;
  const record = decodeStored("forgotten", ForgetRecordSchema, stored);
  if (!record) return undefined;
  if (record.node !== node) {
    invalidValues.report({
      kind: "forgotten",
      key: stored.key,
      revision: stored.revision,
      reason: `node: ${JSON.stringify(record.node)} does not match the key's node`,
    });
    return undefined;
  }
  return { type: "forget", node, revision: stored.revision, by: record.by };
}

/** Every manager's informer on `/monitor/forgotten/`; the caller starts and stops it. */
export function watchForgets(
  client: Etcd3,
  log: Logger,
  dispatch: (event: LivenessEvent) => void,
): Informer<ForgetEvent | undefined> {
  const deliver = (event: ForgetEvent | undefined) => {
    if (event) dispatch(event);
  };
  return new Informer({
    source: etcdKvSource(client),
    target: { prefix: FORGOTTEN_PREFIX },
    decode: forgetEventFromStored,
    onList: (items) => {
      for (const item of items) deliver(item.value);
    },
    onEvents: (events) => {
      for (const ev of events) if (ev.type === "put") deliver(ev.value);
    },
    onStatus: logStatus(log, FORGOTTEN_PREFIX),
  });
}
