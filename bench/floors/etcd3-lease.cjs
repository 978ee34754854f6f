// The etcd3 floor of the footprint bench: a bare node process that holds one etcd3 lease
// with one key on it, kept alive by the client's own keepalive, and nothing else (same
// Node, same etcd3 client as the agent). Prints "held <ms>" once the key is on the lease.
//   node bench/floors/etcd3-lease.cjs <host:port> <key> [--precompiled]
"use strict";
const started = process.hrtime.bigint();
const [endpoint, key, flag] = process.argv.slice(2);
if (!endpoint || !key) {
  console.error("usage: etcd3-lease.cjs <host:port> <key> [--precompiled]");
  process.exit(2);
}

// --precompiled: etcd3 gets fleetwatch's precompiled gRPC package definition (dist/shared/
// etcd-proto.js, as every fleetwatch process does) instead of parsing rpc.proto at load.
async function main() {
  if (flag === "--precompiled") {
    const { pathToFileURL } = require("node:url");
    const path = require("node:path");
    const proto = path.join(__dirname, "..", "..", "dist", "shared", "etcd-proto.js");
    const { installPrecompiledEtcdProto } = await import(pathToFileURL(proto).href);
    if (installPrecompiledEtcdProto() !== "installed")
      throw new Error("precompiled definition not installed");
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
}
main().catch((err) => {
  console.error(`floor: ${err.message}`);
  process.exit(1);
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
