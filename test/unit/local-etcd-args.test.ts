import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  bindHostProblem,
  buildEtcdArgs,
  hostForUrl,
  hostPort,
  reachableHost,
} from "../../src/local-etcd/etcd-args.ts";

/** The value after `flag` in an argument list. */
function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

describe("buildEtcdArgs", () => {
  it("binds and advertises the given host for a loopback address", () => {
    const args = buildEtcdArgs({ host: "127.0.0.1", port: 2379, peerPort: 2380, dataDir: "/d" });
    assert.equal(flag(args, "--data-dir"), "/d");
    assert.equal(flag(args, "--listen-client-urls"), "http://127.0.0.1:2379");
    assert.equal(flag(args, "--advertise-client-urls"), "http://127.0.0.1:2379");
    assert.equal(flag(args, "--listen-peer-urls"), "http://127.0.0.1:2380");
    assert.equal(flag(args, "--initial-advertise-peer-urls"), "http://127.0.0.1:2380");
    assert.equal(flag(args, "--initial-cluster"), "default=http://127.0.0.1:2380");
    assert.equal(flag(args, "--logger"), "zap");
  });

  it("listens on every interface but advertises loopback for 0.0.0.0", () => {
    const args = buildEtcdArgs({ host: "0.0.0.0", port: 12379, peerPort: 12380, dataDir: "/d", name: "n1" });
    assert.equal(flag(args, "--listen-client-urls"), "http://0.0.0.0:12379");
    assert.equal(flag(args, "--advertise-client-urls"), "http://127.0.0.1:12379");
    assert.equal(flag(args, "--initial-cluster"), "n1=http://127.0.0.1:12380");
  });

  it("brackets IPv6 literals in URLs", () => {
    const args = buildEtcdArgs({ host: "::1", port: 2379, peerPort: 2380, dataDir: "/d" });
    assert.equal(flag(args, "--listen-client-urls"), "http://[::1]:2379");
    const wildcard = buildEtcdArgs({ host: "::", port: 2379, peerPort: 2380, dataDir: "/d" });
    assert.equal(flag(wildcard, "--listen-client-urls"), "http://[::]:2379");
    assert.equal(flag(wildcard, "--advertise-client-urls"), "http://[::1]:2379");
  });
});

describe("host helpers", () => {
  const table: Array<[string, string, string, string]> = [
    // host, reachableHost, hostForUrl, hostPort(…, 1)
    ["127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1:1"],
    ["0.0.0.0", "127.0.0.1", "0.0.0.0", "0.0.0.0:1"],
    ["localhost", "localhost", "localhost", "localhost:1"],
    ["::1", "::1", "[::1]", "[::1]:1"],
    ["[::1]", "[::1]", "[::1]", "[::1]:1"],
    ["::", "::1", "[::]", "[::]:1"],
  ];
  for (const [host, reachable, url, hp] of table) {
    it(host, () => {
      assert.equal(reachableHost(host), reachable);
      assert.equal(hostForUrl(host), url);
      assert.equal(hostPort(host, 1), hp);
    });
  }
});

describe("bindHostProblem", () => {
  for (const ok of ["127.0.0.1", "0.0.0.0", "localhost", "::1", "[::1]", "::", "fe80::1"]) {
    it(`accepts ${ok}`, () => assert.equal(bindHostProblem(ok), undefined));
  }
  for (const bad of ["example.com", "my-laptop", ""]) {
    it(`rejects "${bad}" and suggests an address`, () => {
      assert.match(bindHostProblem(bad) ?? "", /--host 127\.0\.0\.1/);
    });
  }
});
