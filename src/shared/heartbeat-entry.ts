// The decoder the manager and ctl give their heartbeat informer/listOnce: a heartbeat key
// becomes its node and decoded value. A key whose name we would refuse (written by another
// tool) is not a node: undefined, and the caller skips it. A value that does not decode is
// reported once (decodeStored) and the node is still there: its key exists, so it is ALIVE.
import { decodeStored } from "./decode.ts";
import type { StoredKv } from "./informer.ts";
import { HEARTBEAT_PREFIX, nodeNameFromKey } from "./keys.ts";
import type { NodeName } from "./node-name.ts";
import { type Heartbeat, HeartbeatSchema } from "./schema.ts";

export interface HeartbeatEntry {
  node: NodeName;
  /** undefined when the stored value does not decode. */
  heartbeat: Heartbeat | undefined;
}

export function decodeHeartbeatEntry(stored: StoredKv): HeartbeatEntry | undefined {
  const node = nodeNameFromKey(HEARTBEAT_PREFIX, stored.key);
  if (!node) return undefined;
  return { node, heartbeat: decodeStored("heartbeat", HeartbeatSchema, stored) };
}
