// The per-file fixture most integration files need: one real etcd (a single member unless asked)
// and a client, started before the file's tests and stopped after them. Processes the caller
// names in `stopFirst` stop before etcd does, so none of them outlives it and reports a lost
// connection into the next file's output.
import { after, before } from "node:test";
import { Etcd3 } from "etcd3";
import { type EtcdCluster, type StartEtcdOptions, startEtcd } from "./etcd-cluster.ts";

export interface EtcdFixture {
  /** Read inside a test or hook: the cluster is started by the file's `before`. */
  readonly etcd: EtcdCluster;
  readonly client: Etcd3;
}

export interface UseEtcdOptions extends Partial<StartEtcdOptions> {
  /** Stops what the file started against etcd (agents, servers); runs before etcd stops. */
  stopFirst?: () => Promise<void>;
}

export function useEtcd(options: UseEtcdOptions = {}): EtcdFixture {
  const { stopFirst, ...etcdOptions } = options;
  let etcd: EtcdCluster | undefined;
  let client: Etcd3 | undefined;
  before(async () => {
    etcd = await startEtcd({ members: 1, ...etcdOptions });
    client = new Etcd3({ hosts: etcd.hosts });
  });
  after(async () => {
    await stopFirst?.();
    client?.close();
    await etcd?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("useEtcd: etcd is started in the file's before() hook");
    return value;
  };
  return {
    get etcd() {
      return started(etcd);
    },
    get client() {
      return started(client);
    },
  };
}
