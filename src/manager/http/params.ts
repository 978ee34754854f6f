// Parsing of what a request names in its path, query, headers and rollback body. Pure:
// strings in, values out or an HttpError (400) naming the parameter.

import { jsonKind } from "../../shared/json-kind.ts";
import { checkNodeName, type NodeName } from "../../shared/node-name.ts";
import { HttpError } from "./http-util.ts";

/**
 * The HTTP boundary for node names: the node of a `/api/nodes/<node>...` path segment,
 * percent-decoded and parsed, else 400.
 */
export function decodeNode(segment: string | undefined): NodeName {
  let raw: string;
  try {
    raw = decodeURIComponent(segment ?? "");
  } catch {
    throw new HttpError(400, "node name is not valid percent-encoding", "node");
  }
  const node = checkNodeName(raw);
  if (!node.ok) throw new HttpError(400, node.problem, "node");
  return node.name;
}

/** A whole-number query parameter (up to 15 digits), undefined when absent, else 400. */
export function optionalInt(text: string | null, field: string): number | undefined {
  if (text === null) return undefined;
  if (!/^\d{1,15}$/.test(text))
    throw new HttpError(400, `${field} must be a whole number (got "${text}")`, field);
  return Number(text);
}

/**
 * The expected revision of a compare-and-swap write: `If-Match: 42` / `If-Match: "42"`
 * (a weak `W/"42"` too) wins over `?expectedRevision=42`; undefined when neither is given.
 */
export function expectedRevisionFrom(ifMatch: string | undefined, query: string | null): number | undefined {
  if (ifMatch !== undefined) {
    const m = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(ifMatch);
    if (!m)
      throw new HttpError(400, `If-Match must be a revision number like "42" (got ${ifMatch})`, "If-Match");
    return Number(m[1]);
  }
  return optionalInt(query, "expectedRevision");
}

/** `?merge=true|false`; absent is false. */
export function mergeFrom(text: string | null): boolean {
  if (text !== null && text !== "true" && text !== "false") {
    throw new HttpError(400, `merge must be true or false (got "${text}")`, "merge");
  }
  return text === "true";
}

/**
 * The body of a config write must be a JSON object. A JSON string is refused too: it is not
 * parsed a second time as a config (`"{\"interval\":5}"` is text, not a config).
 */
export function configBodyFrom(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(
      400,
      `body must be a JSON object like {"interval": 10, "metrics": ["cpu"]}, not ${jsonKind(body)}`,
      "body",
    );
  }
  return body as Record<string, unknown>;
}

/** The body of a rollback request: `{"version": 3, "expectedRevision"?: 42}`. */
export function parseRollbackBody(body: unknown): { version: number; expectedRevision: number | undefined } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, `body must be a JSON object like {"version": 3}, not ${jsonKind(body)}`, "body");
  }
  const { version, expectedRevision, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    throw new HttpError(
      400,
      `unknown field "${unknown[0]}" (allowed: version, expectedRevision)`,
      unknown[0],
    );
  }
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 1) {
    throw new HttpError(
      400,
      `version must be a whole number >= 1 (got ${JSON.stringify(version)})`,
      "version",
    );
  }
  if (
    expectedRevision !== undefined &&
    (typeof expectedRevision !== "number" || !Number.isSafeInteger(expectedRevision))
  ) {
    throw new HttpError(400, "expectedRevision must be a whole number", "expectedRevision");
  }
  return { version, expectedRevision: expectedRevision as number | undefined };
}
