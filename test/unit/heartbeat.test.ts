import assert from "node:assert/strict";
import { test } from "node:test";
import type { Etcd3 } from "etcd3";
import { Heartbeat } from "../../src/agent/heartbeat.ts";
import type { LeaseKeeper, LeaseListener } from "../../src/shared/lease-keeper.ts";
import { parseNodeName as nodeName } from "../../src/shared/node-name.ts";

/**
 * A tiny etcd: keys attached to leases, applied in the order the calls are made (one
 * connection), and a log of every key deletion a watcher would see.
 */
function fakeEtcd() {
  const keys = new Map<string, string>(); // key -> lease
  const values = new Map<string, string>();
  const deleted: string[] = [];
  const faults = { failPuts: 0 };
  const listeners = new Map<string, LeaseListener>();
  let next = 1;
  let revision = 0;
  const revoke = (id: string) => {
    for (const [key, lease] of keys)
      if (lease === id) {
        keys.delete(key);
        deleted.push(key);
      }
  };
  const client = {
    put: (key: string) => ({
      value: (value: string) => ({
        lease: (lease: string) => ({
          exec: async () => {
            if (faults.failPuts > 0) {
              faults.failPuts--;
              throw new Error("14 UNAVAILABLE: read ECONNRESET");
            }
            keys.set(key, lease);
            values.set(key, value);
            return { header: { revision: String(++revision) } };
          },
        }),
      }),
    }),
    leaseClient: {
      leaseRevoke: ({ ID }: { ID: string }) => {
        revoke(ID);
        return Promise.resolve({});
      },
    },
  } as unknown as Etcd3;
  const keeper = {
    grant: async () => `L${next++}`,
    track: (id: string, _ttl: number, listener: LeaseListener) => listeners.set(id, listener),
    untrack: (id: string) => listeners.delete(id),
    revoke: async (id: string) => {
      listeners.delete(id);
      revoke(id);
    },
  } as unknown as LeaseKeeper;
  return { client, keeper, keys, values, deleted, listeners, faults };
}

test("a lease the keeper gave up on is revoked only after the keys moved to the new lease (no false DEAD)", async () => {
  const etcd = fakeEtcd();
  const established: string[] = [];
  let reestablished: () => void = () => {};
  const secondLease = new Promise<void>((resolve) => {
    reestablished = resolve;
  });
  const heartbeat = new Heartbeat({
    client: etcd.client,
    keeper: etcd.keeper,
    node: nodeName("n1"),
    ttlS: 5,
    clock: { now: () => 0 },
    events: {
      renewed: () => undefined,
      established: (lease) => {
        established.push(lease);
        if (established.length === 2) reestablished();
      },
      lost: () => undefined,
      retrying: () => undefined,
    },
  });
  await heartbeat.start();
  await heartbeat.publish("/monitor/metrics/n1", "{}");
  assert.equal(etcd.keys.get("/monitor/heartbeat/n1"), "L1");

  // No keepalive answer for a whole TTL (etcd failing over or restarting), but etcd still
  // holds L1: it extends every lease when a new leader takes over.
  etcd.listeners.get("L1")?.lost("no keepalive answer for 5s");
  await secondLease;
  await new Promise((resolve) => setImmediate(resolve)); // the old lease's revoke follows the re-put

  assert.deepEqual(established, ["L1", "L2"]);
  assert.equal(etcd.keys.get("/monitor/heartbeat/n1"), "L2");
  assert.equal(etcd.keys.get("/monitor/metrics/n1"), "L2");
  assert.deepEqual(etcd.deleted, [], "the heartbeat key was deleted: the manager prints a false DEAD");
  heartbeat.release();
});

test("a config ack whose put fails is put again (else etcd keeps the old ack until the next re-grant)", async () => {
  const etcd = fakeEtcd();
  const heartbeat = new Heartbeat({
    client: etcd.client,
    keeper: etcd.keeper,
    node: nodeName("n1"),
    ttlS: 5,
    clock: { now: () => 0 },
    events: {
      renewed: () => undefined,
      established: () => undefined,
      lost: () => undefined,
      retrying: () => undefined,
    },
  });
  await heartbeat.start();
  etcd.faults.failPuts = 1; // the link resets while the ack is being written
  // setAck resolves once the ack is written, after as many retries as it takes.
  await heartbeat.setAck({ nodeRevision: 7, defaultRevision: 0, interval: 3, metrics: ["cpu"] });
  const ackedRevision = () =>
    JSON.parse(etcd.values.get("/monitor/heartbeat/n1") ?? "{}").config?.nodeRevision;
  heartbeat.release();
  assert.equal(ackedRevision(), 7);
});
