import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import type { Etcd3 } from "etcd3";
import { LeaderElection, type Leadership } from "../../src/manager/election.ts";
import type { LeaseKeeper, LeaseListener } from "../../src/shared/lease-keeper.ts";

/** Resolves true when an onChange reports leadership, false after `timeoutMs`. */
function leadershipWon(timeoutMs: number): { won: Promise<boolean>; onChange(l: Leadership): void } {
  let resolve: (won: boolean) => void = () => {};
  const won = new Promise<boolean>((r) => {
    resolve = r;
    setTimeout(() => r(false), timeoutMs).unref();
  });
  return { won, onChange: (l) => l.role === "leader" && resolve(true) };
}

/** Lets already-scheduled promise callbacks and I/O callbacks run. */
const settle = () => new Promise((r) => setImmediate(r));

test("a campaign whose first transaction fails does not retry forever on a lease that expired meanwhile", async () => {
  const granted: string[] = [];
  const tracked = new Map<string, LeaseListener>();
  const expired = new Set<string>();
  let txns = 0;
  const keeper = {
    grant: async () => {
      const id = `L${granted.length + 1}`;
      granted.push(id);
      return id;
    },
    track: (id: string, _ttl: number, listener: LeaseListener) => tracked.set(id, listener),
    untrack: (id: string) => tracked.delete(id),
    revoke: async (id: string) => {
      tracked.delete(id);
    },
  } as unknown as LeaseKeeper;
  const client = {
    kv: {
      txn: async (req: { success: { request_put: { lease: string } }[] }) => {
        txns++;
        const lease = req.success[0]?.request_put.lease ?? "";
        if (txns === 1) {
          // The call times out after 5 s (a partition): etcd expires every lease nobody renewed.
          for (const id of granted) if (!tracked.has(id)) expired.add(id);
          throw new Error("4 DEADLINE_EXCEEDED: Deadline exceeded");
        }
        if (expired.has(lease)) throw new Error("etcdserver: requested lease not found");
        return { succeeded: true, header: { revision: "42" }, responses: [] };
      },
    },
  } as unknown as Etcd3;
  const changes: Leadership[] = [];
  const led = leadershipWon(4000);
  const election = new LeaderElection({
    client,
    keeper,
    clock: { now: () => 0 },
    id: "m1",
    onChange: (leadership) => {
      changes.push(leadership);
      led.onChange(leadership);
    },
  });
  void election.start();
  const leading = await led.won;
  await election.resign();
  assert.ok(leading, `never led after ${txns} transactions: ${JSON.stringify(changes)}`);
  assert.deepEqual(changes.at(-1), { role: "leader", term: 42 });
});

test("a follower's watch on the leader key is cancelled even when the vacancy arrives before the watch start resolves", async () => {
  const keeper = {
    grant: async () => "L1",
    track: () => undefined,
    untrack: () => undefined,
    revoke: async () => undefined,
  } as unknown as LeaseKeeper;
  const watchers: { cancelled: boolean }[] = [];
  let txns = 0;
  const client = {
    kv: {
      txn: async () => {
        txns++;
        if (txns === 1) {
          // A real leader record: attached to a lease, decodable (a record without either is vacant).
          const value = Buffer.from(JSON.stringify({ id: "other", since: 1 }));
          const kvs = [{ value, lease: "7", mod_revision: "9", create_revision: "5" }];
          return { succeeded: false, header: { revision: "10" }, responses: [{ response_range: { kvs } }] };
        }
        return { succeeded: true, header: { revision: "20" }, responses: [] };
      },
    },
    watch: () => {
      const builder = {
        key: () => builder,
        prefix: () => builder,
        startRevision: () => builder,
        watcher: () => {
          const w = Object.assign(new EventEmitter(), {
            request: { start_revision: "11" },
            cancelled: false,
            cancel: async () => {
              w.cancelled = true;
            },
          });
          watchers.push(w);
          // The leader's watch on its own key (the second) sees nothing happen.
          if (watchers.length > 1) {
            setImmediate(() => w.emit("connected", {}));
            return w;
          }
          // etcd answers the create and, in the same read, the DELETE that happened meanwhile.
          setImmediate(() => {
            w.emit("connected", {});
            const kv = {
              key: Buffer.from("/monitor/leader"),
              value: Buffer.from(""),
              mod_revision: "11",
              create_revision: "5",
            };
            w.emit("data", { header: { revision: "11" }, events: [{ type: "Delete", kv }] });
          });
          return w;
        },
      };
      return builder;
    },
  } as unknown as Etcd3;
  const election = new LeaderElection({
    client,
    keeper,
    clock: { now: () => 0 },
    id: "m1",
    onChange: (leadership) => led.onChange(leadership),
  });
  const led = leadershipWon(2000);
  void election.start();
  assert.ok(await led.won, "never led");
  await settle(); // let the ended wait's cancellation run
  const leaked = watchers[0]?.cancelled === false ? 1 : 0;
  await election.resign();
  assert.ok(election.isLeader === false);
  // The follower's wait for vacancy, then the leader's watch on its own key.
  assert.equal(watchers.length, 2);
  assert.equal(leaked, 0, "the leader-key watch of the wait for vacancy was left running");
  assert.equal(
    watchers.filter((w) => !w.cancelled).length,
    0,
    "resign cancels the leader's watch on its own key",
  );
});
