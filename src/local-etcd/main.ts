export interface LocalEtcdOptions {
  port: number;
  peerPort: number;
  dataDir: string;
  host: string;
}

/** Runs etcd in the foreground; resolves with the process exit code. */
export async function runLocalEtcd(_opts: LocalEtcdOptions): Promise<number> {
  throw new Error("not implemented yet");
}
