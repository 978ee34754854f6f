const t0 = performance.now();
const grpc = require("@grpc/grpc-js"); const t1 = performance.now();
const pb = require("protobufjs/light"); const t2 = performance.now();
const root = pb.Root.fromJSON(require("/tmp/etcd-rpc.json")); root.resolveAll(); const t3 = performance.now();
const opts = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };
const def = {};
for (const svcName of ["KV","Watch","Lease","Cluster","Maintenance","Auth"]) {
  const svc = root.lookupService("etcdserverpb." + svcName);
  const d = {};
  for (const m of svc.methodsArray) {
    const req = m.resolvedRequestType, res = m.resolvedResponseType;
    d[m.name] = { path: `/etcdserverpb.${svcName}/${m.name}`, requestStream: !!m.requestStream, responseStream: !!m.responseStream,
      requestSerialize: (o) => req.encode(req.fromObject(o)).finish(), requestDeserialize: (b) => req.toObject(req.decode(b), opts),
      responseSerialize: (o) => res.encode(res.fromObject(o)).finish(), responseDeserialize: (b) => res.toObject(res.decode(b), opts), originalName: m.name };
  }
  def["etcdserverpb." + svcName] = d;
}
const s = grpc.loadPackageDefinition(def); const t4 = performance.now();
console.log("grpc", (t1-t0).toFixed(0), "pb/light", (t2-t1).toFixed(0), "fromJSON", (t3-t2).toFixed(0), "defs", (t4-t3).toFixed(0), "total", (t4-t0).toFixed(0), "rss", (process.memoryUsage().rss/1048576).toFixed(1));
