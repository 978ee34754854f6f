// Pages, static files, probes and the Prometheus exposition.
import type { ServerResponse } from "node:http";
import { HttpError, sendJson } from "../http-util.ts";
import type { RouteContext } from "./context.ts";

export function sendFile(ctx: RouteContext, res: ServerResponse, path: string): void {
  const file = ctx.files.get(path);
  if (!file) throw new HttpError(404, `no such file: ${path}`);
  res.writeHead(200, {
    "content-type": file.type,
    "content-length": file.body.length,
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
  });
  res.end(file.body);
}

export function readyz(ctx: RouteContext, res: ServerResponse): void {
  const { manager } = ctx;
  // Who leads is part of the answer: a fleet whose managers all stand by is visible here.
  const leader = { leader: manager.leaderId ?? null, leading: manager.isLeader };
  if (manager.ready) sendJson(res, 200, { status: "ready", ...leader });
  else {
    const why = manager.state.connected ? "first sync with etcd not done yet" : "cut off from etcd";
    sendJson(res, 503, { status: "not ready", reason: why, ...leader });
  }
}

export async function prometheus(ctx: RouteContext, res: ServerResponse): Promise<void> {
  const { contentType, body } = await ctx.metrics.render();
  res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
  res.end(body);
}
