// Node names end up inside etcd keys, console tables and URLs, so they are checked
// at every entry point. The rule is DNS-label-like but allows `_` and `.` inside,
// because hostnames such as `LAPTOP-UMVK4LFU` or `web-1.eu` are what users have.
//
// A name is checked once where it enters (CLI argument, HTTP path, console command, key
// decoded from etcd) and travels inward as a `NodeName`, so inner layers need no re-check:
// the type system proves the parse happened.

import { ValidationError } from "./errors.ts";

export const MAX_NODE_NAME_LENGTH = 253;
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Returns undefined for a valid name, or a sentence saying what is wrong. */
export function nodeNameProblem(name: string): string | undefined {
  if (name.length === 0) return "node name is empty";
  if (name.length > MAX_NODE_NAME_LENGTH) {
    return `node name is ${name.length} characters long; the limit is ${MAX_NODE_NAME_LENGTH}`;
  }
  if (name.includes("/")) return `node name "${printable(name)}" contains "/"`;
  if (/[\p{Cc}\s]/u.test(name))
    return `node name "${printable(name)}" contains whitespace or a control character`;
  if (!NODE_NAME.test(name)) {
    return `node name "${printable(name)}" must start with a letter or digit and contain only letters, digits, ".", "_" and "-"`;
  }
  return undefined;
}

/** A string that passed `nodeNameProblem`; only the functions below make one. */
export type NodeName = string & { readonly __brand: "NodeName" };

/** A type guard: where it returns true, `name` is a NodeName. */
export function isValidNodeName(name: string): name is NodeName {
  return nodeNameProblem(name) === undefined;
}

/** A node name that failed the rule; the message is `nodeNameProblem`'s sentence. */
export class InvalidNodeNameError extends ValidationError {
  override name = "InvalidNodeNameError";
  constructor(message: string) {
    super(message, "node");
  }
}

/** The parse as a result, for boundaries that word their own error (HTTP 400, a console usage line). */
export function checkNodeName(raw: string): { ok: true; name: NodeName } | { ok: false; problem: string } {
  const problem = nodeNameProblem(raw);
  return problem === undefined ? { ok: true, name: raw as NodeName } : { ok: false, problem };
}

/** Checks `raw` once at a boundary; throws InvalidNodeNameError saying what is wrong. */
export function parseNodeName(raw: string): NodeName {
  const problem = nodeNameProblem(raw);
  if (problem !== undefined) throw new InvalidNodeNameError(problem);
  return raw as NodeName;
}

/** The non-throwing parse, for boundaries that count and skip what does not decode (etcd keys). */
export function nodeNameOrUndefined(raw: string): NodeName | undefined {
  return nodeNameProblem(raw) === undefined ? (raw as NodeName) : undefined;
}

/** Escapes control characters so an error message cannot corrupt the terminal. */
export function printable(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}
