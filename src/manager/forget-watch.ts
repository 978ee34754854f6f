// Every manager (leader and standbys) learns forgets from `/monitor/forgotten/`, whoever made
// them (ctl, another manager's console or API), and feeds them to its liveness reducer, which
// drops the node unless it came back since (see the "forget" event in liveness.ts).
import type { Etcd3 } from "etcd3";
import { FORGOTTEN_PREFIX, nodeFromKey } from "../shared/keys.ts";
import type { Logger } from "../shared/log.ts";
import { nodeNameProblem } from "../shared/node-name.ts";
import { ForgetRecordSchema } from "./forget.ts";
import { PrefixMirror } from "./http/prefix-mirror.ts";
import type { LivenessEvent } from "./liveness.ts";

export function watchForgets(
  client: Etcd3,
  log: Logger,
  dispatch: (event: LivenessEvent) => void,
): PrefixMirror {
  const onRecord = (key: string, value: string, revision: number) => {
    const node = nodeFromKey(FORGOTTEN_PREFIX, key);
    if (!node || nodeNameProblem(node)) return;
    let record: ReturnType<typeof ForgetRecordSchema.safeParse> | undefined;
    try {
      record = ForgetRecordSchema.safeParse(JSON.parse(value));
    } catch {
      record = undefined;
    }
    if (!record?.success || record.data.node !== node) {
      log.warn({ key }, "ignoring an unreadable forget record");
      return;
    }
    dispatch({ type: "forget", node, revision, by: record.data.by });
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
