// The command line for a single-member etcd. Pure, so the URLs etcd binds to and
// advertises can be checked in a table test without starting anything.

export interface EtcdArgsInput {
  host: string;
  port: number;
  peerPort: number;
  dataDir: string;
  /** Member name; a fixed one keeps an existing data dir usable across runs. */
  name?: string;
}

const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "[::]"]);

/** True when `host` means "every interface" rather than one address. */
export function isWildcardHost(host: string): boolean {
  return WILDCARD_HOSTS.has(host);
}

/**
 * The address to talk to a local etcd listening on `host`. A wildcard is not an
 * address one can connect to or advertise, so loopback stands in for it.
 */
export function reachableHost(host: string): string {
  if (host === "::" || host === "[::]") return "::1";
  return isWildcardHost(host) ? "127.0.0.1" : host;
}

/** Puts an IPv6 literal in brackets, as URLs and `host:port` text need. */
export function hostForUrl(host: string): string {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  return bare.includes(":") ? `[${bare}]` : bare;
}

/** The host without URL brackets, as `net.listen` and `http.get` want it. */
export function bareHost(host: string): string {
  return host.replace(/^\[(.*)\]$/, "$1");
}

export function hostPort(host: string, port: number): string {
  return `${hostForUrl(host)}:${port}`;
}

/**
 * etcd binds only to IP literals (and, as a special case, `localhost`); it rejects
 * other names with "expected IP in URL for binding". Saying so before starting it
 * gives a clearer message than etcd's.
 */
export function bindHostProblem(host: string): string | undefined {
  const bare = bareHost(host);
  if (bare === "localhost") return undefined;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bare)) return undefined;
  if (bare.includes(":") && /^[0-9a-fA-F:.]+$/.test(bare)) return undefined;
  return `--host must be an IP address or "localhost" (etcd cannot bind to the name "${host}"); try --host 127.0.0.1, or --host 0.0.0.0 for every interface`;
}

export function buildEtcdArgs(input: EtcdArgsInput): string[] {
  const name = input.name ?? "default";
  const listenHost = hostForUrl(input.host);
  // Advertised URLs only matter to clients that discover members from the cluster;
  // a wildcard cannot be advertised, so loopback stands in for it.
  const advertiseHost = hostForUrl(reachableHost(input.host));
  const peerUrl = `http://${advertiseHost}:${input.peerPort}`;
  return [
    "--name",
    name,
    "--data-dir",
    input.dataDir,
    "--listen-client-urls",
    `http://${listenHost}:${input.port}`,
    "--advertise-client-urls",
    `http://${advertiseHost}:${input.port}`,
    "--listen-peer-urls",
    `http://${listenHost}:${input.peerPort}`,
    "--initial-advertise-peer-urls",
    peerUrl,
    "--initial-cluster",
    `${name}=${peerUrl}`,
    "--initial-cluster-state",
    "new",
    // zap is the only logger etcd 3.5+ has; 3.4 needs it asked for explicitly.
    "--logger",
    "zap",
    // Info, not warn: some failures are only explained at info level (a data dir
    // locked by another etcd). main.ts shows warnings and errors and keeps the rest.
    "--log-level",
    "info",
  ];
}
