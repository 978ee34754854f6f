// A single-member etcd serving clients over TLS with client-certificate auth, for the
// security tests. Certificates are made in its temp folder by src/security/certs.ts, the
// same code `fleetwatch etcd --tls` and `fleetwatch ctl certs` use, so the test exercises
// the product's certificates rather than fixtures.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { etcdIsHealthyTls } from "../../../src/local-etcd/tls.ts";
import {
  caPaths,
  clientPaths,
  ensureClientCert,
  ensureLocalCerts,
  serverPaths,
} from "../../../src/security/certs.ts";
import { freePort } from "./free-port.ts";
import { trackChild, trackFolder, untrackFolder } from "./reaper.ts";
import { waitFor } from "./wait.ts";

export interface TlsEtcd {
  /** "127.0.0.1:<port>", the format of fleetwatch's --etcd flag. */
  readonly endpoint: string;
  readonly certsDir: string;
  /** fleetwatch flags to connect as `user` (a client certificate made on demand). */
  flagsFor(user: string): string[];
  /** The PEM material for the etcd3 client as `user`. */
  tlsFor(user: string): { ca: Buffer; cert: Buffer; key: Buffer };
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

export async function startTlsEtcd(timeoutMs = 20_000): Promise<TlsEtcd> {
  const dir = await mkdtemp(join(tmpdir(), "fleetwatch-etcd-tls-"));
  trackFolder(dir);
  const certsDir = join(dir, "certs");
  ensureLocalCerts(certsDir);
  const clientPort = await freePort();
  const peerPort = await freePort();
  const clientUrl = `https://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const server = serverPaths(certsDir);
  const logFile = join(dir, "etcd.log");
  const fd = openSync(logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(
      "etcd",
      [
        ["--name", "tls0"],
        ["--data-dir", join(dir, "data")],
        ["--listen-client-urls", clientUrl],
        ["--advertise-client-urls", clientUrl],
        ["--listen-peer-urls", peerUrl],
        ["--initial-advertise-peer-urls", peerUrl],
        ["--initial-cluster", `tls0=${peerUrl}`],
        ["--client-cert-auth"],
        ["--trusted-ca-file", caPaths(certsDir).cert],
        ["--cert-file", server.cert],
        ["--key-file", server.key],
        ["--heartbeat-interval", "50"],
        ["--election-timeout", "500"],
        ["--logger", "zap"],
        ["--log-outputs", "stderr"],
      ].flat(),
      {
        stdio: ["ignore", fd, fd],
        env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("ETCD_"))),
      },
    );
  } finally {
    closeSync(fd);
  }
  trackChild(child);
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.once("error", () => resolve());
  });
  const logTail = (lines = 40) => {
    try {
      return readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log written)";
    }
  };
  const died = new AbortController();
  void exited.then(() => died.abort(new Error("etcd exited")));
  try {
    await waitFor(() => etcdIsHealthyTls("127.0.0.1", clientPort, certsDir), {
      timeoutMs,
      intervalMs: 100,
      message: `TLS etcd on 127.0.0.1:${clientPort} to answer /health`,
      signal: died.signal,
    });
  } catch (error) {
    child.kill("SIGKILL");
    await exited;
    throw new Error(`TLS etcd did not become healthy:\n${logTail()}`, { cause: error });
  }

  let stopped = false;
  return {
    endpoint: `127.0.0.1:${clientPort}`,
    certsDir,
    flagsFor(user) {
      ensureClientCert(certsDir, user);
      const c = clientPaths(certsDir, user);
      return ["--etcd-ca", caPaths(certsDir).cert, "--etcd-cert", c.cert, "--etcd-key", c.key];
    },
    tlsFor(user) {
      ensureClientCert(certsDir, user);
      const c = clientPaths(certsDir, user);
      return {
        ca: readFileSync(caPaths(certsDir).cert),
        cert: readFileSync(c.cert),
        key: readFileSync(c.key),
      };
    },
    logTail,
    async stop() {
      if (stopped) return;
      stopped = true;
      child.kill("SIGKILL");
      await exited;
      untrackFolder(dir);
      if (process.env.FLEETWATCH_KEEP_ETCD !== "1") await rm(dir, { recursive: true, force: true });
    },
  };
}
