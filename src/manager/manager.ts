// The manager's core, without any user interface: loads the registry, tracks heartbeats
// through the liveness reducer and performs its effects. The console, the HTTP API and
// the dashboard are views on it: they read `state` and subscribe to `effects`.
import type { Etcd3 } from "etcd3";
import { backoffDelay, sleep } from "../shared/backoff.ts";
import type { Clock } from "../shared/clock.ts";
import { errorMessage } from "../shared/errors.ts";
import type { Logger } from "../shared/log.ts";
import {
  initialLiveness,
  type LivenessEffect,
  type LivenessEvent,
  type LivenessState,
  reduce,
} from "./liveness.ts";
import { loadRegistry, RegistryWriter } from "./registry.ts";
import { HeartbeatTracker } from "./tracker.ts";

export type EffectListener = (effect: LivenessEffect) => void;

export interface ManagerOptions {
  client: Etcd3;
  clock: Clock;
  log: Logger;
  /** Human-readable problems reaching etcd before the first sync (the console prints them). */
  onEtcdUnreachable(error: string, delayMs: number): void;
}

export class Manager {
  private current: LivenessState = initialLiveness;
  private readonly listeners = new Set<EffectListener>();
  private readonly registry: RegistryWriter;
  private readonly tracker: HeartbeatTracker;
  private stopped = false;

  constructor(private readonly options: ManagerOptions) {
    this.registry = new RegistryWriter(options.client, options.log);
    this.tracker = new HeartbeatTracker({
      client: options.client,
      dispatch: (event) => this.dispatch(event),
      onListFailed: (error, delayMs) => options.onEtcdUnreachable(error, delayMs),
      onResync: (reason) => options.log.warn({ reason }, "heartbeat watch cannot resume; re-listing"),
    });
  }

  get state(): LivenessState {
    return this.current;
  }

  /** Connected to etcd and the first list is done: the view can be trusted. */
  get ready(): boolean {
    return this.tracker.isSynced && this.current.connected;
  }

  get client(): Etcd3 {
    return this.options.client;
  }

  /** Effects in the order the reducer produced them; returns an unsubscribe function. */
  subscribe(listener: EffectListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Restores the registry (so the first list reconciles against it), lists, then watches. */
  async start(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        this.dispatch({ type: "restore", views: await loadRegistry(this.options.client, this.options.log) });
        break;
      } catch (err) {
        const delay = backoffDelay(attempt);
        this.options.onEtcdUnreachable(errorMessage(err), delay);
        await sleep(delay);
      }
    }
    await this.tracker.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.tracker.stop().catch(() => undefined);
    // Give queued registry writes a moment so a restart resumes from the latest view.
    await Promise.race([this.registry.drain(), sleep(1000)]);
    this.registry.close();
  }

  private dispatch(event: LivenessEvent): void {
    const result = reduce(this.current, event, this.options.clock.now());
    this.current = result.state;
    for (const effect of result.effects) {
      if (effect.type === "persist") this.registry.enqueue(effect.view);
      for (const listener of this.listeners) listener(effect);
    }
  }
}
