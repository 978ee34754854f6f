// The etcd3 floor of the footprint bench: a bare node process that holds one etcd3 lease
// with one key on it, kept alive by the client's own keepalive, and nothing else (same
// Node, same etcd3 client as the agent). Prints "held <ms>" once the key is on the lease.
//   node bench/floors/etcd3-lease.cjs <host:port> <key> [--lean]
// --lean: etcd3 loads a copy of its rpc.proto with only the KV, Watch and Lease services
// (Cluster, Maintenance and Auth removed), to measure what a leaner gRPC path would save.
"use strict";
const started = process.hrtime.bigint();
const [endpoint, key, flag] = process.argv.slice(2);
if (!endpoint || !key) {
  console.error("usage: etcd3-lease.cjs <host:port> <key> [--lean]");
  process.exit(2);
}

if (flag === "--lean") {
  const fs = require("node:fs");
  const os = require("node:os");
  const path = require("node:path");
  const protoDir = path.join(path.dirname(require.resolve("etcd3/package.json")), "proto");
  const leanDir = fs.mkdtempSync(path.join(os.tmpdir(), "etcd3-lean-proto-"));
  for (const name of fs.readdirSync(protoDir))
    fs.copyFileSync(path.join(protoDir, name), path.join(leanDir, name));
  const rpc = fs.readFileSync(path.join(protoDir, "rpc.proto"), "utf8");
  // A service block ends at the first line that is a lone "}".
  const lean = rpc.replace(/^service (Cluster|Maintenance|Auth) \{[\s\S]*?^\}\n/gm, "");
  fs.writeFileSync(path.join(leanDir, "rpc.proto"), lean);
  // etcd3 calls loadSync through the module's exports object, so replacing it there
  // (before etcd3 is loaded) redirects etcd3's one call.
  const loader = require("@grpc/proto-loader");
  const loadSync = loader.loadSync;
  loader.loadSync = (file, options) =>
    loadSync(path.basename(file) === "rpc.proto" ? path.join(leanDir, "rpc.proto") : file, options);
  process.on("exit", () => fs.rmSync(leanDir, { recursive: true, force: true }));
}

const { Etcd3 } = require("etcd3");
const client = new Etcd3({ hosts: `http://${endpoint}` });
const lease = client.lease(5);
lease.on("lost", (err) => console.log(`lost ${err.message}`));
lease
  .put(key)
  .value("floor")
  .then(() => console.log(`held ${Number(process.hrtime.bigint() - started) / 1e6}`))
  .catch((err) => {
    console.error(`floor: ${err.message}`);
    process.exit(1);
  });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
