import assert from "node:assert/strict";
import { test } from "node:test";
import type { Etcd3 } from "etcd3";
import { LeaderElection, type Leadership } from "../../src/manager/election.ts";
import type { LeaseKeeper, LeaseListener } from "../../src/shared/lease-keeper.ts";

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
  const election = new LeaderElection({
    client,
    keeper,
    clock: { now: () => 0 },
    id: "m1",
    onChange: (leadership) => changes.push(leadership),
  });
  void election.start();
  const deadline = Date.now() + 4000;
  while (!election.isLeader && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const leading = election.isLeader;
  await election.resign();
  assert.ok(leading, `never led after ${txns} transactions: ${JSON.stringify(changes)}`);
  assert.deepEqual(changes.at(-1), { role: "leader", term: 42 });
});
