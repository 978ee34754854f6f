// Certificates for etcd client TLS, made with the `openssl` command (docs/security.md says
// why: one widely audited tool, already on every Debian/Ubuntu machine and in the
// node:20-slim image's base, instead of building X.509/ASN.1 in JavaScript).
//
// Layout of a certs dir (the same names `fleetwatch etcd --tls` and the docs use):
//   ca.crt ca.key              the CA; ca.key never leaves the operator's machine
//   server.crt server.key      etcd's serving certificate (localhost, 127.0.0.1, ::1, extra SANs)
//   clients/<user>.crt .key    client certificates; the common name is the etcd user
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { errorMessage, FleetwatchError, ValidationError } from "../shared/errors.ts";

/** etcd user every cluster with auth needs; its certificate administers users and roles. */
export const ROOT_USER = "root";
/** The manager's etcd user (and certificate common name). */
export const MANAGER_USER = "fleetwatch-manager";

/** Ten years for the CA; about two for leaves (825 days, the longest many TLS clients accept). */
const CA_DAYS = 3650;
const LEAF_DAYS = 825;

export interface CertPaths {
  cert: string;
  key: string;
}

export const caPaths = (dir: string): CertPaths => ({ cert: join(dir, "ca.crt"), key: join(dir, "ca.key") });
export const serverPaths = (dir: string): CertPaths => ({
  cert: join(dir, "server.crt"),
  key: join(dir, "server.key"),
});
export const clientPaths = (dir: string, user: string): CertPaths => ({
  cert: join(dir, "clients", `${user}.crt`),
  key: join(dir, "clients", `${user}.key`),
});

/** Pure: the subjectAltName value for etcd's server certificate. */
export function serverSubjectAltName(extraSans: string[] = []): string {
  const names = ["localhost", "127.0.0.1", "::1", ...extraSans];
  const unique = [...new Set(names)];
  return unique.map((n) => (/^[\d.]+$/.test(n) || n.includes(":") ? `IP:${n}` : `DNS:${n}`)).join(",");
}

/** Creates the CA if the dir has none. Returns true when it created one. */
export function ensureCa(dir: string): boolean {
  const ca = caPaths(dir);
  if (existsSync(ca.cert) && existsSync(ca.key)) return false;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  openssl([
    "req",
    "-x509",
    ...newKeyArgs(ca.key),
    "-out",
    ca.cert,
    "-days",
    String(CA_DAYS),
    "-subj",
    "/CN=fleetwatch-etcd-ca",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  chmodSync(ca.key, 0o600);
  return true;
}

/** etcd's serving certificate. Returns true when it created one (an existing one is kept). */
export function ensureServerCert(dir: string, extraSans: string[] = []): boolean {
  const paths = serverPaths(dir);
  if (existsSync(paths.cert) && existsSync(paths.key)) return false;
  issue(dir, paths, "etcd-server", [
    `subjectAltName=${serverSubjectAltName(extraSans)}`,
    // clientAuth too: etcd members use the same pair when they talk to each other.
    "extendedKeyUsage=serverAuth,clientAuth",
  ]);
  return true;
}

/**
 * A client certificate whose common name is `user`. Returns true when it created one; an
 * existing certificate is kept unless `force`.
 */
export function ensureClientCert(dir: string, user: string, force = false): boolean {
  const paths = clientPaths(dir, user);
  if (!force && existsSync(paths.cert) && existsSync(paths.key)) return false;
  mkdirSync(join(dir, "clients"), { recursive: true, mode: 0o700 });
  issue(dir, paths, user, ["extendedKeyUsage=clientAuth"]);
  return true;
}

/** Everything a local TLS etcd and its first users need: CA, server, root and manager. */
export function ensureLocalCerts(dir: string, extraSans: string[] = []): string[] {
  const made: string[] = [];
  if (ensureCa(dir)) made.push(caPaths(dir).cert);
  if (ensureServerCert(dir, extraSans)) made.push(serverPaths(dir).cert);
  for (const user of [ROOT_USER, MANAGER_USER]) {
    if (ensureClientCert(dir, user)) made.push(clientPaths(dir, user).cert);
  }
  return made;
}

function issue(dir: string, paths: CertPaths, commonName: string, extensions: string[]): void {
  const ca = caPaths(dir);
  if (!existsSync(ca.cert) || !existsSync(ca.key)) {
    throw new ValidationError(
      `no CA in ${dir} (ca.crt and ca.key); create one with: fleetwatch ctl certs init --certs-dir ${dir}`,
      "certs-dir",
    );
  }
  if (/[/\\,=+<>#;"\n]/.test(commonName)) {
    throw new ValidationError(`"${commonName}" cannot be a certificate common name`, "name");
  }
  const csr = `${paths.cert}.csr`;
  const ext = `${paths.cert}.ext`;
  try {
    openssl(["req", "-new", ...newKeyArgs(paths.key), "-subj", `/CN=${commonName}`, "-out", csr]);
    chmodSync(paths.key, 0o600);
    writeFileSync(
      ext,
      `${["basicConstraints=CA:FALSE", "keyUsage=critical,digitalSignature", ...extensions].join("\n")}\n`,
    );
    openssl([
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      ca.cert,
      "-CAkey",
      ca.key,
      "-set_serial",
      `0x${randomBytes(16).toString("hex").replace(/^./, "1")}`,
      "-days",
      String(LEAF_DAYS),
      "-sha256",
      "-extfile",
      ext,
      "-out",
      paths.cert,
    ]);
  } finally {
    rmSync(csr, { force: true });
    rmSync(ext, { force: true });
  }
}

/** An unencrypted P-256 key: fast to make, supported by etcd (Go) and Node's TLS alike. */
function newKeyArgs(keyPath: string): string[] {
  return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", keyPath];
}

/** Runs openssl; its stdout is returned (certificate fields), its stderr explains a failure. */
export function openssl(args: string[]): string {
  try {
    return execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === "ENOENT") {
      throw new FleetwatchError(
        "the openssl command is needed to make certificates and was not found; install it (Debian/Ubuntu: apt-get install openssl)",
      );
    }
    const detail = e.stderr?.toString().trim().split("\n").slice(-3).join("; ") || errorMessage(err);
    throw new FleetwatchError(`openssl ${args[0]} failed: ${detail}`);
  }
}
