// Every manager (leader and standbys) learns forgets from `/monitor/forgotten/`, whoever made
// them (ctl, another manager's console or API), and feeds them to its liveness reducer, which
// drops the node unless it came back since (see the "forget" event in liveness.ts).
import type { Etcd3 } from "etcd3";
import { decodeStored, type StoredValue } from "../shared/decode.ts";
import { invalidValues } from "../shared/invalid-values.ts";
import { FORGOTTEN_PREFIX, nodeNameFromKey } from "../shared/keys.ts";
import type { Logger } from "../shared/log.ts";
import { ForgetRecordSchema } from "./forget.ts";
import { PrefixMirror } from "./http/prefix-mirror.ts";
import type { LivenessEvent } from "./liveness.ts";

/**
 * A stored forget record as the reducer's "forget" event, or undefined. A record that does
 * not decode, or names another node than its key, is reported once and counted as
 * `kind="forgotten"` (shared/invalid-values.ts) and ignored; a key that is not a node name
 * is not ours to report.
 */
export function forgetEventFromStored(
  stored: StoredValue & { revision: number },
): Extract<LivenessEvent, { type: "forget" }> | undefined {
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

export function watchForgets(
  client: Etcd3,
  log: Logger,
  dispatch: (event: LivenessEvent) => void,
): PrefixMirror {
  const onRecord = (key: string, value: string, revision: number) => {
    const event = forgetEventFromStored({ key, value, revision });
    if (event) dispatch(event);
  };
  return new PrefixMirror(
    client,
    FORGOTTEN_PREFIX,
    {
      onList: (keys) => {
        for (const k of keys) onRecord(k.key, k.value, k.modRevision);
      },
      onEvents: (events) => {
        for (const ev of events) if (ev.type === "put") onRecord(ev.key, ev.value, ev.modRevision);
      },
    },
    log,
    (_op, call) => call(),
  );
}
