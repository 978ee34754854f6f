// Bearer-token check for write endpoints. Reads are open (bind to loopback, or put the
// server behind your own auth, to restrict them); writes change what the fleet runs.
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { HttpError } from "./http-util.ts";

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Throws 403 when the server has no token (writes are disabled: no credential could
 * make the request succeed, so 401 would mislead), 401 for a missing or wrong token.
 */
export function requireToken(req: IncomingMessage, token: string | undefined): void {
  checkBearer(req.headers.authorization, token);
}

/** The check of requireToken on the `Authorization` header's value alone (pure). */
export function checkBearer(authorization: string | undefined, token: string | undefined): void {
  if (token === undefined) {
    throw new HttpError(
      403,
      "writes are disabled: this server was started without an API token (set --api-token or FLEETWATCH_API_TOKEN)",
    );
  }
  const header = authorization ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const challenge = { "www-authenticate": 'Bearer realm="fleetwatch"' };
  if (!match)
    throw new HttpError(401, "missing bearer token (Authorization: Bearer <token>)", undefined, challenge);
  // Compare digests: equal length, constant time, no length leak.
  if (!timingSafeEqual(digest(match[1] as string), digest(token))) {
    throw new HttpError(401, "wrong bearer token", undefined, challenge);
  }
}
