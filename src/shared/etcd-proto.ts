// etcd3 builds its gRPC services when it is loaded: @grpc/proto-loader parses rpc.proto's text
// with the full protobufjs parser, then makes reflection descriptors of every message, which a
// client never uses. That is ~100-250 ms and ~5 MB of every fleetwatch start (bench/RESULTS.md
// section 8). Here etcd3 gets the same package definition built from etcd-rpc.json, the same
// proto compiled once (scripts/gen-etcd-proto.mjs), by protobufjs/light (no parser), with the
// serializers proto-loader would make: same messages, same decoded objects
// (test/unit/etcd-proto.test.ts compares both on every method).
//
// etcd3 offers no option for this: it calls `require("@grpc/proto-loader").loadSync(rpc.proto)`
// once, at load. installPrecompiledEtcdProto() puts a module in Node's CommonJS cache under
// proto-loader's path, before etcd3 is loaded, whose loadSync answers that one call and hands
// any other to the real proto-loader. FLEETWATCH_ETCD_PROTO=etcd3 turns it off (the bench's
// comparison, and a way back should an etcd3 release load its protos otherwise).
import { readFileSync } from "node:fs";
import { createRequire, Module } from "node:module";
import { basename, dirname, resolve } from "node:path";
import type { INamespace, Method, NamespaceBase, Service, Type } from "protobufjs";

const require = createRequire(import.meta.url);

/** The options etcd3 passes to loadSync; any other call goes to the real proto-loader. */
const ETCD3_LOAD_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

type ProtoLoader = { loadSync(filename: string, options?: object): unknown } & Record<string, unknown>;

export type ProtoInstall = "installed" | "already" | "disabled" | "too-late";

/** Call before etcd3 is loaded (the CLI does, first thing). */
export function installPrecompiledEtcdProto(env: NodeJS.ProcessEnv = process.env): ProtoInstall {
  if (env.FLEETWATCH_ETCD_PROTO === "etcd3") return "disabled";
  // etcd3's own `require("@grpc/proto-loader")` resolves from etcd3's directory.
  const fromEtcd3 = createRequire(require.resolve("etcd3"));
  const loaderPath = fromEtcd3.resolve("@grpc/proto-loader");
  const cached = require.cache[loaderPath];
  if (cached?.exports?.loadSync === loadPrecompiledEtcdProto) return "already";
  if (require.cache[fromEtcd3.resolve("./connection-pool")]) return "too-late";
  let real: ProtoLoader | undefined;
  const realLoader = (): ProtoLoader => {
    if (!real) {
      // Load the real module beside the stub, then put the stub back for etcd3.
      delete require.cache[loaderPath];
      real = fromEtcd3("@grpc/proto-loader") as ProtoLoader;
      require.cache[loaderPath] = stub;
    }
    return real;
  };
  function loadPrecompiledEtcdProto(filename: string, options?: object): unknown {
    return isEtcd3Call(filename, options)
      ? etcdPackageDefinition()
      : realLoader().loadSync(filename, options);
  }
  const stub = new Module(loaderPath);
  stub.filename = loaderPath;
  stub.loaded = true;
  stub.paths = [];
  stub.exports = new Proxy({ loadSync: loadPrecompiledEtcdProto } as ProtoLoader, {
    get: (target, name) => (name in target ? target[name as string] : realLoader()[name as string]),
  });
  require.cache[loaderPath] = stub;
  return "installed";
}

function isEtcd3Call(filename: string, options: object | undefined): boolean {
  const file = resolve(filename);
  if (basename(file) !== "rpc.proto" || basename(dirname(dirname(file))) !== "etcd3") return false;
  const given = (options ?? {}) as Record<string, unknown>;
  const keys = Object.keys(ETCD3_LOAD_OPTIONS);
  return (
    Object.keys(given).length === keys.length &&
    keys.every((k) => given[k] === ETCD3_LOAD_OPTIONS[k as keyof typeof ETCD3_LOAD_OPTIONS])
  );
}

/** One gRPC method as @grpc/grpc-js's loadPackageDefinition reads it (proto-loader's shape, minus reflection). */
export interface MethodDefinition {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize(value: object): Buffer;
  requestDeserialize(bytes: Buffer): object;
  responseSerialize(value: object): Buffer;
  responseDeserialize(bytes: Buffer): object;
  originalName: string;
}

/** `{ "etcdserverpb.KV": { Range: MethodDefinition, ... }, ... }`: every service of rpc.proto. */
export function etcdPackageDefinition(
  descriptor: INamespace = JSON.parse(readFileSync(new URL("./etcd-rpc.json", import.meta.url), "utf8")),
): Record<string, Record<string, MethodDefinition>> {
  const protobuf = require("protobufjs/light") as typeof import("protobufjs");
  const root = protobuf.Root.fromJSON(descriptor);
  root.resolveAll();
  const definition: Record<string, Record<string, MethodDefinition>> = {};
  const visit = (ns: NamespaceBase, prefix: string) => {
    for (const nested of ns.nestedArray) {
      const name = prefix ? `${prefix}.${nested.name}` : nested.name;
      if (nested instanceof protobuf.Service) definition[name] = serviceDefinition(nested, name);
      else if (nested instanceof protobuf.Namespace) visit(nested, name);
    }
  };
  visit(root, "");
  return definition;
}

function serviceDefinition(service: Service, name: string): Record<string, MethodDefinition> {
  const methods: Record<string, MethodDefinition> = {};
  for (const method of service.methodsArray) methods[method.name] = methodDefinition(method, name);
  return methods;
}

// proto-loader's serializers, word for word (build/src/index.js createSerializer/createDeserializer).
function methodDefinition(method: Method, serviceName: string): MethodDefinition {
  const request = method.resolvedRequestType as Type;
  const response = method.resolvedResponseType as Type;
  const serialize = (type: Type) => (value: object) => {
    if (Array.isArray(value)) {
      throw new Error(
        `Failed to serialize message: expected object with ${type.name} structure, got array instead`,
      );
    }
    return type.encode(type.fromObject(value)).finish() as Buffer;
  };
  const deserialize = (type: Type) => (bytes: Buffer) =>
    type.toObject(type.decode(bytes), ETCD3_LOAD_OPTIONS);
  return {
    path: `/${serviceName}/${method.name}`,
    requestStream: !!method.requestStream,
    responseStream: !!method.responseStream,
    requestSerialize: serialize(request),
    requestDeserialize: deserialize(request),
    responseSerialize: serialize(response),
    responseDeserialize: deserialize(response),
    originalName: camelCase(method.name),
  };
}

/** lodash.camelcase, which proto-loader uses, for etcd's method names: `HashKV` -> `hashKv`. */
export function camelCase(name: string): string {
  const words = name.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g) ?? [];
  return words
    .map((w, i) => (i === 0 ? w.toLowerCase() : `${w[0]?.toUpperCase()}${w.slice(1).toLowerCase()}`))
    .join("");
}
