// fleetwatch hands etcd3 a gRPC package definition built from a precompiled descriptor
// (src/shared/etcd-proto.ts) instead of letting @grpc/proto-loader parse rpc.proto at every
// start. These tests hold it to proto-loader's answer: the descriptor is the installed etcd3's
// proto, every service and method is there with the same path, streaming and name, and every
// message encodes to the same bytes and decodes to the same object. The last ones pin the
// etcd3 internals the swap relies on, in a child process (a fresh module cache).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Type } from "protobufjs";
import { camelCase, etcdPackageDefinition, type MethodDefinition } from "../../src/shared/etcd-proto.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(resolve(ROOT, "node_modules/etcd3/lib/index.js"));
const ETCD3_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

type Definition = Record<string, Record<string, MethodDefinition & { requestType?: { type: unknown } }>>;
const reference = (require("@grpc/proto-loader") as { loadSync(f: string, o: object): Definition }).loadSync(
  require.resolve("etcd3/proto/rpc.proto"),
  ETCD3_OPTIONS,
);
const ours = etcdPackageDefinition();
// Message and enum entries (reflection, which a client never reads) have a `format`.
const services = Object.keys(reference).filter((name) => !("format" in (reference[name] ?? {})));

/** A message with every field set (nested messages one level deep), numbers near their limits. */
function sample(type: Type, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  type.fieldsArray.forEach((field, i) => {
    field.resolve();
    let value: unknown;
    if (field.resolvedType && "fieldsArray" in field.resolvedType) {
      if (depth > 1) return;
      value = sample(field.resolvedType as Type, depth + 1);
    } else if (field.resolvedType)
      value = Object.keys((field.resolvedType as { values: object }).values).at(-1);
    else if (/int64|fixed64/.test(field.type)) value = i % 2 ? "9223372036854775807" : "1234567890123";
    else if (/int|fixed/.test(field.type))
      value = field.type.startsWith("u") || field.type.includes("fixed") ? 4_000_000_000 : -7;
    else if (field.type === "bool") value = true;
    else if (field.type === "string") value = `s${i}é`;
    else if (field.type === "bytes") value = Buffer.from([0, 1, 255, i]);
    else if (field.type === "double" || field.type === "float") value = 0.5;
    if (field.partOf && Object.keys(out).some((k) => field.partOf?.oneof.includes(k))) return;
    out[field.name] = field.repeated ? [value, value] : value;
  });
  return out;
}

describe("etcd-proto: the precompiled package definition is proto-loader's", () => {
  test("src/shared/etcd-rpc.json is the installed etcd3's rpc.proto (else run scripts/gen-etcd-proto.mjs)", async () => {
    const { etcdRpcDescriptor } = (await import(resolve(ROOT, "scripts/gen-etcd-proto.mjs"))) as {
      etcdRpcDescriptor(): unknown;
    };
    const stored = JSON.parse(readFileSync(resolve(ROOT, "src/shared/etcd-rpc.json"), "utf8"));
    assert.deepEqual(stored, etcdRpcDescriptor());
  });

  test("the same services and methods, paths, streaming flags and method names", () => {
    assert.deepEqual(services.sort(), Object.keys(ours).sort());
    assert.ok(services.includes("etcdserverpb.Lease") && services.includes("etcdserverpb.Watch"));
    for (const service of services) {
      const ref = reference[service] ?? {};
      const mine = ours[service] ?? {};
      assert.deepEqual(Object.keys(mine).sort(), Object.keys(ref).sort(), service);
      for (const [name, method] of Object.entries(ref)) {
        const { path, requestStream, responseStream, originalName } = mine[name] as MethodDefinition;
        assert.deepEqual(
          { path, requestStream, responseStream, originalName },
          {
            path: method.path,
            requestStream: method.requestStream,
            responseStream: method.responseStream,
            originalName: method.originalName,
          },
          `${service}/${name}`,
        );
      }
    }
  });

  test("every request and response: same bytes, same decoded object (filled and empty)", () => {
    const protobuf = require("protobufjs") as typeof import("protobufjs");
    const root = protobuf.Root.fromJSON(
      JSON.parse(readFileSync(resolve(ROOT, "src/shared/etcd-rpc.json"), "utf8")),
    );
    root.resolveAll();
    let checked = 0;
    for (const service of services) {
      for (const [name, ref] of Object.entries(reference[service] ?? {})) {
        const mine = ours[service]?.[name] as MethodDefinition;
        const method = root.lookupService(service).methods[name];
        for (const side of ["request", "response"] as const) {
          const type = (
            side === "request" ? method?.resolvedRequestType : method?.resolvedResponseType
          ) as Type;
          const serialize = side === "request" ? "requestSerialize" : "responseSerialize";
          const deserialize = side === "request" ? "requestDeserialize" : "responseDeserialize";
          for (const value of [sample(type), {}]) {
            const bytes = ref[serialize](value);
            assert.deepEqual(mine[serialize](value), bytes, `${service}/${name} ${side} encode`);
            assert.deepEqual(
              mine[deserialize](bytes),
              ref[deserialize](bytes),
              `${service}/${name} ${side} decode`,
            );
            checked++;
          }
        }
        assert.throws(() => mine.requestSerialize([] as unknown as object), /got array instead/);
      }
    }
    assert.ok(checked > 150, `${checked} messages compared`);
  });

  test("camelCase matches lodash's on etcd's names", () => {
    assert.equal(camelCase("HashKV"), "hashKv");
    assert.equal(camelCase("LeaseTimeToLive"), "leaseTimeToLive");
    assert.equal(camelCase("Range"), "range");
  });
});

describe("etcd-proto: installed before etcd3 loads (child process, compiled dist/)", () => {
  const run = (script: string, env: NodeJS.ProcessEnv = {}) => {
    const build = spawnSync(process.execPath, [resolve(ROOT, "scripts/build.mjs"), "--if-stale"], {
      cwd: ROOT,
    });
    assert.equal(build.status, 0, String(build.stderr));
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: ROOT,
      env: { ...process.env, FLEETWATCH_ETCD_PROTO: "", ...env },
      encoding: "utf8",
    });
    assert.equal(child.status, 0, child.stderr);
    return JSON.parse(child.stdout.trim().split("\n").at(-1) as string);
  };
  const probe = (before: string) => `
    import { createRequire } from "node:module";
    const { installPrecompiledEtcdProto } = await import("./dist/shared/etcd-proto.js");
    const require = createRequire(process.cwd() + "/node_modules/etcd3/lib/index.js");
    ${before}
    const result = installPrecompiledEtcdProto();
    const { Etcd3 } = require("etcd3");
    const client = new Etcd3({ hosts: "127.0.0.1:1" });
    const loaded = Object.keys(require.cache);
    console.log(JSON.stringify({
      result,
      kv: typeof client.kv.range,
      parser: loaded.some((f) => f.endsWith("protobufjs/src/parse.js")),
      // The stub sits under proto-loader's index.js path; the real module would load util.js.
      realProtoLoader: loaded.some((f) => f.endsWith("proto-loader/build/src/util.js") && !f.includes("grpc-js")),
    }));
    client.close();`;

  test("etcd3 gets the precompiled definition: neither proto-loader nor the .proto parser is loaded", () => {
    assert.deepEqual(run(probe("")), {
      result: "installed",
      kv: "function",
      parser: false,
      realProtoLoader: false,
    });
  });

  test("too late once etcd3 is loaded; FLEETWATCH_ETCD_PROTO=etcd3 leaves etcd3 alone", () => {
    assert.equal(run(probe('require("etcd3");')).result, "too-late");
    const off = run(probe(""), { FLEETWATCH_ETCD_PROTO: "etcd3" });
    assert.deepEqual(off, { result: "disabled", kv: "function", parser: true, realProtoLoader: true });
  });
});
