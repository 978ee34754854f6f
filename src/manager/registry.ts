// The persistent node registry: one key per node (`/monitor/nodes/<node>`) holding its
// state, first/last seen and its last HISTORY_LIMIT transitions. One key per node keeps
// each transition a single atomic put and the history bounded without extra deletes.
//
// Writes are coalesced: only the newest view of a node is written, in the background,
// retried with backoff while etcd is away - the console never waits for the registry.
import type { Etcd3, ICompare } from "etcd3";
import { z } from "zod";
import { backoffDelay, sleep } from "../shared/backoff.ts";
import { decodeStored } from "../shared/decode.ts";
import { errorMessage } from "../shared/errors.ts";
import { listOnce, type StoredKv } from "../shared/informer.ts";
import { invalidValues } from "../shared/invalid-values.ts";
import { nodeNameFromKey, REGISTRY_PREFIX, registryKey } from "../shared/keys.ts";
import { etcdKvSource } from "../shared/kv-source.ts";
import type { Logger } from "../shared/log.ts";
import type { NodeName } from "../shared/node-name.ts";
import { epochMsSchema } from "../shared/schema.ts";
import { HISTORY_LIMIT, type NodeView } from "./liveness.ts";

const stateSchema = z.enum(["ALIVE", "DEAD", "LEFT"]);
const revisionSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/**
 * A registry entry as the leader writes it. Times are bounded to what a Date can hold: one
 * entry with `"since":1e300` once made every start-up throw (a RangeError from
 * toISOString) and the manager never became ready.
 */
const RegistryEntrySchema = z.object({
  node: z.string(),
  state: stateSchema,
  since: epochMsSchema,
  firstSeen: epochMsSchema,
  lastSeen: epochMsSchema,
  createRevision: revisionSchema,
  leaving: z.boolean(),
  history: z
    .array(
      z.object({
        state: stateSchema,
        at: epochMsSchema,
        reason: z.string().max(500),
        revision: revisionSchema,
      }),
    )
    .max(10 * HISTORY_LIMIT),
});

export function toRegistryValue(view: NodeView): string {
  const { heartbeat: _live, ...entry } = view; // the heartbeat is live data; it is not persisted
  return JSON.stringify(entry);
}

/** Every decodable registry entry; an entry that does not decode is reported once and skipped. */
/**
 * A registry key's view, or undefined: a key that is not a node's is nothing of ours; a
 * value that does not decode, or names another node than its key, is reported once.
 */
export function decodeRegistryEntry(stored: StoredKv): NodeView | undefined {
  const node = nodeNameFromKey(REGISTRY_PREFIX, stored.key);
  if (!node) return undefined;
  const entry = decodeStored("registry", RegistryEntrySchema, stored);
  if (!entry) return undefined;
  if (entry.node !== node) {
    const { key, revision } = stored;
    invalidValues.report({ kind: "registry", key, revision, reason: `names node "${entry.node}"` });
    return undefined;
  }
  return { ...entry, node, history: entry.history.slice(-HISTORY_LIMIT) };
}

export async function loadRegistry(client: Etcd3): Promise<NodeView[]> {
  const { items } = await listOnce(etcdKvSource(client), { prefix: REGISTRY_PREFIX }, decodeRegistryEntry);
  return items.flatMap((item) => item.value ?? []);
}

export class RegistryWriter {
  private readonly pending = new Map<NodeName, NodeView>();
  private flushing: Promise<void> | undefined;
  private readonly stop = new AbortController();

  /**
   * @param guard the leader's compare (see election.ts), or undefined when this manager
   *   does not lead: then nothing is written - the leader writes from its own view.
   */
  constructor(
    private readonly client: Etcd3,
    private readonly log: Logger,
    private readonly guard: () => ICompare | undefined,
  ) {}

  enqueue(view: NodeView): void {
    this.pending.set(view.node, view);
    this.flushing ??= this.flush().finally(() => {
      this.flushing = undefined;
      if (this.pending.size > 0 && !this.stop.signal.aborted)
        this.enqueue([...this.pending.values()][0] as NodeView);
    });
  }

  /** A forgotten node's queued write must not bring its entry back. */
  discard(node: NodeName): void {
    this.pending.delete(node);
  }

  /** Resolves when everything enqueued so far is written (or the writer is closed). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  close(): void {
    this.stop.abort();
  }

  private async flush(): Promise<void> {
    for (let attempt = 0; this.pending.size > 0 && !this.stop.signal.aborted; ) {
      const guard = this.guard();
      if (!guard) {
        this.pending.clear();
        return;
      }
      const batch = [...this.pending.values()].slice(0, 100); // etcd's default max txn ops is 128
      try {
        const res = await this.client.kv.txn({
          compare: [guard],
          success: batch.map((view) => ({
            request_put: {
              key: Buffer.from(registryKey(view.node)),
              value: Buffer.from(toRegistryValue(view)),
            },
          })),
          failure: [],
        });
        if (!res.succeeded) {
          this.log.warn("registry write refused: this manager no longer leads");
          this.pending.clear();
          return;
        }
        for (const view of batch) if (this.pending.get(view.node) === view) this.pending.delete(view.node);
        attempt = 0;
      } catch (err) {
        const delay = backoffDelay(attempt++);
        this.log.warn({ error: errorMessage(err), retryInMs: delay }, "registry write failed; retrying");
        await sleep(delay, this.stop.signal);
      }
    }
  }
}
