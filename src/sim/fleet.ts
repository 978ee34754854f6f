// N simulated nodes in one process, built from the SAME classes as `fleetwatch agent`
// (Heartbeat, ConfigWatch, CollectionLoop, acknowledgement through heartbeat.setAck);
// only the collectors are replaced by synthetic samples. Everything shares one etcd
// client and one LeaseKeeper, i.e. one keepalive stream for every lease
// (docs/liveness.md: etcd3 client traps: a stream per lease costs ~450 MB at 10,000).
//
// Start-up is batched and paced: at most `batchSize` grants in flight, and the next
// batch waits for the previous batch's first keepalive answers, because etcd renews
// slowly during a write burst and an unpaced start of thousands of leases loses some.
import type { Etcd3 } from "etcd3";
import { CollectionLoop } from "../agent/collection-loop.ts";
import { type ConfigChange, ConfigWatch } from "../agent/config-watch.ts";
import { Heartbeat } from "../agent/heartbeat.ts";
import type { Clock } from "../shared/clock.ts";
import { metricsKey } from "../shared/keys.ts";
import type { LeaseKeeper } from "../shared/lease-keeper.ts";
import type { Limiter } from "../shared/limiter.ts";
import type { NodeName } from "../shared/node-name.ts";
import { encodeSample } from "../shared/sample.ts";
import type { ConfigAck, EffectiveConfig } from "../shared/schema.ts";
import type { SharedConfigWatch } from "./shared-config-watch.ts";
import { SyntheticSampler } from "./synthetic-sample.ts";

export type SimNodeState = "starting" | "alive" | "crashed" | "left";

/** What the simulator reports; `at` is Date.now() (ms) in this process. */
export type SimEvent =
  | { ev: "up"; node: string; at: number }
  | { ev: "crash"; node: string; at: number; lastAnswerAt: number | undefined }
  | { ev: "leave"; node: string; at: number; revokedAt: number }
  | { ev: "applied"; node: string; at: number; ack: ConfigAck; change: ConfigChange["type"] }
  | { ev: "acked"; node: string; at: number; ack: ConfigAck }
  | { ev: "lost"; node: string; at: number; reason: string };

export type ConfigWatchMode = "per-node" | "shared";

export interface SimFleetOptions {
  client: Etcd3;
  keeper: LeaseKeeper;
  clock: Clock;
  ttlS: number;
  /** Publish a synthetic metrics sample under the lease at the configured interval, as the agent does. */
  publishMetrics: boolean;
  configWatch: ConfigWatchMode;
  /** Needed when `configWatch` is "shared". */
  shared?: SharedConfigWatch;
  /** Grants in flight at once during a batched start (the etcd3 client trips above a few hundred). */
  batchSize: number;
  /** Every later write of every node (config acks, metrics samples) goes through this. */
  writes: Limiter;
  onEvent(event: SimEvent): void;
  onError(node: string, what: string, err: unknown): void;
  /** Start-up progress: `done` of `total` leases granted and answered. */
  onProgress?(phase: "leases", done: number, total: number): void;
}

interface ConfigSubscription {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export class SimNode {
  state: SimNodeState = "starting";
  lastAnswerAt: number | undefined;
  private firstAnswer: (() => void) | undefined;
  readonly firstAnswered: Promise<void>;
  readonly heartbeat: Heartbeat;
  private readonly loop: CollectionLoop;
  private readonly config: ConfigSubscription;
  private readonly sampler = new SyntheticSampler();

  constructor(
    readonly name: NodeName,
    private readonly fleet: SimFleetOptions,
  ) {
    const { client, keeper, clock, ttlS } = fleet;
    this.firstAnswered = new Promise((resolve) => {
      this.firstAnswer = resolve;
    });
    this.heartbeat = new Heartbeat({
      client,
      keeper,
      node: name,
      ttlS,
      clock,
      events: {
        renewed: () => {
          this.lastAnswerAt = clock.now();
          this.firstAnswer?.();
          this.firstAnswer = undefined;
        },
        established: () => undefined,
        lost: (reason) => fleet.onEvent({ ev: "lost", node: name, at: clock.now(), reason }),
        retrying: () => undefined,
      },
    });
    this.loop = new CollectionLoop({ clock, run: (config) => this.collect(config) });
    const onChange = (change: ConfigChange) => this.onConfig(change);
    if (fleet.configWatch === "shared") {
      if (!fleet.shared) throw new Error("shared config watch mode needs a SharedConfigWatch");
      const shared = fleet.shared;
      this.config = {
        start: async () => shared.add(name, onChange),
        stop: async () => shared.remove(name),
      };
    } else {
      this.config = new ConfigWatch({ client, node: name, onChange });
    }
  }

  /**
   * Reads the config first, then grants the lease and writes the heartbeat once, already
   * carrying the config acknowledgement: two writes per node (grant, put) instead of the
   * agent's three (grant, put, put with ack), which matters when 10,000 start at once.
   */
  async start(): Promise<void> {
    await this.config.start();
    await this.heartbeat.start();
    if (this.state === "starting") this.state = "alive";
  }

  /** Stops renewing, no revoke: etcd expires the lease after its TTL. */
  crash(): SimEvent {
    const at = this.fleet.clock.now();
    this.state = "crashed";
    this.heartbeat.release();
    this.loop.stop();
    void this.config.stop().catch(() => undefined);
    return { ev: "crash", node: this.name, at, lastAnswerAt: this.lastAnswerAt };
  }

  /** Graceful leave: heartbeat marked leaving, then the lease revoked. */
  async leave(): Promise<SimEvent> {
    const at = this.fleet.clock.now();
    this.state = "left";
    this.loop.stop();
    await this.config.stop().catch(() => undefined);
    await this.heartbeat.leave();
    return { ev: "leave", node: this.name, at, revokedAt: this.fleet.clock.now() };
  }

  private onConfig(change: ConfigChange): void {
    const { clock, onEvent, onError } = this.fleet;
    if (this.state === "crashed" || this.state === "left") return;
    onEvent({ ev: "applied", node: this.name, at: clock.now(), ack: change.ack, change: change.type });
    this.loop.reconfigure(change.config);
    const starting = this.state === "starting";
    this.fleet.writes
      .run(() => this.heartbeat.setAck(change.ack))
      // While starting there is no lease yet: the first heartbeat put carries the ack.
      .then(() =>
        starting ? undefined : onEvent({ ev: "acked", node: this.name, at: clock.now(), ack: change.ack }),
      )
      .catch((err: unknown) => onError(this.name, "acknowledge config", err));
  }

  private async collect(config: EffectiveConfig): Promise<void> {
    if (!this.fleet.publishMetrics) return;
    const values = this.sampler.sample(config.metrics, config.interval);
    const sample = encodeSample(this.fleet.clock.now(), config.interval, values, true);
    await this.fleet.writes
      .run(() => this.heartbeat.publish(metricsKey(this.name), sample))
      .catch((err: unknown) => this.fleet.onError(this.name, "publish metrics", err));
  }
}

export class SimFleet {
  readonly nodes = new Map<string, SimNode>();

  constructor(private readonly options: SimFleetOptions) {}

  /** Starts `names` in paced batches; resolves once every node is up. */
  async start(names: NodeName[]): Promise<void> {
    const { batchSize } = this.options;
    for (let i = 0; i < names.length; i += batchSize) {
      const batch = names.slice(i, i + batchSize).map((name) => this.create(name));
      await Promise.all(batch.map((n) => this.startNode(n)));
      // Pacing: the next grants wait until etcd has answered this batch's keepalives.
      await withTimeout(Promise.all(batch.map((n) => n.firstAnswered)), this.options.ttlS * 1000).catch(
        () => undefined,
      );
      this.options.onProgress?.("leases", Math.min(i + batchSize, names.length), names.length);
    }
  }

  /** Starts one node again (after a crash or leave) under the same name. */
  async restart(name: NodeName): Promise<void> {
    await this.startNode(this.create(name));
  }

  crash(name: string): SimEvent | undefined {
    const node = this.nodes.get(name);
    if (node?.state !== "alive") return undefined;
    return node.crash();
  }

  async leave(name: string): Promise<SimEvent | undefined> {
    const node = this.nodes.get(name);
    if (node?.state !== "alive") return undefined;
    return node.leave();
  }

  alive(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.state === "alive");
  }

  /** Leaves every lease to expire (the lab's Ctrl+C) or revokes them all (`leave`). */
  async stopAll(leave: boolean): Promise<void> {
    const nodes = [...this.nodes.values()].filter((n) => n.state === "alive" || n.state === "starting");
    if (leave) await forEachLimited(nodes, this.options.batchSize, (n) => n.leave().then(() => undefined));
    else for (const n of nodes) n.crash();
  }

  private create(name: NodeName): SimNode {
    const node = new SimNode(name, this.options);
    this.nodes.set(name, node);
    return node;
  }

  private async startNode(node: SimNode): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await node.start();
        this.options.onEvent({ ev: "up", node: node.name, at: this.options.clock.now() });
        return;
      } catch (err) {
        if (attempt === 4) this.options.onError(node.name, "start", err);
        else await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function forEachLimited<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
