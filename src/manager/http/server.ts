// The manager's HTTP server: dashboard, JSON API, SSE stream, /metrics, health probes.
//
// node:http and a 20-line route table rather than a framework: about fifteen routes, one
// JSON body type, no middleware chain to learn, nothing more to audit or keep updated.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Etcd3 } from "etcd3";
import { type ConfigService, type ConfigTarget, validateOverrideInput } from "../../config/service.ts";
import type { Clock } from "../../shared/clock.ts";
import { CONFIG_PREFIX, METRICS_PREFIX } from "../../shared/keys.ts";
import type { Logger } from "../../shared/log.ts";
import { METRIC_DESCRIPTORS } from "../../shared/metric-descriptors.ts";
import { dashboardUrl } from "../alerts/webhook-format.ts";
import type { LivenessEffect, NodeView } from "../liveness.ts";
import type { Manager } from "../manager.ts";
import { requireToken } from "./auth.ts";
import { ConfigView } from "./config-view.ts";
import { type FleetEvent, type NodeSummary, recentEvents, summarize } from "./fleet-view.ts";
import { deleteNode } from "./forget-route.ts";
import { HttpError, readJson, sendFailure, sendJson } from "./http-util.ts";
import { type NodePatch, NodePatches } from "./node-patches.ts";
import {
  configBodyFrom,
  decodeNode,
  expectedRevisionFrom,
  mergeFrom,
  optionalInt,
  parseRollbackBody,
} from "./params.ts";
import { PrefixMirror } from "./prefix-mirror.ts";
import type { FleetMetrics } from "./prom.ts";
import { SampleIntake } from "./sample-intake.ts";
import type { MetricSample } from "./samples.ts";
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
const EVENTS_DEFAULT_LIMIT = 100;
const EVENTS_MAX_LIMIT = 1000;

type Params = string[];
type Handler = (req: IncomingMessage, res: ServerResponse, params: Params, url: URL) => Promise<void> | void;

export class FleetHttpServer {
  readonly metrics: FleetMetrics;
  private readonly server: Server;
  private readonly config: ConfigService;
  private readonly configView: ConfigView;
  private readonly intake: SampleIntake;
  private readonly hub: StreamHub;
  private readonly patches = new NodePatches();
  private readonly mirrors: PrefixMirror[];
  private readonly files: Map<string, StaticFile>;
  private readonly routes: [string, RegExp, Handler][];
  private readonly dirty = new Set<string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private unsubscribe: (() => void) | undefined;
  private lastReady = false;
  private wasConnected = true;

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
    const timed = this.metrics.timed;
    this.mirrors = [
      new PrefixMirror(
        client,
        METRICS_PREFIX,
        {
          onList: (keys) => {
            for (const k of keys) this.onSampleText(k.key, k.value, k.modRevision);
          },
          onEvents: (events) => {
            for (const ev of events)
              if (ev.type === "put") this.onSampleText(ev.key, ev.value, ev.modRevision);
          },
          onReconnect: () => this.metrics.watchReconnects.inc({ watch: "metrics" }),
        },
        log,
        timed,
      ),
      new PrefixMirror(
        client,
        CONFIG_PREFIX,
        {
          onList: (keys) => {
            this.configView.onList(keys);
            for (const node of manager.state.nodes.keys()) this.dirty.add(node);
          },
          onEvents: (events) => {
            for (const key of this.configView.onEvents(events, clock.now())) {
              const node = ConfigView.nodeOf(key);
              if (node) this.dirty.add(node);
              else for (const n of manager.state.nodes.keys()) this.dirty.add(n);
            }
          },
          onReconnect: () => this.metrics.watchReconnects.inc({ watch: "config" }),
        },
        log,
        timed,
      ),
    ];
    this.routes = this.routeTable();
    this.server = createServer((req, res) => void this.handle(req, res));
    // Slow or idle clients cannot hold sockets forever; SSE streams are exempt (no timeout).
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 30_000;
  }

  /** Subscribes to the manager, binds the port, starts the feeds. Resolves with the URL. */
  async start(): Promise<string> {
    const { manager, clock } = this.deps;
    this.unsubscribe = manager.subscribe((effect) => this.onEffect(effect));
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
    if (manager.state.connected && !this.wasConnected) {
      this.metrics.watchReconnects.inc({ watch: "heartbeat" });
    }
    this.wasConnected = manager.state.connected;
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
      case "print":
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

  /** A node as the dashboard and /metrics show it: liveness, desired config, latest sample. */
  summary(view: NodeView): NodeSummary {
    return summarize(view, this.configView.desired(view.node), this.intake.store.get(view.node)?.latest);
  }

  private status() {
    const { manager, clock } = this.deps;
    return {
      ready: manager.ready,
      connected: manager.state.connected,
      now: clock.now(),
      writable: this.opts.token !== undefined,
    };
  }

  // ---- routing -----------------------------------------------------------------------

  private routeTable(): [string, RegExp, Handler][] {
    const node = "([^/]+)";
    return [
      ["GET", /^\/$/, (_q, res) => this.sendFile(res, "/static/index.html")],
      ["GET", new RegExp(`^/nodes/${node}$`), (_q, res) => this.sendFile(res, "/static/node.html")],
      ["GET", /^\/(static|vendor)\/.+$/, (_q, res, _p, url) => this.sendFile(res, url.pathname)],
      ["GET", /^\/healthz$/, (_q, res) => sendJson(res, 200, { status: "ok" })],
      ["GET", /^\/readyz$/, (_q, res) => this.readyz(res)],
      ["GET", /^\/metrics$/, (_q, res) => this.prometheus(res)],
      ["GET", /^\/api\/status$/, (_q, res) => sendJson(res, 200, this.status())],
      [
        "GET",
        /^\/api\/metric-descriptors$/,
        (_q, res) => sendJson(res, 200, { metrics: METRIC_DESCRIPTORS }),
      ],
      ["GET", /^\/api\/nodes$/, (_q, res) => this.listNodes(res)],
      ["GET", /^\/api\/events$/, (_q, res, _p, url) => this.events(res, url)],
      ["GET", /^\/api\/stream$/, (q, res, _p, url) => this.stream(q, res, url)],
      ["GET", new RegExp(`^/api/nodes/${node}$`), (_q, res, p) => this.getNode(res, p)],
      [
        "DELETE",
        new RegExp(`^/api/nodes/${node}$`),
        (q, res, p, url) => deleteNode(q, res, this.deps.manager, this.opts.token, p[0], url),
      ],
      ["GET", new RegExp(`^/api/nodes/${node}/metrics$`), (_q, res, p, url) => this.nodeMetrics(res, p, url)],
      [
        "GET",
        new RegExp(`^/api/nodes/${node}/config$`),
        (_q, res, p) => this.getConfig(res, this.nodeTarget(p, true)),
      ],
      [
        "PUT",
        new RegExp(`^/api/nodes/${node}/config$`),
        (q, res, p, url) => this.putConfig(q, res, url, () => this.nodeTarget(p, true)),
      ],
      [
        "GET",
        new RegExp(`^/api/nodes/${node}/config/history$`),
        (_q, res, p) => this.history(res, this.nodeTarget(p, true)),
      ],
      [
        "POST",
        new RegExp(`^/api/nodes/${node}/config/rollback$`),
        (q, res, p) => this.rollback(q, res, () => this.nodeTarget(p, true)),
      ],
      ["GET", /^\/api\/config\/default$/, (_q, res) => this.getConfig(res, { kind: "default" })],
      [
        "PUT",
        /^\/api\/config\/default$/,
        (q, res, _p, url) => this.putConfig(q, res, url, () => ({ kind: "default" })),
      ],
      ["GET", /^\/api\/config\/default\/history$/, (_q, res) => this.history(res, { kind: "default" })],
      [
        "POST",
        /^\/api\/config\/default\/rollback$/,
        (q, res) => this.rollback(q, res, () => ({ kind: "default" })),
      ],
    ];
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

  // ---- handlers ----------------------------------------------------------------------

  private sendFile(res: ServerResponse, path: string): void {
    const file = this.files.get(path);
    if (!file) throw new HttpError(404, `no such file: ${path}`);
    res.writeHead(200, {
      "content-type": file.type,
      "content-length": file.body.length,
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
    });
    res.end(file.body);
  }

  private readyz(res: ServerResponse): void {
    const { manager } = this.deps;
    // Who leads is part of the answer: a fleet whose managers all stand by is visible here.
    const leader = { leader: manager.leaderId ?? null, leading: manager.isLeader };
    if (manager.ready) sendJson(res, 200, { status: "ready", ...leader });
    else {
      const why = manager.state.connected ? "first sync with etcd not done yet" : "cut off from etcd";
      sendJson(res, 503, { status: "not ready", reason: why, ...leader });
    }
  }

  private async prometheus(res: ServerResponse): Promise<void> {
    const { contentType, body } = await this.metrics.render();
    res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
    res.end(body);
  }

  private listNodes(res: ServerResponse): void {
    const nodes = [...this.deps.manager.state.nodes.values()]
      .sort((a, b) => a.node.localeCompare(b.node))
      .map((v) => this.summary(v));
    sendJson(res, 200, { ...this.status(), nodes });
  }

  /** A known node's view, or 400 (bad name) / 404 (never seen). */
  private knownNode(params: Params): NodeView {
    const node = decodeNode(params[0]);
    const view = this.deps.manager.state.nodes.get(node);
    if (!view)
      throw new HttpError(404, `unknown node "${node}": the manager has never seen its heartbeat`, "node");
    return view;
  }

  private getNode(res: ServerResponse, params: Params): void {
    const view = this.knownNode(params);
    sendJson(res, 200, { ...this.summary(view), history: [...view.history].reverse() });
  }

  private nodeMetrics(res: ServerResponse, params: Params, url: URL): void {
    const view = this.knownNode(params);
    const since = optionalInt(url.searchParams.get("since"), "since") ?? 0;
    const samples: MetricSample[] = this.intake.store.get(view.node)?.since(since) ?? [];
    sendJson(res, 200, { node: view.node, windowMs: 600_000, samples });
  }

  private events(res: ServerResponse, url: URL): void {
    const limit = optionalInt(url.searchParams.get("limit"), "limit") ?? EVENTS_DEFAULT_LIMIT;
    if (limit < 1 || limit > EVENTS_MAX_LIMIT) {
      throw new HttpError(400, `limit must be between 1 and ${EVENTS_MAX_LIMIT}`, "limit");
    }
    const nodeParam = url.searchParams.get("node");
    if (nodeParam !== null) this.knownNode([encodeURIComponent(nodeParam)]);
    const events = recentEvents(this.deps.manager.state.nodes.values(), limit, nodeParam ?? undefined);
    sendJson(res, 200, { events });
  }

  private stream(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const nodeParam = url.searchParams.get("node") ?? undefined;
    if (nodeParam !== undefined) this.knownNode([encodeURIComponent(nodeParam)]);
    this.hub.checkCapacity();
    if (req.method === "HEAD") {
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store" });
      res.end();
      return;
    }
    // Everything pending goes out as patches first, so the snapshot is what later patches build on.
    this.flush();
    const views = [...this.deps.manager.state.nodes.values()];
    const first: { event: string; data: unknown }[] = [
      { event: "status", data: this.status() },
      { event: "snapshot", data: views.map((v) => this.summary(v)) },
    ];
    if (nodeParam !== undefined) {
      first.push({
        event: "samples",
        data: { node: nodeParam, samples: this.intake.store.get(nodeParam)?.since(0) ?? [] },
      });
    }
    this.hub.open(res, nodeParam, first);
  }

  /** Config routes accept nodes the manager knows or that already have a stored override. */
  private nodeTarget(params: Params, mustExist: boolean): ConfigTarget {
    const node = decodeNode(params[0]);
    if (mustExist && !this.deps.manager.state.nodes.has(node) && !this.configView.entry(node)) {
      throw new HttpError(
        404,
        `unknown node "${node}": the manager has never seen it and it has no stored config (pre-provision with fleetwatch ctl)`,
        "node",
      );
    }
    return { kind: "node", node };
  }

  private async getConfig(res: ServerResponse, target: ConfigTarget): Promise<void> {
    const stored = await this.metrics.timed("config.get", () => this.config.get(target));
    const body: Record<string, unknown> = { ...stored };
    if (target.kind === "node") {
      const desired = await this.metrics.timed("config.desired", () => this.config.desired(target.node));
      const view = this.deps.manager.state.nodes.get(target.node);
      body.desired = desired.config;
      body.applied = view?.state === "ALIVE" ? (view.heartbeat?.config ?? null) : null;
    }
    sendJson(res, 200, body, stored.exists ? { etag: `"${stored.revision}"` } : {});
  }

  private async putConfig(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    target: () => ConfigTarget,
  ): Promise<void> {
    requireToken(req, this.opts.token);
    const t = target();
    const body = configBodyFrom(await readJson(req));
    validateOverrideInput(body); // 400 naming the field before any etcd request
    const expectedRevision = expectedRevisionFrom(
      req.headers["if-match"],
      url.searchParams.get("expectedRevision"),
    );
    const merge = mergeFrom(url.searchParams.get("merge"));
    const result = await this.metrics.timed("config.set", () =>
      this.config.set(t, body, {
        author: author(req),
        ...(expectedRevision !== undefined ? { expectedRevision } : {}),
        merge,
      }),
    );
    sendJson(res, 200, result, { etag: `"${result.revision}"` });
  }

  private async history(res: ServerResponse, target: ConfigTarget): Promise<void> {
    const versions = await this.metrics.timed("config.history", () => this.config.history(target));
    sendJson(res, 200, { target, versions: [...versions].reverse() });
  }

  private async rollback(
    req: IncomingMessage,
    res: ServerResponse,
    target: () => ConfigTarget,
  ): Promise<void> {
    requireToken(req, this.opts.token);
    const t = target();
    const { version, expectedRevision: bodyExpected } = parseRollbackBody(await readJson(req));
    const expectedRevision = bodyExpected ?? expectedRevisionFrom(req.headers["if-match"], null);
    const result = await this.metrics.timed("config.rollback", () =>
      this.config.rollback(t, version, {
        author: author(req),
        ...(expectedRevision !== undefined ? { expectedRevision } : {}),
      }),
    );
    sendJson(res, 200, result, { etag: `"${result.revision}"` });
  }
}

function author(req: IncomingMessage): string {
  return `http-api@${req.socket.remoteAddress ?? "unknown"}`;
}
