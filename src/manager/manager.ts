// The manager's core, without any user interface: loads the registry, tracks heartbeats
// through the liveness reducer and performs its effects. The console, the HTTP API and
// the dashboard are views on it: they read `state` and subscribe to `effects`.
import type { Etcd3, ICompare } from "etcd3";
import { backoffDelay, sleep } from "../shared/backoff.ts";
import type { Clock } from "../shared/clock.ts";
import { errorMessage } from "../shared/errors.ts";
import type { Informer } from "../shared/informer.ts";
import type { InformerStatus, InformerStatusListener } from "../shared/informer-status.ts";
import { LeaseKeeper } from "../shared/lease-keeper.ts";
import type { Logger } from "../shared/log.ts";
import type { NodeName } from "../shared/node-name.ts";
import { LeaderElection, type Leadership } from "./election.ts";
import { type ForgetResult, forgetNode } from "./forget.ts";
import { type ForgetEvent, watchForgets } from "./forget-watch.ts";
import {
  initialLiveness,
  type LivenessEffect,
  type LivenessEvent,
  type LivenessState,
  type NodeView,
  reduceMany,
} from "./liveness.ts";
import { loadRegistry, RegistryWriter } from "./registry.ts";
import { HeartbeatTracker } from "./tracker.ts";

const lastRevision = (view: NodeView) => view.history[view.history.length - 1]?.revision ?? 0;

export type EffectListener = (effect: LivenessEffect) => void;
export type LeadershipListener = (leadership: Leadership) => void;

export interface ManagerOptions {
  client: Etcd3;
  clock: Clock;
  log: Logger;
  /**
   * The heartbeat view's connection state: list failures (the registry's first read
   * included) and re-lists; the console prints "[!] Cannot reach etcd" from `list-failed`.
   */
  onStatus?(status: InformerStatus): void;
  /** This manager started or stopped leading (only the leader writes the registry). */
  onLeadership?(leadership: Leadership): void;
  /** Identifies this manager in the leader key. */
  id?: string;
}

export class Manager {
  private current: LivenessState = initialLiveness;
  private readonly listeners = new Set<EffectListener>();
  private readonly leadershipListeners = new Set<LeadershipListener>();
  private readonly registry: RegistryWriter;
  private readonly tracker: HeartbeatTracker;
  private readonly keeper: LeaseKeeper;
  private readonly election: LeaderElection;
  private readonly forgets: Informer<ForgetEvent | undefined>;
  private readonly statusListeners = new Set<InformerStatusListener>();
  private stopped = false;
  private pending: LivenessEvent[] = [];
  private flushScheduled = false;
  private leadership: Leadership | undefined;

  constructor(private readonly options: ManagerOptions) {
    this.keeper = new LeaseKeeper(options.client, { clock: options.clock });
    this.election = new LeaderElection({
      client: options.client,
      keeper: this.keeper,
      clock: options.clock,
      id: options.id,
      onChange: (leadership) => this.onLeadership(leadership),
    });
    this.registry = new RegistryWriter(options.client, options.log, () => this.election.guard());
    this.tracker = new HeartbeatTracker({
      client: options.client,
      dispatch: (event) => this.dispatch(event),
      dispatchMany: (events) => this.dispatchMany(events),
      onStatus: (status) => this.onStatus(status),
    });
    this.forgets = watchForgets(options.client, options.log, (event) => this.dispatch(event));
  }

  /** Forgets a DEAD or LEFT node for every manager (refused for ALIVE: ConflictError). */
  forget(node: NodeName, by: string, purgeConfig = false): Promise<ForgetResult> {
    return forgetNode(this.options.client, node, { by, now: this.options.clock.now(), purgeConfig });
  }

  /** The leader forgetting on its own: the write carries the term guard, like every leader write. */
  async forgetAsLeader(node: NodeName, by: string): Promise<ForgetResult | undefined> {
    const leaderGuard = this.election.guard();
    if (!leaderGuard) return undefined;
    return forgetNode(this.options.client, node, { by, now: this.options.clock.now(), leaderGuard });
  }

  get state(): LivenessState {
    return this.current;
  }

  /** Connected to etcd and the first list is done: the view can be trusted. */
  get ready(): boolean {
    return this.tracker.isSynced && this.current.connected;
  }

  /** Only the leader writes the registry (and sends alerts). */
  get isLeader(): boolean {
    return this.election.isLeader;
  }

  get managerId(): string {
    return this.election.id;
  }

  /** The compare a leader-only write must carry in its transaction, or undefined when not leading. */
  leaderGuard(): ICompare | undefined {
    return this.election.guard();
  }

  /** Effects in the order the reducer produced them; returns an unsubscribe function. */
  subscribe(listener: EffectListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Leadership changes (leader-only work starts and stops on them); returns an unsubscribe function. */
  subscribeLeadership(listener: LeadershipListener): () => void {
    this.leadershipListeners.add(listener);
    return () => this.leadershipListeners.delete(listener);
  }

  /** The heartbeat view's connection states, as the tracker's informer reports them. */
  subscribeStatus(listener: InformerStatusListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private onStatus(status: InformerStatus): void {
    if (status.state === "resyncing") {
      this.options.log.warn({ reason: status.reason }, "heartbeat watch cannot resume; re-listing");
    }
    this.options.onStatus?.(status);
    for (const listener of this.statusListeners) listener(status);
  }

  /** Restores the registry (so the first list reconciles against it), lists, then watches. */
  async start(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        this.dispatch({ type: "restore", views: await loadRegistry(this.options.client) });
        break;
      } catch (err) {
        const retryInMs = backoffDelay(attempt);
        this.onStatus({ state: "list-failed", error: errorMessage(err), retryInMs });
        await sleep(retryInMs);
      }
    }
    await this.tracker.start();
    void this.forgets.start();
    // Campaign only once the view is synced: a new leader persists from a complete view.
    void this.election.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.tracker.stop().catch(() => undefined);
    await this.forgets.stop().catch(() => undefined);
    // Give queued registry writes a moment so a restart resumes from the latest view.
    await Promise.race([this.registry.drain(), sleep(1000)]);
    this.registry.close();
    // Resign so a standby takes over now rather than after a TTL.
    await this.election.resign();
    this.keeper.close();
  }

  /**
   * Who leads, as far as this manager knows: its own id while it leads, the id read from the
   * leader key while it stands by, undefined before the first campaign or while nobody leads.
   */
  get leaderId(): string | undefined {
    const known = this.leadership;
    if (!known) return undefined;
    return known.role === "leader" ? this.election.id : known.leader;
  }

  private onLeadership(leadership: Leadership): void {
    this.leadership = leadership;
    this.options.onLeadership?.(leadership);
    for (const listener of this.leadershipListeners) listener(leadership);
    if (leadership.role === "leader") void this.persistWhatTheRegistryMissed();
  }

  /**
   * On taking over: the old leader may have died before persisting the last transitions.
   * Every manager reduces the same event stream, so our view holds them; write each node
   * whose registry entry lags behind it.
   */
  private async persistWhatTheRegistryMissed(): Promise<void> {
    try {
      const stored = new Map((await loadRegistry(this.options.client)).map((v) => [v.node, v]));
      for (const view of this.current.nodes.values()) {
        const entry = stored.get(view.node);
        if (!entry || lastRevision(entry) !== lastRevision(view) || entry.state !== view.state) {
          this.registry.enqueue(view);
        }
      }
    } catch (err) {
      this.options.log.warn({ error: errorMessage(err) }, "could not compare the registry after taking over");
    }
  }

  private dispatch(event: LivenessEvent): void {
    this.flush(); // keep the order: watch events queued before this one go first
    this.apply([event]);
  }

  /**
   * Watch events are queued and reduced together once per event-loop turn: each reducer
   * step copies the node map (O(N)), and during a burst (10,000 nodes starting, or
   * acknowledging a fleet default) etcd delivers thousands of small watch responses.
   * The busier the manager, the more responses one turn collects, so the copying stays
   * bounded; the added latency is one turn of the loop (well under a millisecond idle).
   */
  private dispatchMany(events: LivenessEvent[]): void {
    this.pending.push(...events);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.apply(events);
  }

  private apply(events: LivenessEvent[]): void {
    const result = reduceMany(this.current, events, this.options.clock.now());
    this.current = result.state;
    for (const effect of result.effects) {
      if (effect.type === "persist") this.registry.enqueue(effect.view);
      if (effect.type === "forgotten") this.registry.discard(effect.node);
      this.notify(effect);
    }
  }

  /**
   * A listener that throws (a bug, or data no decoder foresaw) loses that one effect; it
   * must not unwind into the watch callback or the reducer's caller and stop the manager.
   */
  private notify(effect: LivenessEffect): void {
    for (const listener of this.listeners) {
      try {
        listener(effect);
      } catch (err) {
        this.options.log.error({ err, effect: effect.type }, "an effect listener failed; effect dropped");
      }
    }
  }
}
