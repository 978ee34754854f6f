// Config routes: read, write (token), history and rollback (token) for a node or the default.
import type { IncomingMessage, ServerResponse } from "node:http";
import { type ConfigTarget, validateOverrideInput } from "../../../config/service.ts";
import { requireToken } from "../auth.ts";
import { readJson, sendJson } from "../http-util.ts";
import { configBodyFrom, expectedRevisionFrom, mergeFrom, parseRollbackBody } from "../params.ts";
import type { RouteContext } from "./context.ts";

export async function getConfig(ctx: RouteContext, res: ServerResponse, target: ConfigTarget): Promise<void> {
  const stored = await ctx.metrics.timed("config.get", () => ctx.config.get(target));
  const body: Record<string, unknown> = { ...stored };
  if (target.kind === "node") {
    const desired = await ctx.metrics.timed("config.desired", () => ctx.config.desired(target.node));
    const view = ctx.manager.state.nodes.get(target.node);
    body.desired = desired.config;
    body.applied = view?.state === "ALIVE" ? (view.heartbeat?.config ?? null) : null;
  }
  sendJson(res, 200, body, stored.exists ? { etag: `"${stored.revision}"` } : {});
}

export async function putConfig(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  target: () => ConfigTarget,
): Promise<void> {
  requireToken(req, ctx.token);
  const t = target();
  const body = configBodyFrom(await readJson(req));
  validateOverrideInput(body); // 400 naming the field before any etcd request
  const expectedRevision = expectedRevisionFrom(
    req.headers["if-match"],
    url.searchParams.get("expectedRevision"),
  );
  const merge = mergeFrom(url.searchParams.get("merge"));
  const result = await ctx.metrics.timed("config.set", () =>
    ctx.config.set(t, body, {
      author: author(req),
      ...(expectedRevision !== undefined ? { expectedRevision } : {}),
      merge,
    }),
  );
  sendJson(res, 200, result, { etag: `"${result.revision}"` });
}

export async function history(ctx: RouteContext, res: ServerResponse, target: ConfigTarget): Promise<void> {
  const versions = await ctx.metrics.timed("config.history", () => ctx.config.history(target));
  sendJson(res, 200, { target, versions: [...versions].reverse() });
}

export async function rollback(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  target: () => ConfigTarget,
): Promise<void> {
  requireToken(req, ctx.token);
  const t = target();
  const { version, expectedRevision: bodyExpected } = parseRollbackBody(await readJson(req));
  const expectedRevision = bodyExpected ?? expectedRevisionFrom(req.headers["if-match"], null);
  const result = await ctx.metrics.timed("config.rollback", () =>
    ctx.config.rollback(t, version, {
      author: author(req),
      ...(expectedRevision !== undefined ? { expectedRevision } : {}),
    }),
  );
  sendJson(res, 200, result, { etag: `"${result.revision}"` });
}

function author(req: IncomingMessage): string {
  return `http-api@${req.socket.remoteAddress ?? "unknown"}`;
}
