// Leader election among managers: a lease plus a create-if-absent transaction on
// `/monitor/leader`. Every manager keeps a live view; only the leader writes the registry
// and sends alerts.
//
// Why not etcd3's Election class: it can briefly have two leaders (a campaign resolves
// on the candidate's own view of the key order). Here leadership IS the leader key's
// generation: its create_revision is the term, and every leader write carries the
// compare `create_revision(/monitor/leader) == term` in its transaction. A manager that
// lost its lease but has not noticed yet cannot write - etcd refuses it.
// The lease (grant, renew, re-grant with back-off, revoke on resign) is a Session
// (shared/session.ts) without attached keys: the leader key is this file's own
// create-if-absent transaction under the session's lease, as in etcd's concurrency.Election.
import { hostname } from "node:os";
import type { Etcd3, ICompare, IKeyValue } from "etcd3";
import { z } from "zod";
import { backoffDelay, sleep } from "../shared/backoff.ts";
import { type Clock, withSystemTimers } from "../shared/clock.ts";
import { decodeStored } from "../shared/decode.ts";
import { errorMessage } from "../shared/errors.ts";
import { invalidValues } from "../shared/invalid-values.ts";
import { LEADER_KEY } from "../shared/keys.ts";
import type { LeaseKeeper } from "../shared/lease-keeper.ts";
import { ResumableWatch, type WatchEvent } from "../shared/resumable-watch.ts";
import { epochMsSchema } from "../shared/schema.ts";
import { etcdSessionPort, Session } from "../shared/session.ts";

/** What the leader stores in /monitor/leader (under its lease). */
const LeaderRecordSchema = z.object({ id: z.string().min(1).max(300), since: epochMsSchema });

export type Leadership = { role: "leader"; term: number } | { role: "follower"; leader: string | undefined };

export interface ElectionOptions {
  client: Etcd3;
  keeper: LeaseKeeper;
  clock: Clock;
  /** Identifies this manager in the leader key (host and pid by default). */
  id?: string;
  ttlS?: number;
  onChange(leadership: Leadership): void;
}

export class LeaderElection {
  readonly id: string;
  private term: number | undefined;
  private readonly session: Session;
  private watch: ResumableWatch | undefined;
  private leaderWatch: ResumableWatch | undefined;
  private readonly stop = new AbortController();
  private campaigning: Promise<void> | undefined;
  /** Grants that failed in a row: after a few the view says the leader is unknown. */
  private grantFailures = 0;

  constructor(private readonly options: ElectionOptions) {
    this.id = options.id ?? `${hostname()}:${process.pid}`;
    this.session = new Session({
      port: etcdSessionPort(options.client, options.keeper),
      ttlS: options.ttlS ?? 5,
      clock: withSystemTimers(options.clock),
      events: {
        established: () => {
          this.grantFailures = 0;
        },
        lost: (reason) => this.onLeaseLost(reason),
        retrying: (error) => {
          if (++this.grantFailures > 3)
            options.onChange({ role: "follower", leader: `unknown (${errorMessage(error)})` });
        },
      },
    });
  }

  get isLeader(): boolean {
    return this.term !== undefined;
  }

  /** The compare every leader-only write must carry, or undefined when not leading. */
  guard(): ICompare | undefined {
    if (this.term === undefined) return undefined;
    return { key: Buffer.from(LEADER_KEY), target: "Create", result: "Equal", create_revision: this.term };
  }

  start(): Promise<void> {
    return this.campaign();
  }

  /** Gives up leadership at once (revokes the lease) so a standby takes over without waiting a TTL. */
  async resign(): Promise<void> {
    this.stop.abort();
    await this.watch?.cancel();
    await this.leaderWatch?.cancel();
    this.term = undefined;
    await this.session.revoke().catch(() => undefined);
  }

  private campaign(): Promise<void> {
    this.campaigning ??= this.campaignUntilDecided().finally(() => {
      this.campaigning = undefined;
    });
    return this.campaigning;
  }

  /** Tries to become leader; as a follower, watches the key and tries again when it goes. */
  private async campaignUntilDecided(): Promise<void> {
    const { client } = this.options;
    for (let attempt = 0; !this.stop.signal.aborted; attempt++) {
      try {
        // Held and renewed from the grant on: a failed transaction below is retried with this
        // lease, which must not expire meanwhile (etcd would refuse every retry: "lease not found").
        const lease = await this.session.ready();
        if (lease === undefined) return; // resigned
        const res = await client.kv.txn({
          compare: [{ key: Buffer.from(LEADER_KEY), target: "Create", result: "Equal", create_revision: 0 }],
          success: [
            {
              request_put: {
                key: Buffer.from(LEADER_KEY),
                value: Buffer.from(JSON.stringify({ id: this.id, since: this.options.clock.now() })),
                lease,
              },
            },
          ],
          failure: [{ request_range: { key: Buffer.from(LEADER_KEY) } }],
        });
        if (res.succeeded) {
          if (this.session.leaseId !== lease) continue; // lost meanwhile: the key goes with it
          this.term = Number(res.header.revision); // the put's revision is the key's create_revision
          this.options.onChange({ role: "leader", term: this.term });
          void this.watchOwnKey(this.term, lease).catch(() => undefined);
          return;
        }
        const current = res.responses[0]?.response_range?.kvs[0];
        const leader = current ? decodeLeader(current) : undefined;
        if (current && !leader) {
          // Not a leader at all (a stray put without a lease, or a value that does not
          // decode): nobody leads. Clear it, unless it changed meanwhile, and campaign again.
          await this.clearVacant(current);
          attempt = -1;
          continue;
        }
        this.options.onChange({ role: "follower", leader });
        await this.waitForVacancy(Number(res.header.revision));
        attempt = -1;
      } catch (err) {
        await sleep(backoffDelay(attempt), this.stop.signal);
        if (attempt > 3)
          this.options.onChange({ role: "follower", leader: `unknown (${errorMessage(err)})` });
      }
    }
  }

  /** Resolves when the leader key is deleted (the leader's lease expired or it resigned). */
  private async waitForVacancy(fromRevision: number): Promise<void> {
    let vacant = false;
    await new Promise<void>((resolve) => {
      const done = () => {
        if (vacant) return;
        vacant = true;
        this.stop.signal.removeEventListener("abort", done);
        void this.watch?.cancel();
        this.watch = undefined;
        resolve();
      };
      this.stop.signal.addEventListener("abort", done, { once: true });
      void ResumableWatch.start(this.options.client, { key: LEADER_KEY }, fromRevision + 1, {
        onEvents: (events) => {
          // Gone, or replaced by something that is not a leader: campaign (which clears it).
          if (events.some((e) => e.type === "delete" || !decodeLeaderEvent(e))) done();
        },
        onResyncNeeded: () => done(), // compacted: just campaign again, the txn decides
      }).then((w) => {
        // The DELETE can arrive with the watch's creation, before this runs: cancel it here then.
        if (vacant) void w.cancel();
        else this.watch = w;
      });
    });
  }

  /**
   * While leading: if our key is deleted or overwritten off our lease (`etcdctl put`), we no
   * longer lead in any way a standby can see - the standbys clear the stray value and
   * campaign. Step down at once and campaign too, rather than claim to lead.
   */
  private async watchOwnKey(term: number, lease: string): Promise<void> {
    const watch = await ResumableWatch.start(this.options.client, { key: LEADER_KEY }, term + 1, {
      onEvents: (events) => {
        if (this.term !== term) return;
        if (events.some((e) => e.type === "delete" || (e.lease !== undefined && e.lease !== lease))) {
          this.term = undefined;
          void this.leaderWatch?.cancel();
          this.options.onChange({ role: "follower", leader: undefined });
          if (!this.stop.signal.aborted) void this.campaign();
        }
      },
      onResyncNeeded: () => undefined, // compacted: the next leader write's guard still decides
    });
    // Events can arrive before start() resolves: cancel here when leadership already ended.
    if (this.term !== term) await watch.cancel();
    else this.leaderWatch = watch;
  }

  /** Deletes a leader key that holds no leader, if it is still the value we saw. */
  private async clearVacant(kv: IKeyValue): Promise<void> {
    await this.options.client.kv.txn({
      compare: [
        { key: Buffer.from(LEADER_KEY), target: "Mod", result: "Equal", mod_revision: kv.mod_revision },
      ],
      success: [{ request_delete_range: { key: Buffer.from(LEADER_KEY) } }],
      failure: [],
    });
    // Someone writing a stray value over and over must not make us spin.
    await sleep(100, this.stop.signal);
  }

  private onLeaseLost(reason: string): void {
    if (this.term !== undefined) {
      // Our key is gone with the lease (or about to be): stop acting as leader at once.
      this.term = undefined;
      this.options.onChange({ role: "follower", leader: `none (lost our lease: ${reason})` });
    }
    if (!this.stop.signal.aborted) void this.campaign();
  }
}

/**
 * The leader's id, or undefined when the key holds no leader: a key without a lease would
 * never go away by itself (every manager would stand by forever), and a value that does not
 * decode names nobody.
 */
function decodeLeader(kv: IKeyValue): string | undefined {
  return decodeLeaderValue(kv.value.toString(), String(kv.lease), Number(kv.mod_revision));
}

function decodeLeaderEvent(ev: WatchEvent): string | undefined {
  return decodeLeaderValue(ev.value, ev.lease ?? "0", ev.modRevision);
}

function decodeLeaderValue(value: string, lease: string, revision: number): string | undefined {
  if (lease === "0") {
    invalidValues.report({ kind: "leader", key: LEADER_KEY, revision, reason: "not attached to a lease" });
    return undefined;
  }
  return decodeStored("leader", LeaderRecordSchema, { key: LEADER_KEY, value, revision })?.id;
}
