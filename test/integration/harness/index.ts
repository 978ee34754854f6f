// The integration-test harness: real etcd, fault injection and processes under test.
export { type EtcdCluster, type EtcdMember, type StartEtcdOptions, startEtcd } from "./etcd-cluster.ts";
export { freePort } from "./free-port.ts";
export {
  type Exit,
  FLEETWATCH_BIN,
  type FleetwatchProcess,
  type LineMatch,
  ManagedProcess,
  REPO_ROOT,
  type SpawnOptions,
  type Stream,
  spawnFleetwatch,
  spawnProcess,
  type WaitForLineOptions,
} from "./process.ts";
export { type CutMode, TcpProxy } from "./tcp-proxy.ts";
export { type EtcdFixture, type UseEtcdOptions, useEtcd } from "./use-etcd.ts";
export { type WaitForOptions, waitFor, waitForValue } from "./wait.ts";
