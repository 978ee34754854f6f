// Pure parts of the security code: TLS flag combinations, certificate SANs, the etcd
// roles, the local etcd's TLS arguments and the message an agent gets when refused.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { withClientTls } from "../../src/local-etcd/tls.ts";
import { fleetRoles, nodeUserProblem } from "../../src/security/auth-setup.ts";
import { serverSubjectAltName } from "../../src/security/certs.ts";
import { agentAccessDeniedMessage } from "../../src/shared/etcd-access.ts";
import { parseNodeName as nodeName } from "../../src/shared/node-name.ts";
import { loadEtcdTls, tlsOptionsProblem } from "../../src/shared/tls-files.ts";

describe("TLS flag combinations", () => {
  const cases: [string, Parameters<typeof tlsOptionsProblem>[0], RegExp | undefined][] = [
    ["none: plain http", {}, undefined],
    ["CA only: server-verified TLS", { etcdCa: "ca" }, undefined],
    ["CA, cert and key", { etcdCa: "ca", etcdCert: "c", etcdKey: "k" }, undefined],
    ["cert without key", { etcdCa: "ca", etcdCert: "c" }, /--etcd-cert needs --etcd-key/],
    ["key without cert", { etcdCa: "ca", etcdKey: "k" }, /--etcd-key needs --etcd-cert/],
    ["cert and key without CA", { etcdCert: "c", etcdKey: "k" }, /need --etcd-ca/],
  ];
  for (const [name, opts, problem] of cases) {
    it(name, () => {
      const got = tlsOptionsProblem(opts);
      if (problem) assert.match(got ?? "", problem);
      else assert.equal(got, undefined);
    });
  }
  it("no flags: no TLS", () => assert.equal(loadEtcdTls({}), undefined));
  it("a missing file is named with its flag", () =>
    assert.throws(
      () => loadEtcdTls({ etcdCa: "/nonexistent/ca.crt" }),
      /--etcd-ca \/nonexistent\/ca.crt: cannot read the file \(no such file\)/,
    ));
});

describe("certificates and roles", () => {
  it("server SANs: loopback always, IPs and names typed, no duplicates", () => {
    assert.equal(
      serverSubjectAltName(["127.0.0.1", "10.0.0.5", "*.etcd.fleetwatch.svc"]),
      "DNS:localhost,IP:127.0.0.1,IP:::1,IP:10.0.0.5,DNS:*.etcd.fleetwatch.svc",
    );
  });
  it("a node's role writes only its heartbeat and metrics and reads only its config and the default", () => {
    const [manager, node] = fleetRoles([nodeName("node-1")]);
    assert.deepEqual(manager?.permissions, [{ permission: "Readwrite", prefix: "/monitor/" }]);
    assert.equal(node?.user, "node-1");
    assert.deepEqual(node?.permissions, [
      { permission: "Write", key: "/monitor/heartbeat/node-1" },
      { permission: "Write", key: "/monitor/metrics/node-1" },
      { permission: "Read", key: "/monitor/config/node-1" },
      { permission: "Read", key: "/monitor/config/_default" },
    ]);
  });
  it("root and the manager's user cannot be node names", () => {
    assert.match(nodeUserProblem("root") ?? "", /reserved/);
    assert.match(nodeUserProblem("fleetwatch-manager") ?? "", /reserved/);
    assert.ok(nodeUserProblem("a/b"));
    assert.equal(nodeUserProblem("node-1"), undefined);
  });
});

describe("fleetwatch etcd --tls arguments", () => {
  it("client URLs become https and client-certificate auth is required; peers unchanged", () => {
    const args = withClientTls(
      [
        "--listen-client-urls",
        "http://127.0.0.1:2379",
        "--advertise-client-urls",
        "http://127.0.0.1:2379",
        "--listen-peer-urls",
        "http://127.0.0.1:2380",
      ],
      "/c",
    );
    assert.deepEqual(args, [
      "--listen-client-urls",
      "https://127.0.0.1:2379",
      "--advertise-client-urls",
      "https://127.0.0.1:2379",
      "--listen-peer-urls",
      "http://127.0.0.1:2380",
      "--client-cert-auth",
      "--trusted-ca-file",
      "/c/ca.crt",
      "--cert-file",
      "/c/server.crt",
      "--key-file",
      "/c/server.key",
      "--client-crl-file",
      "/c/crl.pem",
    ]);
  });
});

describe("the message an agent gets when RBAC refuses it", () => {
  it("wrong certificate for the name: says which name the certificate allows", () => {
    const m = agentAccessDeniedMessage("node-2", "/monitor/heartbeat/node-2", "node-1");
    assert.match(m, /etcd user "node-1".*writing \/monitor\/heartbeat\/node-2 \(permission denied\)/);
    assert.match(m, /--name node-1/);
    assert.match(m, /ctl certs issue node-2/);
  });
  it("right certificate but no role: says how to create it", () => {
    assert.match(
      agentAccessDeniedMessage("node-3", "/monitor/heartbeat/node-3", "node-3"),
      /ctl auth setup --nodes node-3/,
    );
  });
});
