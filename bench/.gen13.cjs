const pb = require("protobufjs");
const path = require("node:path");
const root = new pb.Root();
root.loadSync(require.resolve("etcd3/proto/rpc.proto"), { keepCase: true });
root.resolveAll();
require("node:fs").writeFileSync("/tmp/etcd-rpc.json", JSON.stringify(root.toJSON()));
