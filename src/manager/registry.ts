// The persistent node registry: one key per node (`/monitor/nodes/<node>`) holding its
// state, first/last seen and its last HISTORY_LIMIT transitions. One key per node keeps
// each transition a single atomic put and the history bounded without extra deletes.
//
// Writes are coalesced: only the newest view of a node is written, in the background,
// retried with backoff while etcd is away - the console never waits for the registry.
import type { Etcd3, ICompare } from "etcd3";
import { z } from "zod";
import { backoffDelay, sleep } from "../shared/backoff.ts";
import { errorMessage } from "../shared/errors.ts";
import { nodeFromKey, REGISTRY_PREFIX, registryKey } from "../shared/keys.ts";
import type { Logger } from "../shared/log.ts";
import { isValidNodeName } from "../shared/node-name.ts";
import type { NodeView } from "./liveness.ts";

const stateSchema = z.enum(["ALIVE", "DEAD", "LEFT"]);
const RegistryEntrySchema = z.object({
  node: z.string(),
  state: stateSchema,
  since: z.number(),
  firstSeen: z.number(),
  lastSeen: z.number(),
  createRevision: z.number(),
  leaving: z.boolean(),
  history: z.array(
    z.object({ state: stateSchema, at: z.number(), reason: z.string(), revision: z.number() }),
  ),
});

export function toRegistryValue(view: NodeView): string {
  const { heartbeat: _live, ...entry } = view; // the heartbeat is live data; it is not persisted
  return JSON.stringify(entry);
}

export async function loadRegistry(client: Etcd3, log: Logger): Promise<NodeView[]> {
  const kvs = await client.getAll().prefix(REGISTRY_PREFIX).strings();
  const views: NodeView[] = [];
  for (const [key, value] of Object.entries(kvs)) {
    const node = nodeFromKey(REGISTRY_PREFIX, key);
    let parsed: ReturnType<typeof RegistryEntrySchema.safeParse> | undefined;
    try {
      parsed = RegistryEntrySchema.safeParse(JSON.parse(value));
    } catch {
      parsed = undefined;
    }
    if (!node || !isValidNodeName(node) || !parsed?.success || parsed.data.node !== node) {
      log.warn({ key }, "ignoring an unreadable registry entry");
      continue;
    }
    views.push(parsed.data);
  }
  return views;
}

export class RegistryWriter {
  private readonly pending = new Map<string, NodeView>();
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
  discard(node: string): void {
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
