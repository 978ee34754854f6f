// The route table: method, path pattern, handler. Order matters only for 405 answers
// (every method matching the path is listed in Allow).
import { METRIC_DESCRIPTORS } from "../../../shared/metric-descriptors.ts";
import { deleteNode } from "../forget-route.ts";
import { sendJson } from "../http-util.ts";
import { getConfig, history, putConfig, rollback } from "./config.ts";
import { nodeTarget, type Route, type RouteContext } from "./context.ts";
import { prometheus, readyz, sendFile } from "./health.ts";
import { events, getNode, listNodes, nodeMetrics } from "./nodes.ts";
import { stream } from "./stream.ts";

export function routeTable(ctx: RouteContext): Route[] {
  const node = "([^/]+)";
  return [
    ["GET", /^\/$/, (_q, res) => sendFile(ctx, res, "/static/index.html")],
    ["GET", new RegExp(`^/nodes/${node}$`), (_q, res) => sendFile(ctx, res, "/static/node.html")],
    ["GET", /^\/(static|vendor)\/.+$/, (_q, res, _p, url) => sendFile(ctx, res, url.pathname)],
    ["GET", /^\/healthz$/, (_q, res) => sendJson(res, 200, { status: "ok" })],
    ["GET", /^\/readyz$/, (_q, res) => readyz(ctx, res)],
    ["GET", /^\/metrics$/, (_q, res) => prometheus(ctx, res)],
    ["GET", /^\/api\/status$/, (_q, res) => sendJson(res, 200, ctx.status())],
    ["GET", /^\/api\/metric-descriptors$/, (_q, res) => sendJson(res, 200, { metrics: METRIC_DESCRIPTORS })],
    ["GET", /^\/api\/nodes$/, (_q, res) => listNodes(ctx, res)],
    ["GET", /^\/api\/events$/, (_q, res, _p, url) => events(ctx, res, url)],
    ["GET", /^\/api\/stream$/, (q, res, _p, url) => stream(ctx, q, res, url)],
    ["GET", new RegExp(`^/api/nodes/${node}$`), (_q, res, p) => getNode(ctx, res, p)],
    [
      "DELETE",
      new RegExp(`^/api/nodes/${node}$`),
      (q, res, p, url) => deleteNode(q, res, ctx.manager, ctx.token, p[0], url),
    ],
    ["GET", new RegExp(`^/api/nodes/${node}/metrics$`), (_q, res, p, url) => nodeMetrics(ctx, res, p, url)],
    [
      "GET",
      new RegExp(`^/api/nodes/${node}/config$`),
      (_q, res, p) => getConfig(ctx, res, nodeTarget(ctx, p, true)),
    ],
    [
      "PUT",
      new RegExp(`^/api/nodes/${node}/config$`),
      (q, res, p, url) => putConfig(ctx, q, res, url, () => nodeTarget(ctx, p, true)),
    ],
    [
      "GET",
      new RegExp(`^/api/nodes/${node}/config/history$`),
      (_q, res, p) => history(ctx, res, nodeTarget(ctx, p, true)),
    ],
    [
      "POST",
      new RegExp(`^/api/nodes/${node}/config/rollback$`),
      (q, res, p) => rollback(ctx, q, res, () => nodeTarget(ctx, p, true)),
    ],
    ["GET", /^\/api\/config\/default$/, (_q, res) => getConfig(ctx, res, { kind: "default" })],
    [
      "PUT",
      /^\/api\/config\/default$/,
      (q, res, _p, url) => putConfig(ctx, q, res, url, () => ({ kind: "default" })),
    ],
    ["GET", /^\/api\/config\/default\/history$/, (_q, res) => history(ctx, res, { kind: "default" })],
    [
      "POST",
      /^\/api\/config\/default\/rollback$/,
      (q, res) => rollback(ctx, q, res, () => ({ kind: "default" })),
    ],
  ];
}
