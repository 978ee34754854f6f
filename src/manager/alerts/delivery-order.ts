// Which outbox record goes next to one webhook, for one node. Pure.
//
// Records of a node reach a receiver in revision order: a record is never sent while an
// older record of the same node is still pending for that receiver. A firing record
// (DEAD, LEFT) that a later resolution of the same alert (RECOVERED, REJOINED) already
// ends is dropped rather than sent: sending it after an outage would only open an alert
// for a node that is back, and sending it before the resolution would page someone for
// a state that is over.
import { type AlertRecord, alertName, isFiring } from "./record.ts";

export interface StoredRecord {
  key: string;
  record: AlertRecord;
}

export const isPendingFor = (r: AlertRecord, hookId: string): boolean =>
  !r.delivered.includes(hookId) && !r.dropped.includes(hookId);

/** `records`: one node's records, oldest first. */
export function nextForHook(
  records: readonly StoredRecord[],
  hookId: string,
): { drop: StoredRecord[]; send: StoredRecord | undefined } {
  const drop: StoredRecord[] = [];
  for (let i = 0; i < records.length; i++) {
    const current = records[i] as StoredRecord;
    if (!isPendingFor(current.record, hookId)) continue;
    const { kind } = current.record;
    const superseded =
      isFiring(kind) &&
      records
        .slice(i + 1)
        .some((later) => !isFiring(later.record.kind) && alertName(later.record.kind) === alertName(kind));
    if (superseded) {
      drop.push(current);
      continue;
    }
    return { drop, send: current };
  }
  return { drop, send: undefined };
}
