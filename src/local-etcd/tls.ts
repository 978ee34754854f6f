// `fleetwatch etcd --tls`: the same single member, serving clients over TLS and
// requiring a client certificate signed by the local CA (etcd's --client-cert-auth;
// once `fleetwatch ctl auth setup` enables auth, the certificate's CN is the etcd user).
// Certificates come from src/security/certs.ts and are made on first use; revoked client
// certificates are refused through the CRL of src/security/crl.ts.

import { readFileSync } from "node:fs";
import { get, type RequestOptions } from "node:https";
import { caPaths, clientPaths, ensureLocalCerts, ROOT_USER, serverPaths } from "../security/certs.ts";
import { crlPath, ensureCrl } from "../security/crl.ts";
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
  const created = ensureLocalCerts(certsDir, extra);
  // etcd refuses every client when --client-crl-file names a missing file: start with an empty CRL.
  if (ensureCrl(certsDir)) created.push(crlPath(certsDir));
  return { certsDir, created };
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
    // Revoked client certificates (fleetwatch ctl certs revoke); re-read per new connection.
    "--client-crl-file",
    crlPath(certsDir),
  ];
}

/** The flags a fleetwatch command needs to talk to this etcd as `user`. */
export function clientFlags(certsDir: string, user: string): string {
  const c = clientPaths(certsDir, user);
  return `--etcd-ca ${caPaths(certsDir).cert} --etcd-cert ${c.cert} --etcd-key ${c.key}`;
}

/** HTTPS options for `path` on the local etcd, presenting the root client certificate. */
function rootRequest(host: string, port: number, certsDir: string, path: string, timeoutMs: number) {
  const root = clientPaths(certsDir, ROOT_USER);
  return {
    host: bareHost(host),
    port,
    path,
    timeout: timeoutMs,
    ca: readFileSync(caPaths(certsDir).cert),
    cert: readFileSync(root.cert),
    key: readFileSync(root.key),
    // The server certificate names localhost and the loopback addresses.
    servername: "localhost",
  } satisfies RequestOptions;
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
    options = rootRequest(host, port, certsDir, "/health", timeoutMs);
  } catch {
    return Promise.resolve(false);
  }
  return askHealth(get, options);
}

/** The server version from etcd's /version (`{"etcdserver":"3.4.23",...}`); undefined on any failure. */
export function etcdServerVersionTls(
  host: string,
  port: number,
  certsDir: string,
  timeoutMs = 2000,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    let req: ReturnType<typeof get>;
    try {
      req = get(rootRequest(host, port, certsDir, "/version", timeoutMs), (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          // A version document is tiny; anything longer is not one.
          body = (body + chunk).slice(0, 4096);
        });
        res.on("end", () => resolve(versionFromBody(body)));
        res.on("error", () => resolve(undefined));
      });
    } catch {
      return resolve(undefined);
    }
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(undefined));
  });
}

/** Pure: `etcdserver` of a /version body, if it is a string. */
export function versionFromBody(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { etcdserver?: unknown };
    return typeof parsed.etcdserver === "string" ? parsed.etcdserver : undefined;
  } catch {
    return undefined;
  }
}
