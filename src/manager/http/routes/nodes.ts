// Read-only node routes: the fleet list, one node, its metric samples, recent events.
import type { ServerResponse } from "node:http";
import { recentEvents } from "../fleet-view.ts";
import { HttpError, sendJson } from "../http-util.ts";
import { optionalInt } from "../params.ts";
import type { MetricSample } from "../samples.ts";
import { knownNode, type Params, type RouteContext } from "./context.ts";

const EVENTS_DEFAULT_LIMIT = 100;
const EVENTS_MAX_LIMIT = 1000;

export function listNodes(ctx: RouteContext, res: ServerResponse): void {
  const nodes = [...ctx.manager.state.nodes.values()]
    .sort((a, b) => a.node.localeCompare(b.node))
    .map((v) => ctx.summary(v));
  sendJson(res, 200, { ...ctx.status(), nodes });
}

export function getNode(ctx: RouteContext, res: ServerResponse, params: Params): void {
  const view = knownNode(ctx, params);
  sendJson(res, 200, { ...ctx.summary(view), history: [...view.history].reverse() });
}

export function nodeMetrics(ctx: RouteContext, res: ServerResponse, params: Params, url: URL): void {
  const view = knownNode(ctx, params);
  const since = optionalInt(url.searchParams.get("since"), "since") ?? 0;
  const samples: MetricSample[] = ctx.intake.store.get(view.node)?.since(since) ?? [];
  sendJson(res, 200, { node: view.node, windowMs: 600_000, samples });
}

export function events(ctx: RouteContext, res: ServerResponse, url: URL): void {
  const limit = optionalInt(url.searchParams.get("limit"), "limit") ?? EVENTS_DEFAULT_LIMIT;
  if (limit < 1 || limit > EVENTS_MAX_LIMIT) {
    throw new HttpError(400, `limit must be between 1 and ${EVENTS_MAX_LIMIT}`, "limit");
  }
  const nodeParam = url.searchParams.get("node");
  if (nodeParam !== null) knownNode(ctx, [encodeURIComponent(nodeParam)]);
  const list = recentEvents(ctx.manager.state.nodes.values(), limit, nodeParam ?? undefined);
  sendJson(res, 200, { events: list });
}
