// The security subcommands: `ctl certs init|issue` and `ctl auth setup`. Flags arrive
// parsed from src/cli/main.ts; this file wires and prints.

import { ValidationError } from "../shared/errors.ts";
import { createEtcdClient } from "../shared/etcd.ts";
import type { CommonOptions } from "../shared/options.ts";
import { loadEtcdTls } from "../shared/tls-files.ts";
import { removeNodeAuth, setupAuth } from "./auth-setup.ts";
import { caPaths, clientPaths, ensureCa, ensureClientCert, ensureLocalCerts, serverPaths } from "./certs.ts";
import { crlPath, ensureCrl, revokeClientCert } from "./crl.ts";

export interface CertsOptions {
  certsDir: string;
}

export function runCertsInit(opts: CertsOptions & { serverSan: string[] }): void {
  const made = ensureLocalCerts(opts.certsDir, opts.serverSan);
  // An empty CRL from the start: etcd's --client-crl-file must name a file that exists.
  if (ensureCrl(opts.certsDir)) made.push(crlPath(opts.certsDir));
  for (const path of made) console.log(`created ${path}`);
  if (made.length === 0) console.log(`certificates in ${opts.certsDir} already exist; kept them`);
  console.log(
    `CA ${caPaths(opts.certsDir).cert}, etcd server ${serverPaths(opts.certsDir).cert}, clients in ${opts.certsDir}/clients/`,
  );
}

export function runCertsIssue(users: string[], opts: CertsOptions & { force: boolean }): void {
  ensureCa(opts.certsDir);
  for (const user of users) {
    const paths = clientPaths(opts.certsDir, user);
    const made = ensureClientCert(opts.certsDir, user, opts.force);
    console.log(`${made ? "created" : "kept existing"} ${paths.cert} and ${paths.key} (etcd user "${user}")`);
  }
}

export function runCertsRevoke(users: string[], opts: CertsOptions): void {
  for (const user of users) {
    const { serial } = revokeClientCert(opts.certsDir, user);
    console.log(`revoked the certificate of "${user}" (serial ${serial}) and deleted it`);
  }
  console.log(
    `CRL ${crlPath(opts.certsDir)} updated: etcd started with --client-crl-file ${crlPath(opts.certsDir)} refuses ` +
      "new connections with it at once; restart etcd members (or the node) to close connections already open. " +
      "Also remove the etcd user: fleetwatch ctl auth remove --nodes <node> (with the root certificate)",
  );
}

export async function runAuthSetup(opts: CommonOptions & { nodes: string[] }): Promise<void> {
  if (!opts.etcdCert) {
    throw new ValidationError(
      "ctl auth setup needs the root client certificate (--etcd-ca, --etcd-cert, --etcd-key): " +
        "fleetwatch authenticates with certificates, not passwords",
      "etcd-cert",
    );
  }
  const client = createEtcdClient({ endpoints: opts.etcd, tls: loadEtcdTls(opts) });
  try {
    for (const line of await setupAuth(client, opts.nodes)) console.log(line);
  } finally {
    client.close();
  }
}

export async function runAuthRemove(opts: CommonOptions & { nodes: string[] }): Promise<void> {
  if (opts.nodes.length === 0) throw new ValidationError("give the nodes to remove: --nodes a,b", "nodes");
  if (!opts.etcdCert) {
    throw new ValidationError(
      "ctl auth remove needs the root client certificate (--etcd-ca, --etcd-cert, --etcd-key)",
      "etcd-cert",
    );
  }
  const client = createEtcdClient({ endpoints: opts.etcd, tls: loadEtcdTls(opts) });
  try {
    for (const line of await removeNodeAuth(client, opts.nodes)) console.log(line);
  } finally {
    client.close();
  }
}
