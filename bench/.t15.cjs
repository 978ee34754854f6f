const t0 = performance.now();
const grpc = require("@grpc/grpc-js"); const t1 = performance.now();
const pl = require("@grpc/proto-loader"); const t2 = performance.now();
const pd = pl.loadSync(require.resolve("etcd3/proto/rpc.proto"), { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true }); const t3 = performance.now();
grpc.loadPackageDefinition(pd); const t4 = performance.now();
console.log("grpc", (t1-t0).toFixed(0), "proto-loader", (t2-t1).toFixed(0), "loadSync", (t3-t2).toFixed(0), "defs", (t4-t3).toFixed(0), "total", (t4-t0).toFixed(0), "rss", (process.memoryUsage().rss/1048576).toFixed(1));
