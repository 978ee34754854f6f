// Which etcd versions break which per-node promise, as a table: the boundaries are the
// releases etcd's changelogs name (docs/security.md links each).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { versionFromBody } from "../../src/local-etcd/tls.ts";
import {
  advisoryLines,
  etcdVersionAdvisories,
  parseEtcdVersion,
} from "../../src/security/etcd-advisories.ts";
import { reportEtcdAdvisories } from "../../src/security/etcd-version-check.ts";

const LEASE_TTL = "CVE-2023-32082";
const UNCHECKED = "CVE-2026-33413";
const NESTED_TXN = "CVE-2026-33343";
const PREV_KV = "etcd-io/etcd#21683";
const WATCH = "GHSA-xg4h-6gfc-h4m8";

describe("etcdVersionAdvisories", () => {
  const cases: [string, string[]][] = [
    // Debian's etcd, the one installed here: everything.
    ["3.4.23", [LEASE_TTL, UNCHECKED, NESTED_TXN, PREV_KV, WATCH]],
    ["3.4.25", [LEASE_TTL, UNCHECKED, NESTED_TXN, PREV_KV, WATCH]],
    ["3.4.26", [UNCHECKED, NESTED_TXN, PREV_KV, WATCH]],
    ["3.4.41", [UNCHECKED, NESTED_TXN, PREV_KV, WATCH]],
    // 3.4 reached end of life before the watch fix: the last 3.4 still has it.
    ["3.4.42", [PREV_KV, WATCH]],
    ["3.4.44", [WATCH]],
    ["3.4.45", [WATCH]],
    ["3.3.27", [LEASE_TTL, UNCHECKED, NESTED_TXN, PREV_KV, WATCH]],
    ["3.5.8", [LEASE_TTL, UNCHECKED, NESTED_TXN, PREV_KV, WATCH]],
    ["3.5.9", [UNCHECKED, NESTED_TXN, PREV_KV, WATCH]],
    ["3.5.16", [UNCHECKED, NESTED_TXN, PREV_KV, WATCH]],
    ["3.5.28", [PREV_KV, WATCH]],
    ["3.5.30", [WATCH]],
    ["3.5.32", [WATCH]],
    ["3.5.33", []],
    ["3.6.0", [UNCHECKED, NESTED_TXN, PREV_KV, WATCH]],
    ["3.6.9", [PREV_KV, WATCH]],
    ["3.6.11", [WATCH]],
    ["3.6.14", []],
    ["3.7.0", [WATCH]],
    ["3.7.1", []],
    ["3.8.0", []],
    ["4.0.0", []],
    ["v3.5.33", []],
    ["3.6.8-rc.0", [UNCHECKED, NESTED_TXN, PREV_KV, WATCH]],
    ["not a version", []],
    ["", []],
  ];
  for (const [version, ids] of cases) {
    it(`${version || "(empty)"}: ${ids.join(", ") || "none"}`, () => {
      assert.deepEqual(
        etcdVersionAdvisories(version).map((a) => a.id),
        ids,
      );
    });
  }

  it("parses versions and refuses what is not one", () => {
    assert.deepEqual(parseEtcdVersion("3.4.23"), { major: 3, minor: 4, patch: 23 });
    assert.deepEqual(parseEtcdVersion("v3.7.0-rc.0"), { major: 3, minor: 7, patch: 0 });
    for (const bad of ["3.4", "3.4.x", "3.4.23 ; rm", "\u001b[31m3.4.23"])
      assert.equal(parseEtcdVersion(bad), undefined, bad);
  });

  it("a line names the version, the problem and the release that fixes it on the same line", () => {
    const lines = advisoryLines("3.4.23");
    assert.equal(lines.length, 5);
    const lease = lines.find((l) => l.includes(UNCHECKED)) ?? "";
    assert.match(lease, /^\[Security\] etcd 3\.4\.23 is affected by CVE-2026-33413: /);
    assert.match(lease, /keep another node's lease alive/);
    assert.match(lease, /fixed in etcd 3\.4\.42$/);
    assert.match(lines.find((l) => l.includes(LEASE_TTL)) ?? "", /fixed in etcd 3\.4\.26$/);
    // No 3.4 release fixes the watch: the line names the releases that do.
    assert.match(
      lines.find((l) => l.includes(WATCH)) ?? "",
      /fixed in etcd 3\.5\.33 \/ 3\.6\.14 \/ 3\.7\.1$/,
    );
    assert.deepEqual(advisoryLines("3.6.14"), []);
  });

  it("/version bodies: the server version or nothing", () => {
    assert.equal(versionFromBody('{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}'), "3.4.23");
    assert.equal(versionFromBody('{"etcdserver":5}'), undefined);
    assert.equal(versionFromBody("<html>"), undefined);
  });
});

describe("reportEtcdAdvisories", () => {
  const log = { warn: () => {}, info: () => {} };
  it("prints one line per advisory of the version etcd reports", async () => {
    const printed: string[] = [];
    const client = { maintenance: { status: async () => ({ version: "3.5.30" }) } };
    // biome-ignore lint/suspicious/noExplicitAny: a stand-in for the one call used.
    await reportEtcdAdvisories(client as any, (l) => printed.push(l), log);
    assert.equal(printed.length, 1);
    assert.match(
      printed[0] ?? "",
      /etcd 3\.5\.30 is affected by GHSA-xg4h-6gfc-h4m8.*fixed in etcd 3\.5\.33$/,
    );
  });
  it("says when the version cannot be checked, without echoing control characters", async () => {
    const printed: string[] = [];
    const client = { maintenance: { status: async () => ({ version: "\u001b[2Jweird" }) } };
    // biome-ignore lint/suspicious/noExplicitAny: a stand-in for the one call used.
    await reportEtcdAdvisories(client as any, (l) => printed.push(l), log);
    assert.equal(printed.length, 1);
    assert.ok(!(printed[0] ?? "").includes("\u001b"), printed[0]);
    assert.match(printed[0] ?? "", /cannot check/);
  });
});
