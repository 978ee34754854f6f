// GET/HEAD /api/stream: the dashboard's SSE feed (status, snapshot, then patches).
import type { IncomingMessage, ServerResponse } from "node:http";
import { knownNode, type RouteContext } from "./context.ts";

export function stream(ctx: RouteContext, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const nodeParam = url.searchParams.get("node") ?? undefined;
  if (nodeParam !== undefined) knownNode(ctx, [encodeURIComponent(nodeParam)]);
  ctx.hub.checkCapacity();
  if (req.method === "HEAD") {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store" });
    res.end();
    return;
  }
  // Everything pending goes out as patches first, so the snapshot is what later patches build on.
  const snapshot = ctx.snapshot();
  const first: { event: string; data: unknown }[] = [
    { event: "status", data: ctx.status() },
    { event: "snapshot", data: snapshot },
  ];
  if (nodeParam !== undefined) {
    first.push({
      event: "samples",
      data: { node: nodeParam, samples: ctx.intake.store.get(nodeParam)?.since(0) ?? [] },
    });
  }
  ctx.hub.open(res, nodeParam, first);
}
