// Small helpers for node:http: JSON responses, bounded bodies, typed HTTP errors.
import type { IncomingMessage, ServerResponse } from "node:http";
import { EtcdError } from "../../shared/cjs/etcd3.ts";
import { ConflictError, errorMessage, ValidationError } from "../../shared/errors.ts";
import type { Logger } from "../../shared/log.ts";

/** Request bodies above this are refused with 413 (a config is a few hundred bytes). */
export const MAX_BODY_BYTES = 64 * 1024;

/** An error with the status and JSON body the client gets: `{ error, field? }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: HttpError): void {
  sendJson(res, err.status, { error: err.message, ...(err.field ? { field: err.field } : {}) }, err.headers);
}

/**
 * The client went away (closed or reset the connection) before its request body was complete.
 * Nothing is wrong with the server: callers drop the request quietly, no error-level log.
 */
export class ClientGoneError extends HttpError {
  constructor(readonly reason?: unknown) {
    super(400, "the client closed the connection before its request body was complete", "body");
  }
}

/**
 * Answers a request whose handler threw: typed errors become their status (400 validation,
 * 409 conflict, 503 etcd); anything else is a 500 and the only case logged as an error. A
 * client that went away gets no answer and no error log.
 */
export function sendFailure(req: IncomingMessage, res: ServerResponse, err: unknown, log: Logger): void {
  if (err instanceof ClientGoneError) {
    log.debug({ url: req.url }, "client closed the connection mid-request");
    res.destroy();
    return;
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // Keep the connection usable for the client's next request after an early refusal.
  if (!req.complete) res.setHeader("connection", "close");
  sendError(res, toHttpError(err, log));
}

function toHttpError(err: unknown, log: Logger): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof ValidationError) return new HttpError(400, err.message, err.field ?? "value");
  if (err instanceof ConflictError) return new HttpError(409, err.message);
  if (err instanceof EtcdError) return new HttpError(503, `etcd request failed: ${errorMessage(err)}`);
  log.error({ err: errorMessage(err) }, "HTTP request failed");
  return new HttpError(500, `internal error: ${errorMessage(err)}`);
}

/**
 * Whether a `Content-Length` header announces more than `limit` bytes, so the request can be
 * refused before its body is read. An absent or unparseable header says nothing (the body is
 * then counted as it arrives).
 */
export function declaredTooLarge(contentLength: string | undefined, limit = MAX_BODY_BYTES): boolean {
  const declared = Number(contentLength);
  return Number.isFinite(declared) && declared > limit;
}

/** Reads the body, refusing more than `limit` bytes (413) before buffering it all. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const tooLarge = () => new HttpError(413, `request body is larger than ${limit} bytes`);
  if (declaredTooLarge(req.headers["content-length"], limit)) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        req.resume();
        throw tooLarge();
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    // The only errors a request stream raises are the connection's ("aborted", ECONNRESET).
    throw new ClientGoneError(err);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Parses a JSON body; 400 naming the problem when it is not JSON. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  // Any content type is accepted: `curl -d` sends form-urlencoded by default.
  const text = await readBody(req);
  if (text.trim() === "") throw new HttpError(400, "request body is empty; send a JSON object", "body");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `request body is not valid JSON (${(err as Error).message})`, "body");
  }
}
