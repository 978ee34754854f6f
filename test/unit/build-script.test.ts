// scripts/build.mjs decides when dist/ is stale; a wrong answer runs old code in tests
// and demos (stale) or recompiles on every start (always stale).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { buildStaleReason } from "../../scripts/build.mjs";
import { buildInfo, versionLine } from "../../src/shared/build-info.ts";

describe("scripts/build.mjs: when dist/ is stale", () => {
  // Outside git (tmpdir), so the commit plays no part.
  const root = mkdtempSync(join(tmpdir(), "fleetwatch-build-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const at = (path: string, seconds: number) => {
    // In the future: later than scripts/build.mjs itself, which is an input too.
    const time = new Date(Date.now() + 3600_000 + seconds * 1000);
    utimesSync(join(root, path), time, time);
  };
  mkdirSync(join(root, "src", "agent"), { recursive: true });
  for (const file of ["src/agent/main.ts", "package.json", "tsconfig.json", "tsconfig.build.json"]) {
    writeFileSync(join(root, file), "{}");
    at(file, 10);
  }

  it("is stale when dist/ is missing", () => {
    assert.equal(buildStaleReason(root), "dist/ is missing");
  });

  it("is current when dist/ is newer than every input, stale when a source is newer", () => {
    mkdirSync(join(root, "dist"), { recursive: true });
    writeFileSync(join(root, "dist", "build-info.json"), "{}");
    at("dist/build-info.json", 20);
    assert.equal(buildStaleReason(root), undefined);
    at("src/agent/main.ts", 30);
    assert.equal(buildStaleReason(root), "src/agent/main.ts is newer than dist/");
    at("src/agent/main.ts", 10);
    at("package.json", 30);
    assert.equal(buildStaleReason(root), "package.json is newer than dist/");
  });
});

describe("src/shared/build-info.ts", () => {
  it("reports package.json's version and a commit-shaped commit", () => {
    const info = buildInfo();
    assert.match(info.version, /^\d+\.\d+\.\d+/);
    if (info.commit !== undefined) assert.match(info.commit, /^[0-9a-f]{7,40}(-dirty)?$/);
    assert.equal(versionLine({ version: "1.2.3" }), "fleetwatch 1.2.3");
    assert.equal(
      versionLine({ version: "1.2.3", commit: "0123456789ab" }),
      "fleetwatch 1.2.3 (commit 0123456789ab)",
    );
  });
});
