// Turns the --etcd-ca/--etcd-cert/--etcd-key file names into the TLS material the
// etcd client factory takes. Read once at start-up, in the process's main: a missing
// or unreadable file is a configuration mistake, reported with the flag and the path.
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { errorMessage, ValidationError } from "./errors.ts";
import type { EtcdClientOptions } from "./etcd.ts";

/** The file names as they arrive from the command line or the environment. */
export interface EtcdTlsFileOptions {
  etcdCa?: string;
  etcdCert?: string;
  etcdKey?: string;
}

export type EtcdTls = NonNullable<EtcdClientOptions["tls"]>;

/** Pure: what is wrong with the combination of files given, if anything. */
export function tlsOptionsProblem(opts: EtcdTlsFileOptions): string | undefined {
  if (opts.etcdCert && !opts.etcdKey)
    return "--etcd-cert needs --etcd-key (the private key of that certificate)";
  if (opts.etcdKey && !opts.etcdCert) return "--etcd-key needs --etcd-cert (the certificate of that key)";
  if ((opts.etcdCert || opts.etcdKey) && !opts.etcdCa)
    return "--etcd-cert/--etcd-key need --etcd-ca (the CA that signed etcd's server certificate)";
  return undefined;
}

/**
 * undefined when no TLS flag is given (plain http, as the lab). With --etcd-ca only, the
 * connection is encrypted and etcd's certificate checked; with a certificate and key too,
 * fleetwatch also proves who it is (etcd takes the certificate's common name as the user).
 */
export function loadEtcdTls(opts: EtcdTlsFileOptions): EtcdTls | undefined {
  const problem = tlsOptionsProblem(opts);
  if (problem) throw new ValidationError(problem, "etcd-ca");
  if (!opts.etcdCa) return undefined;
  return {
    ca: readPem("--etcd-ca", opts.etcdCa),
    cert: opts.etcdCert ? readPem("--etcd-cert", opts.etcdCert) : undefined,
    key: opts.etcdKey ? readPem("--etcd-key", opts.etcdKey) : undefined,
  };
}

/** The common name of a PEM certificate (the etcd user it authenticates as), if any. */
export function certificateCommonName(pem: Buffer): string | undefined {
  try {
    const subject = new X509Certificate(pem).subject;
    return /^CN=(.*)$/m.exec(subject)?.[1];
  } catch {
    return undefined;
  }
}

function readPem(flag: string, path: string): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "it is a directory"
            : errorMessage(err);
    throw new ValidationError(`${flag} ${path}: cannot read the file (${why})`, flag.slice(2));
  }
  if (!data.includes("-----BEGIN ")) {
    throw new ValidationError(`${flag} ${path}: not a PEM file (no "-----BEGIN" line)`, flag.slice(2));
  }
  return data;
}
