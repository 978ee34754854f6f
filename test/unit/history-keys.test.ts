import assert from "node:assert/strict";
import { test } from "node:test";
import type { IRangeResponse } from "etcd3";
import { MAX_VERSION, newestVersion, versionOfKey } from "../../src/config/history-keys.ts";

const prefix = "/monitor/config-history/web-1/";

test("versionOfKey: only <prefix><10 digits> within 1..MAX_VERSION is a version key", () => {
  assert.equal(versionOfKey(prefix, `${prefix}0000000007`), 7);
  assert.equal(versionOfKey(prefix, `${prefix}${String(MAX_VERSION).padStart(10, "0")}`), MAX_VERSION);
  for (const stray of ["zzz", "7", "0000000007x", "9999999999", "0000000000", "", "00000000071"]) {
    assert.equal(versionOfKey(prefix, `${prefix}${stray}`), undefined, stray);
  }
  assert.equal(versionOfKey(prefix, "/monitor/config-history/web-2/0000000001"), undefined);
});

test("newestVersion skips stray keys and falls back to 0", () => {
  const range = (...suffixes: string[]) =>
    ({ kvs: suffixes.map((s) => ({ key: Buffer.from(`${prefix}${s}`) })) }) as unknown as IRangeResponse;
  assert.equal(newestVersion(prefix, range("0000000003x", "0000000003", "0000000002")), 3);
  assert.equal(newestVersion(prefix, range("zzz")), 0);
  assert.equal(newestVersion(prefix, undefined), 0);
});
