// `npm run bench -- --node <path>`: a wrong binary must be refused before the bench starts,
// not reported as a Node it is not.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { resolveNodeBinary } from "../../bench/node-binary.ts";

describe("bench/node-binary.ts: resolveNodeBinary", () => {
  const dir = mkdtempSync(join(tmpdir(), "fleetwatch-bench-node-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const script = (name: string, body: string, mode = 0o755) => {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, mode);
    return path;
  };

  it("takes the running node, by file or by its bin/ dir, with its version", () => {
    assert.deepEqual(resolveNodeBinary(process.execPath), {
      path: process.execPath,
      version: process.version,
    });
    const bin = script("bin/node", "echo v22.23.5");
    assert.deepEqual(resolveNodeBinary(dirname(bin)), { path: bin, version: "v22.23.5" });
  });

  it("refuses a missing or non-executable file, a failing one and one that is not node", () => {
    assert.throws(
      () => resolveNodeBinary(join(dir, "nope")),
      /--node .*nope: not an executable file \(ENOENT\)/,
    );
    assert.throws(
      () => resolveNodeBinary(script("plain", "echo v22.0.0", 0o644)),
      /not an executable file \(EACCES\)/,
    );
    assert.throws(() => resolveNodeBinary(script("fails", "exit 3")), /--version` failed/);
    assert.throws(
      () => resolveNodeBinary(script("python", "echo Python 3.11.2")),
      /printed "Python 3\.11\.2", not a Node version/,
    );
  });
});
