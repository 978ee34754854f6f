// Certificate revocation: `<certs-dir>/crl.pem`, a CRL signed by our CA that etcd reads with
// --client-crl-file. etcd (3.4 to 3.7) reads the file again for every new TLS connection, so
// a revocation takes effect without restarting etcd for every connection opened after it;
// a connection that is already open is not re-checked (docs/security.md says what to do).
//
// The list of revoked certificates is kept in openssl's own CA database format
// (`<certs-dir>/revoked/index.txt`) so `openssl ca -gencrl` signs the CRL and an operator can
// read or reproduce it with the same tool. Why openssl at all: see certs.ts.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ValidationError } from "../shared/errors.ts";
import { printable } from "../shared/node-name.ts";
import { caPaths, clientPaths, openssl } from "./certs.ts";

/** The CRL is re-signed on every change; its nextUpdate is this far out (etcd does not check it). */
const CRL_DAYS = 3650;

export const crlPath = (dir: string): string => join(dir, "crl.pem");
const dbDir = (dir: string) => join(dir, "revoked");
const indexPath = (dir: string) => join(dbDir(dir), "index.txt");

export interface RevokedCert {
  user: string;
  /** Upper-case hex, as openssl prints it. */
  serial: string;
}

/** Pure: openssl's time format in its CA database, YYMMDDHHMMSSZ (UTC). */
export function opensslDbTime(date: Date): string {
  const iso = date.toISOString(); // 2026-12-04T16:20:00.000Z
  return `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/** Pure: one revoked entry of openssl's CA database (tab-separated, six columns). */
export function revokedDbLine(cert: RevokedCert, notAfter: Date, revokedAt: Date): string {
  return [
    "R",
    opensslDbTime(notAfter),
    opensslDbTime(revokedAt),
    cert.serial,
    "unknown",
    `/CN=${cert.user}`,
  ].join("\t");
}

/** Pure: the serials already in a database text. */
export function revokedSerials(indexText: string): Set<string> {
  const serials = new Set<string>();
  for (const line of indexText.split("\n")) {
    const cols = line.split("\t");
    if (cols[0] === "R" && cols[3]) serials.add(cols[3].toUpperCase());
  }
  return serials;
}

/** Creates an empty CRL when there is none, so etcd can start with --client-crl-file. */
export function ensureCrl(dir: string): boolean {
  if (existsSync(crlPath(dir))) return false;
  writeCrl(dir);
  return true;
}

/**
 * Revokes `user`'s client certificate: its serial goes into the CRL, and the certificate and
 * key are deleted so `ctl certs issue` makes a new one if the node comes back. Returns the
 * revoked serial; throws when there is no certificate for `user` in `dir`.
 */
export function revokeClientCert(dir: string, user: string, now = new Date()): RevokedCert {
  // The name becomes a path under clients/: "../ca" must not reach the CA's own files.
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(user) || user.includes("..")) {
    throw new ValidationError(
      `"${printable(user)}" is not a certificate name in ${join(dir, "clients")}`,
      "user",
    );
  }
  const paths = clientPaths(dir, user);
  if (!existsSync(paths.cert)) {
    throw new ValidationError(
      `no certificate for "${user}" in ${join(dir, "clients")}; nothing to revoke`,
      "user",
    );
  }
  const fields = openssl(["x509", "-in", paths.cert, "-noout", "-serial", "-enddate"]);
  const serial = /serial=([0-9A-Fa-f]+)/.exec(fields)?.[1]?.toUpperCase();
  const notAfter = new Date(/notAfter=(.+)/.exec(fields)?.[1] ?? "");
  if (!serial || Number.isNaN(notAfter.getTime())) {
    throw new ValidationError(`${paths.cert}: cannot read its serial and expiry`, "user");
  }
  const revoked = { user, serial };
  mkdirSync(dbDir(dir), { recursive: true, mode: 0o700 });
  const index = existsSync(indexPath(dir)) ? readFileSync(indexPath(dir), "utf8") : "";
  if (!revokedSerials(index).has(serial)) {
    writeFileSync(indexPath(dir), `${index}${revokedDbLine(revoked, notAfter, now)}\n`);
  }
  writeCrl(dir);
  rmSync(paths.cert, { force: true });
  rmSync(paths.key, { force: true });
  return revoked;
}

/** Signs the CRL from the database with the CA key (`openssl ca -gencrl`). */
function writeCrl(dir: string): void {
  const ca = caPaths(dir);
  if (!existsSync(ca.cert) || !existsSync(ca.key)) {
    throw new ValidationError(
      `no CA in ${dir} (ca.crt and ca.key); create one with: fleetwatch ctl certs init --certs-dir ${dir}`,
      "certs-dir",
    );
  }
  mkdirSync(dbDir(dir), { recursive: true, mode: 0o700 });
  if (!existsSync(indexPath(dir))) writeFileSync(indexPath(dir), "");
  const config = join(dbDir(dir), "openssl-ca.cnf");
  writeFileSync(
    config,
    [
      "[ca]",
      "default_ca = fleetwatch",
      "[fleetwatch]",
      `database = ${indexPath(dir)}`,
      "default_md = sha256",
      `default_crl_days = ${CRL_DAYS}`,
      "",
    ].join("\n"),
  );
  // Written beside, then renamed: etcd reads the file on every connection and must never
  // see half of it (an unparseable CRL makes etcd refuse every client).
  const next = `${crlPath(dir)}.next`;
  openssl(["ca", "-gencrl", "-batch", "-config", config, "-keyfile", ca.key, "-cert", ca.cert, "-out", next]);
  renameSync(next, crlPath(dir));
}
