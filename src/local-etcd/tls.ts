// `fleetwatch etcd --tls`: the same single member, serving clients over TLS and
// requiring a client certificate signed by the local CA (etcd's --client-cert-auth;
// once `fleetwatch ctl auth setup` enables auth, the certificate's CN is the etcd user).
// Certificates come from src/security/certs.ts and are made on first use.

import { readFileSync } from "node:fs";
import { get, type RequestOptions } from "node:https";
import { caPaths, clientPaths, ensureLocalCerts, ROOT_USER, serverPaths } from "../security/certs.ts";
import { bareHost, isWildcardHost } from "./etcd-args.ts";
import { askHealth } from "./health.ts";

export interface LocalTls {
  certsDir: string;
  /** Certificates this start created (empty when all existed). */
  created: string[];
}

/** Makes whatever certificates are missing; the server certificate also names a non-wildcard --host. */
export function prepareLocalTls(certsDir: string, host: string): LocalTls {
  const bare = bareHost(host);
  const extra = isWildcardHost(host) || bare === "localhost" ? [] : [bare];
  return { certsDir, created: ensureLocalCerts(certsDir, extra) };
}

/** Pure: the plain-http argument list turned into client TLS with client-certificate auth. */
export function withClientTls(args: string[], certsDir: string): string[] {
  const out = [...args];
  for (const flag of ["--listen-client-urls", "--advertise-client-urls"]) {
    const i = out.indexOf(flag);
    const value = out[i + 1];
    if (i >= 0 && value !== undefined) out[i + 1] = value.replace(/^http:\/\//, "https://");
  }
  const server = serverPaths(certsDir);
  return [
    ...out,
    "--client-cert-auth",
    "--trusted-ca-file",
    caPaths(certsDir).cert,
    "--cert-file",
    server.cert,
    "--key-file",
    server.key,
  ];
}

/** The flags a fleetwatch command needs to talk to this etcd as `user`. */
export function clientFlags(certsDir: string, user: string): string {
  const c = clientPaths(certsDir, user);
  return `--etcd-ca ${caPaths(certsDir).cert} --etcd-cert ${c.cert} --etcd-key ${c.key}`;
}

/** /health over TLS, presenting the root client certificate; never rejects. */
export function etcdIsHealthyTls(
  host: string,
  port: number,
  certsDir: string,
  timeoutMs = 1000,
): Promise<boolean> {
  let options: RequestOptions;
  try {
    const root = clientPaths(certsDir, ROOT_USER);
    options = {
      host: bareHost(host),
      port,
      path: "/health",
      timeout: timeoutMs,
      ca: readFileSync(caPaths(certsDir).cert),
      cert: readFileSync(root.cert),
      key: readFileSync(root.key),
      // The server certificate names localhost and the loopback addresses.
      servername: "localhost",
    };
  } catch {
    return Promise.resolve(false);
  }
  return askHealth(get, options);
}
