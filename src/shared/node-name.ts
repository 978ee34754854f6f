// Node names end up inside etcd keys, console tables and URLs, so they are checked
// at every entry point. The rule is DNS-label-like but allows `_` and `.` inside,
// because hostnames such as `LAPTOP-UMVK4LFU` or `web-1.eu` are what users have.

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

export function isValidNodeName(name: string): boolean {
  return nodeNameProblem(name) === undefined;
}

/** Escapes control characters so an error message cannot corrupt the terminal. */
export function printable(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}
