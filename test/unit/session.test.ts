import assert from "node:assert/strict";
import { test } from "node:test";
import type { SchedulingClock } from "../../src/shared/clock.ts";
import type { LeaseListener } from "../../src/shared/lease-keeper.ts";
import { Session, type SessionOptions, type SessionPort } from "../../src/shared/session.ts";

/** Lets pending promise callbacks run. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

/** A clock whose timers fire only when the test advances it. */
function fakeClock(): SchedulingClock & { advance(ms: number): Promise<void>; pending(): number[] } {
  let t = 0;
  const timers = new Set<{ at: number; fn: () => void }>();
  return {
    now: () => t,
    schedule(ms, fn) {
      const timer = { at: t + ms, fn };
      timers.add(timer);
      return () => timers.delete(timer);
    },
    pending: () => [...timers].map((x) => x.at - t),
    async advance(ms) {
      const until = t + ms;
      for (;;) {
        const next = [...timers].filter((x) => x.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!next) break;
        timers.delete(next);
        t = next.at;
        next.fn();
        await settle();
      }
      t = until;
      await settle();
    },
  };
}

class Denied extends Error {}

/** A tiny etcd behind the port: leases, keys attached to them, a revision, a call log, faults. */
function fakePort() {
  const calls: string[] = [];
  const keys = new Map<string, { value: string; lease: string; revision: number }>();
  const renewing = new Map<string, LeaseListener>();
  const faults = { grants: 0, puts: 0, denied: false, hold: undefined as Promise<void> | undefined };
  let revision = 0;
  let next = 1;
  const dropLease = (lease: string) => {
    for (const [key, kv] of keys) if (kv.lease === lease) keys.delete(key);
  };
  const port: SessionPort = {
    grant: async () => {
      calls.push("grant");
      if (faults.grants > 0 && faults.grants--) throw new Error("14 UNAVAILABLE");
      return `L${next++}`;
    },
    keepAlive: (lease, _ttl, listener) => {
      calls.push(`keepAlive ${lease}`);
      renewing.set(lease, listener);
    },
    stopRenewing: (lease) => {
      calls.push(`stopRenewing ${lease}`);
      renewing.delete(lease);
    },
    revoke: async (lease) => {
      calls.push(`revoke ${lease}`);
      renewing.delete(lease);
      dropLease(lease);
    },
    put: async (key, value, lease) => {
      calls.push(`put ${key} ${lease}`);
      if (faults.denied) throw new Denied("permission denied");
      if (faults.puts > 0 && faults.puts--) throw new Error("14 UNAVAILABLE: ECONNRESET");
      keys.set(key, { value, lease, revision: ++revision });
      const at = revision;
      if (faults.hold) await faults.hold; // the answer is late; etcd has applied the put
      return at;
    },
  };
  /** Someone else writes: a delete or a put off the lease. */
  const external = (key: string, value?: string) => {
    revision++;
    if (value === undefined) keys.delete(key);
    else keys.set(key, { value, lease: "0", revision });
    return revision;
  };
  /** The keeper gives up on `lease` (no answer for a TTL). */
  const lose = (lease: string) => {
    const listener = renewing.get(lease);
    renewing.delete(lease);
    listener?.lost("no keepalive answer for 5s");
  };
  return { port, calls, keys, faults, renewing, external, lose };
}

type Harness = ReturnType<typeof fakePort> & {
  clock: ReturnType<typeof fakeClock>;
  session: Session;
  events: string[];
};

function harness(options: Partial<SessionOptions> = {}): Harness {
  const etcd = fakePort();
  const clock = fakeClock();
  const events: string[] = [];
  const session = new Session({
    port: etcd.port,
    ttlS: 5,
    clock,
    backoff: { initialMs: 100, maxMs: 1000 },
    random: () => 0, // the jitter's floor: half the ceiling
    isFatal: (err) => err instanceof Denied,
    events: {
      established: (lease, attempts, recovery) => events.push(`established ${lease} ${attempts} ${recovery}`),
      lost: (reason) => events.push(`lost ${reason}`),
      retrying: (_err, delayMs, leaseHeld) => events.push(`retrying ${delayMs} ${leaseHeld}`),
      failed: () => events.push("failed"),
    },
    ...options,
  });
  return { ...etcd, clock, session, events };
}

interface Case {
  name: string;
  run(h: Harness): Promise<void>;
  /** Port calls in order (when given). */
  calls?: string[];
  events?: string[];
  /** key -> lease it is attached to, after the run. */
  keys?: Record<string, string>;
}

const cases: Case[] = [
  {
    name: "first sync grants one lease, writes every key under it, then renews it",
    run: async (h) => {
      void h.session.set("/a", "1");
      void h.session.set("/b", () => "rendered at write time");
      assert.equal(h.calls.length, 0, "nothing is granted before the session begins");
      assert.equal(await h.session.ready(), "L1");
      assert.equal(h.keys.get("/b")?.value, "rendered at write time");
    },
    calls: ["grant", "put /a L1", "put /b L1", "keepAlive L1"],
    events: ["established L1 1 false"],
    keys: { "/a": "L1", "/b": "L1" },
  },
  {
    name: "sync is idempotent: converged, it makes no call",
    run: async (h) => {
      void h.session.set("/a", "1");
      await h.session.ready();
      await h.session.sync();
      await h.session.sync();
    },
    calls: ["grant", "put /a L1", "keepAlive L1"],
  },
  {
    name: "failed grants retry with exponential back-off and jitter on the clock, not at once",
    run: async (h) => {
      h.faults.grants = 3;
      const ready = h.session.ready();
      await settle();
      assert.deepEqual(h.clock.pending(), [50], "first retry after half of 100 ms (random 0)");
      await h.clock.advance(49);
      assert.equal(h.calls.length, 1, "retried before its back-off");
      await h.clock.advance(1);
      assert.deepEqual(h.clock.pending(), [100]);
      await h.clock.advance(100);
      assert.deepEqual(h.clock.pending(), [200]);
      await h.clock.advance(200);
      assert.equal(await ready, "L1");
    },
    calls: ["grant", "grant", "grant", "grant", "keepAlive L1"],
    events: ["retrying 50 false", "retrying 100 false", "retrying 200 false", "established L1 4 false"],
  },
  {
    name: "a put failing on a fresh lease revokes that lease (no lease without its keys) and starts over",
    run: async (h) => {
      void h.session.set("/a", "1");
      h.faults.puts = 1;
      const ready = h.session.ready();
      await settle();
      await h.clock.advance(50);
      assert.equal(await ready, "L2");
    },
    calls: ["grant", "put /a L1", "revoke L1", "grant", "put /a L2", "keepAlive L2"],
    events: ["retrying 50 false", "established L2 2 false"],
    keys: { "/a": "L2" },
  },
  {
    name: "a put failing under a live lease is retried on that lease",
    run: async (h) => {
      await h.session.ready();
      h.faults.puts = 1;
      const written = h.session.set("/a", "2");
      await settle();
      await h.clock.advance(50);
      await written;
      assert.equal(h.keys.get("/a")?.value, "2");
    },
    calls: ["grant", "keepAlive L1", "put /a L1", "put /a L1"],
    events: ["established L1 1 false", "retrying 50 true"],
    keys: { "/a": "L1" },
  },
  {
    name: "a lost lease: keys move to a new lease before the old one is revoked (no false DEAD)",
    run: async (h) => {
      void h.session.set("/hb", "alive");
      void h.session.set("/metrics", "{}");
      await h.session.ready();
      h.lose("L1");
      assert.equal(await h.session.ready(), "L2");
      await settle();
    },
    calls: [
      "grant",
      "put /hb L1",
      "put /metrics L1",
      "keepAlive L1",
      "grant",
      "put /hb L2",
      "put /metrics L2",
      "keepAlive L2",
      "revoke L1",
    ],
    events: ["established L1 1 false", "lost no keepalive answer for 5s", "established L2 1 true"],
    keys: { "/hb": "L2", "/metrics": "L2" },
  },
  {
    name: "set without a lease resolves at once; the next grant writes the newest value",
    run: async (h) => {
      void h.session.set("/a", "1");
      await h.session.ready();
      h.faults.grants = 1;
      h.lose("L1");
      await settle();
      await h.session.set("/a", "2"); // would hang if it waited for the re-grant
      await h.clock.advance(50);
      await h.session.ready();
      assert.equal(h.keys.get("/a")?.value, "2");
    },
    keys: { "/a": "L2" },
  },
  {
    name: "orphan stops renewing and revokes nothing: etcd expires the lease after its TTL",
    run: async (h) => {
      void h.session.set("/a", "1");
      await h.session.ready();
      assert.equal(h.session.orphan(), "L1");
      await h.session.sync();
      assert.equal(h.session.isOpen, false);
    },
    calls: ["grant", "put /a L1", "keepAlive L1", "stopRenewing L1"],
    keys: { "/a": "L1" },
  },
  {
    name: "revoke writes the last values once, then revokes: etcd deletes the keys at once",
    run: async (h) => {
      void h.session.set("/a", "alive");
      await h.session.ready();
      await h.session.revoke({ "/a": "leaving" });
    },
    calls: ["grant", "put /a L1", "keepAlive L1", "put /a L1", "revoke L1"],
    keys: {},
  },
  {
    name: "a key deleted or overwritten off the lease is drift and put back; our own writes are not",
    run: async (h) => {
      void h.session.set("/a", "1");
      await h.session.ready();
      const own = h.keys.get("/a")?.revision ?? 0;
      assert.equal(
        h.session.noticeChange("/a", { deleted: false, lease: "L1", modRevision: own }),
        undefined,
      );
      const deletedAt = h.external("/a");
      assert.equal(h.session.noticeChange("/a", { deleted: true, modRevision: deletedAt }), "deleted");
      assert.equal(await h.session.whenWritten("/a"), true);
      const overwrittenAt = h.external("/a", "forged");
      const change = { deleted: false, lease: "0", modRevision: overwrittenAt };
      assert.equal(h.session.noticeChange("/a", change), "overwritten");
      assert.equal(await h.session.whenWritten("/a"), true);
      assert.equal(h.keys.get("/a")?.value, "1");
      // A late event older than our last write is not drift.
      assert.equal(h.session.noticeChange("/a", { deleted: true, modRevision: deletedAt }), undefined);
    },
    calls: ["grant", "put /a L1", "keepAlive L1", "put /a L1", "put /a L1"],
    keys: { "/a": "L1" },
  },
  {
    name: "a delete seen while our put's answer is late, newer than that put, is put back (not taken as written)",
    run: async (h) => {
      void h.session.set("/a", "1");
      await h.session.ready();
      let answer: () => void = () => {};
      h.faults.hold = new Promise((r) => {
        answer = r;
      });
      const written = h.session.set("/a", "2"); // applied at etcd, answer pending
      await settle();
      const deletedAt = h.external("/a");
      assert.equal(h.session.noticeChange("/a", { deleted: true, modRevision: deletedAt }), "deleted");
      h.faults.hold = undefined;
      answer();
      await written;
      assert.equal(await h.session.whenWritten("/a"), true);
      assert.equal(h.keys.get("/a")?.value, "2");
    },
    calls: ["grant", "put /a L1", "keepAlive L1", "put /a L1", "put /a L1"],
    keys: { "/a": "L1" },
  },
  {
    name: "a fatal error (RBAC) stops the session: no retry, ready() rejects with it",
    run: async (h) => {
      void h.session.set("/a", "1");
      h.faults.denied = true;
      await assert.rejects(h.session.ready(), Denied);
      assert.deepEqual(h.clock.pending(), []);
      assert.equal(h.session.isOpen, false);
    },
    calls: ["grant", "put /a L1", "revoke L1"],
    events: ["failed"],
    keys: {},
  },
];

for (const c of cases) {
  test(`session: ${c.name}`, async () => {
    const h = harness();
    await c.run(h);
    if (c.calls) assert.deepEqual(h.calls, c.calls);
    if (c.events) assert.deepEqual(h.events, c.events);
    if (c.keys) assert.deepEqual(Object.fromEntries([...h.keys].map(([key, kv]) => [key, kv.lease])), c.keys);
  });
}
