// Writes src/shared/etcd-rpc.json: etcd3's rpc.proto (with kv.proto and auth.proto) compiled
// once into protobufjs's JSON descriptor, with the parse options etcd3 gives @grpc/proto-loader
// (keepCase). src/shared/etcd-proto.ts builds etcd3's gRPC package definition from it, so no
// fleetwatch process parses .proto text at start. test/unit/etcd-proto.test.ts fails when the
// file no longer matches the installed etcd3: run `node scripts/gen-etcd-proto.mjs` (and
// `npx biome format --write src/shared/etcd-rpc.json`) then.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DESCRIPTOR_PATH = join(REPO_ROOT, "src", "shared", "etcd-rpc.json");

/** The descriptor of the installed etcd3's rpc.proto, as a plain object. */
export function etcdRpcDescriptor() {
  const require = createRequire(join(REPO_ROOT, "package.json"));
  const protobuf = require("protobufjs");
  const root = new protobuf.Root();
  root.loadSync(require.resolve("etcd3/proto/rpc.proto"), { keepCase: true });
  root.resolveAll();
  return JSON.parse(JSON.stringify(root.toJSON()));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(DESCRIPTOR_PATH, `${JSON.stringify(etcdRpcDescriptor(), null, 2)}\n`);
  console.log(`wrote ${DESCRIPTOR_PATH}`);
}
