// The options every command shares (etcd endpoints, TLS files, logging). Declared here, not
// in cli/main.ts, so the agent, manager, simulator and security runners can name them
// without importing the CLI (which imports them: an import circle).
import type { Endpoint } from "./endpoints.ts";
import type { LogFormat } from "./log.ts";

export interface CommonOptions {
  etcd: Endpoint[];
  /** TLS file names; read by shared/tls-files.ts in each runner. */
  etcdCa?: string;
  etcdCert?: string;
  etcdKey?: string;
  logFormat: LogFormat;
  logLevel: "debug" | "info" | "warn" | "error";
}
