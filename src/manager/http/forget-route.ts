// DELETE /api/nodes/<node>[?purgeConfig=true]: forget a DEAD or LEFT node (token required).
// 200 with what was removed (also when there was nothing left to remove: idempotent),
// 409 for an ALIVE node. The transaction and its record are in src/manager/forget.ts.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Manager } from "../manager.ts";
import { requireToken } from "./auth.ts";
import { HttpError, sendJson } from "./http-util.ts";
import { decodeNode } from "./params.ts";

export async function deleteNode(
  req: IncomingMessage,
  res: ServerResponse,
  manager: Manager,
  token: string | undefined,
  segment: string | undefined,
  url: URL,
): Promise<void> {
  requireToken(req, token);
  const node = decodeNode(segment);
  const purge = url.searchParams.get("purgeConfig");
  if (purge !== null && purge !== "true" && purge !== "false") {
    throw new HttpError(
      400,
      `purgeConfig must be true or false (got ${JSON.stringify(purge)})`,
      "purgeConfig",
    );
  }
  const state = manager.state.nodes.get(node)?.state;
  if (state === "ALIVE") {
    throw new HttpError(409, `node "${node}" is ALIVE: only DEAD or LEFT nodes can be forgotten`);
  }
  const by = `http-api@${req.socket.remoteAddress ?? "unknown"}`;
  const result = await manager.forget(node, by, purge === "true");
  sendJson(res, 200, { ...result, state: state ?? null });
}
