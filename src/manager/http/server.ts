// The manager's HTTP server: its lifecycle and the feeds behind the dashboard (manager
// effects, metric samples, config). The route table is routes/table.ts, the handlers sit
// beside it, one module per resource.
//
// node:http and a route table rather than a framework: about fifteen routes, one JSON body
// type, no middleware chain to learn, nothing more to audit or keep updated.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Etcd3 } from "etcd3";
import type { ConfigService } from "../../config/service.ts";
import type { Clock } from "../../shared/clock.ts";
import type { Informer } from "../../shared/informer.ts";
import { whenBack } from "../../shared/informer-status.ts";
import type { Logger } from "../../shared/log.ts";
import type { NodeName } from "../../shared/node-name.ts";
import { dashboardUrl } from "../alerts/webhook-format.ts";
import type { LivenessEffect, NodeView } from "../liveness.ts";
import type { Manager } from "../manager.ts";
import { ConfigView } from "./config-view.ts";
import { dashboardFeeds } from "./feeds.ts";
import { type FleetEvent, type NodeSummary, summarize } from "./fleet-view.ts";
import { HttpError, sendFailure } from "./http-util.ts";
import { type NodePatch, NodePatches } from "./node-patches.ts";
import type { FleetMetrics } from "./prom.ts";
import type { Route, ServerStatus } from "./routes/context.ts";
import { routeTable } from "./routes/table.ts";
import { SampleIntake } from "./sample-intake.ts";
import { loadStaticFiles, type StaticFile } from "./static-files.ts";
import { StreamHub } from "./stream.ts";

export interface HttpOptions {
  host: string;
  port: number;
  /** Bearer token for writes; undefined disables writes (403). */
  token: string | undefined;
  /** --external-url; when absent, links use the bound address. */
  externalUrl?: string;
  /** --http-max-streams: concurrent SSE streams (default DEFAULT_MAX_STREAMS). */
  maxStreams?: number;
}

/** Built once by the composition root (src/manager/main.ts) and shared with the console. */
export interface HttpServerDeps {
  manager: Manager;
  client: Etcd3;
  config: ConfigService;
  metrics: FleetMetrics;
  clock: Clock;
  log: Logger;
}

/** Changed nodes are pushed to dashboards at most this often (coalesces heartbeat bursts). */
const FLUSH_MS = 250;
/** Sample windows are trimmed this often, so a silent node's old samples age out. */
const TRIM_MS = 5000;

export class FleetHttpServer {
  readonly metrics: FleetMetrics;
  private readonly server: Server;
  private readonly config: ConfigService;
  private readonly configView: ConfigView;
  private readonly intake: SampleIntake;
  private readonly hub: StreamHub;
  private readonly patches = new NodePatches();
  private readonly mirrors: Informer<unknown>[];
  private readonly files: Map<string, StaticFile>;
  private readonly routes: Route[];
  private readonly dirty = new Set<NodeName>();
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  private lastReady = false;

  constructor(
    private readonly opts: HttpOptions,
    private readonly deps: HttpServerDeps,
  ) {
    const { manager, client, clock, log } = deps;
    this.metrics = deps.metrics;
    this.config = deps.config;
    this.configView = new ConfigView((s) => this.metrics.configApplyLag.observe(s));
    this.files = loadStaticFiles();
    this.intake = new SampleIntake(this.metrics, log, clock);
    this.hub = new StreamHub({
      ...(opts.maxStreams !== undefined ? { maxStreams: opts.maxStreams } : {}),
      onDrop: () => this.metrics.sseDropped.inc(),
    });
    this.mirrors = dashboardFeeds(client, this.metrics, log, {
      onSample: (key, text, modRevision) => this.onSampleText(key, text, modRevision),
      onConfigList: (items) => {
        this.configView.onList(items);
        for (const node of manager.state.nodes.keys()) this.dirty.add(node);
      },
      onConfigEvents: (events) => {
        for (const key of this.configView.onEvents(events, clock.now())) {
          const node = ConfigView.nodeOf(key);
          if (node) this.dirty.add(node);
          else for (const n of manager.state.nodes.keys()) this.dirty.add(n);
        }
      },
    });
    this.routes = routeTable({
      manager,
      clock,
      config: this.config,
      configView: this.configView,
      intake: this.intake,
      hub: this.hub,
      metrics: this.metrics,
      files: this.files,
      token: opts.token,
      status: () => this.status(),
      summary: (view) => this.summary(view),
      snapshot: () => this.snapshot(),
    });
    this.server = createServer((req, res) => void this.handle(req, res));
    // Slow or idle clients cannot hold sockets forever; SSE streams are exempt (no timeout).
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 30_000;
  }

  /** Subscribes to the manager, binds the port, starts the feeds. Resolves with the URL. */
  async start(): Promise<string> {
    const { manager, clock } = this.deps;
    const unsubscribeEffects = manager.subscribe((effect) => this.onEffect(effect));
    const unsubscribeStatus = manager.subscribeStatus(
      whenBack(() => this.metrics.watchReconnects.inc({ watch: "heartbeat" })),
    );
    this.unsubscribe = () => {
      unsubscribeEffects();
      unsubscribeStatus();
    };
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    for (const m of this.mirrors) void m.start();
    // A throw in a timer ends the process: one node's odd data must cost one flush, not the manager.
    this.timers.push(
      setInterval(() => {
        try {
          this.flush();
        } catch (err) {
          this.deps.log.error({ err }, "dashboard flush failed; trying again at the next one");
        }
      }, FLUSH_MS),
    );
    this.timers.push(setInterval(() => this.intake.store.trim(clock.now()), TRIM_MS));
    for (const t of this.timers) t.unref();
    return this.url;
  }

  /** Base URL for links to the dashboard (alerts): --external-url, else the port actually bound and the host as configured. */
  get externalUrl(): string {
    return (
      this.opts.externalUrl ??
      dashboardUrl(this.opts.host, (this.server.address() as AddressInfo | null)?.port ?? this.opts.port)
    );
  }

  get url(): string {
    const addr = this.server.address() as AddressInfo;
    const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
    return `http://${host}:${addr.port}`;
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    for (const t of this.timers) clearInterval(t);
    this.hub.close();
    await Promise.all(this.mirrors.map((m) => m.stop()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- feeds -------------------------------------------------------------------------

  private onEffect(effect: LivenessEffect): void {
    const { manager, clock } = this.deps;
    switch (effect.type) {
      case "transition": {
        this.metrics.transitions.inc({ to: effect.to });
        this.dirty.add(effect.node);
        const revision = manager.state.nodes.get(effect.node)?.history.at(-1)?.revision ?? 0;
        const event: FleetEvent = {
          node: effect.node,
          state: effect.to,
          at: effect.at,
          reason: effect.reason,
          revision,
        };
        this.hub.broadcast("transition", event);
        break;
      }
      case "config-ack":
        this.configView.onAck(effect.node, effect.ack, clock.now());
        this.dirty.add(effect.node);
        break;
      case "persist":
        this.dirty.add(effect.view.node);
        break;
      case "forgotten":
        this.dirty.delete(effect.node);
        this.intake.forget(effect.node);
        this.metrics.forgetNodeSamples(effect.node);
        this.patches.forget(effect.node);
        this.hub.broadcast("removed", [effect.node]);
        break;
      case "known-at-startup":
      case "connection-lost":
      case "connection-restored":
        break;
      default:
        effect satisfies never;
    }
  }

  private onSampleText(key: string, text: string, modRevision: number): void {
    const accepted = this.intake.accept(key, text, modRevision);
    if (!accepted) return;
    this.dirty.add(accepted.node);
    this.hub.sample(accepted.node, accepted);
  }

  private flush(): void {
    const ready = this.deps.manager.ready;
    if (ready !== this.lastReady) {
      this.lastReady = ready;
      this.hub.broadcast("status", this.status());
    }
    if (this.hub.size === 0) {
      // No stream open: no patch to compute and no baseline to keep (node-patches.ts); the
      // next stream's snapshot sets it.
      this.dirty.clear();
      this.patches.clear();
      return;
    }
    if (this.dirty.size === 0) return;
    // Deltas: per changed node only the fields that changed (node-patches.ts).
    const changed: NodePatch[] = [];
    for (const node of this.dirty) {
      const view = this.deps.manager.state.nodes.get(node);
      const patch = view && this.patches.diff(this.summary(view));
      if (patch) changed.push(patch);
    }
    this.dirty.clear();
    if (changed.length > 0) this.hub.broadcast("nodes", changed);
  }

  /**
   * The fleet as a new stream starts from it. Pending patches go out to the open streams first,
   * so they too hold exactly this; with none open, it becomes the baseline of later patches.
   */
  private snapshot(): NodeSummary[] {
    const wasIdle = this.hub.size === 0;
    this.flush();
    const summaries = [...this.deps.manager.state.nodes.values()].map((v) => this.summary(v));
    if (wasIdle) this.patches.baseline(summaries);
    return summaries;
  }

  /** A node as the dashboard and /metrics show it: liveness, desired config, latest sample. */
  summary(view: NodeView): NodeSummary {
    return summarize(view, this.configView.desired(view.node), this.intake.store.get(view.node)?.latest);
  }

  private status(): ServerStatus {
    const { manager, clock } = this.deps;
    return {
      ready: manager.ready,
      connected: manager.state.connected,
      now: clock.now(),
      writable: this.opts.token !== undefined,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? "/", "http://fleetwatch.invalid");
      const method = req.method === "HEAD" ? "GET" : (req.method ?? "GET");
      const allowed: string[] = [];
      for (const [m, pattern, handler] of this.routes) {
        const match = pattern.exec(url.pathname);
        if (!match) continue;
        if (m !== method) {
          allowed.push(m);
          continue;
        }
        await handler(req, res, match.slice(1), url);
        return;
      }
      if (allowed.length > 0) {
        throw new HttpError(
          405,
          `${req.method} is not allowed here (allowed: ${allowed.join(", ")})`,
          undefined,
          {
            allow: allowed.join(", "),
          },
        );
      }
      throw new HttpError(404, `no such endpoint: ${url.pathname}`);
    } catch (err) {
      sendFailure(req, res, err, this.deps.log);
    }
  }
}
