// `fleetwatch etcd`: a single-member etcd in the foreground, for demos and laptops.
// etcd's own log goes to our stderr, filtered to warnings and errors (it prints ~60
// info lines per start); our one "ready" line goes to stdout once /health answers.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { MANAGER_USER, ROOT_USER } from "../security/certs.ts";
import { advisoryLines } from "../security/etcd-advisories.ts";
import { errorMessage } from "../shared/errors.ts";
import { bareHost, bindHostProblem, buildEtcdArgs, hostPort, reachableHost } from "./etcd-args.ts";
import { findOnPath } from "./find-binary.ts";
import { etcdIsHealthy } from "./health.ts";
import { LineTail } from "./line-tail.ts";
import {
  exitCodeFor,
  installHint,
  interpretEtcdLog,
  isWorthShowing,
  type PortRole,
  portProblemMessage,
  readableLogLine,
} from "./messages.ts";
import { listenProblem } from "./port-check.ts";
import {
  clientFlags,
  etcdIsHealthyTls,
  etcdServerVersionTls,
  prepareLocalTls,
  withClientTls,
} from "./tls.ts";

export interface LocalEtcdOptions {
  port: number;
  peerPort: number;
  dataDir: string;
  host: string;
  /** Client TLS with client-certificate auth, certificates in `certsDir` (src/local-etcd/tls.ts). */
  tls?: boolean;
  certsDir?: string;
}

/** Poll /health this often while etcd starts; a fresh member is ready in ~1 s. */
const READY_POLL_MS = 200;
/**
 * After this long without /health, say what etcd's log suggests (it keeps waiting).
 * Longer than etcd's own 10 s before it logs that the data dir is locked.
 */
const SLOW_START_MS = 12_000;
/** Passed on to etcd; a second one while etcd is stopping means "now" and becomes SIGKILL. */
const FORWARDED_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

function fail(message: string): number {
  console.error(`fleetwatch etcd: ${message}`);
  return 1;
}

/** Runs etcd in the foreground; resolves with the process exit code. */
export async function runLocalEtcd(opts: LocalEtcdOptions): Promise<number> {
  const hostProblem = bindHostProblem(opts.host);
  if (hostProblem) return fail(hostProblem);
  if (opts.port === opts.peerPort)
    return fail(`--port and --peer-port are both ${opts.port}; they must differ`);

  const etcdPath = findOnPath("etcd", process.env.PATH);
  if (!etcdPath) return fail(installHint(process.platform));

  const ports: Array<[PortRole, number]> = [
    ["client", opts.port],
    ["peer", opts.peerPort],
  ];
  for (const [role, port] of ports) {
    const code = await listenProblem(bareHost(opts.host), port);
    if (code === undefined) continue;
    const etcdAnswers =
      role === "client" && code === "EADDRINUSE" && (await etcdIsHealthy(reachableHost(opts.host), port));
    return fail(portProblemMessage({ role, host: opts.host, port, code, etcdAnswers }));
  }

  try {
    // 0700: etcd warns about (and the data deserves) a directory others cannot read.
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    return fail(
      `cannot create the data dir ${opts.dataDir} (${errorMessage(err)}); choose another with --data-dir`,
    );
  }

  let args = buildEtcdArgs({ ...opts, dataDir: resolve(opts.dataDir) });
  const certsDir = opts.tls ? resolve(opts.certsDir ?? ".data/certs") : undefined;
  if (certsDir) {
    try {
      for (const path of prepareLocalTls(certsDir, opts.host).created) console.log(`created ${path}`);
    } catch (err) {
      return fail(errorMessage(err));
    }
    args = withClientTls(args, certsDir);
  }
  return supervise(spawn(etcdPath, args, { stdio: ["ignore", "inherit", "pipe"] }), { ...opts, certsDir });
}

async function supervise(child: ChildProcess, opts: LocalEtcdOptions): Promise<number> {
  const tail = new LineTail();
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    for (const line of tail.push(chunk))
      if (isWorthShowing(line)) process.stderr.write(`etcd ${readableLogLine(line)}\n`);
  });

  let stopRequested = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(stopRequested ? "SIGKILL" : signal);
    stopRequested = true;
  };
  // If this process dies for any other reason, etcd must not outlive it.
  const onExit = () => child.kill("SIGKILL");
  for (const signal of FORWARDED_SIGNALS) process.on(signal, onSignal);
  process.on("exit", onExit);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null } | { error: Error }>(
    (done) => {
      child.once("error", (error) => done({ error }));
      child.once("exit", (code, signal) => done({ code, signal }));
    },
  );
  let finished = false;
  void exited.then(() => {
    finished = true;
  });

  void announceWhenReady(opts, tail, () => finished || stopRequested);

  const result = await exited;
  for (const signal of FORWARDED_SIGNALS) process.off(signal, onSignal);
  process.off("exit", onExit);

  if ("error" in result) return fail(`could not start etcd: ${result.error.message}`);
  const code = exitCodeFor(result.code, result.signal, stopRequested);
  if (!stopRequested || code !== 0) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.code}`;
    const hint = interpretEtcdLog(tail.snapshot(), opts.dataDir);
    console.error(`fleetwatch etcd: etcd ${how}${hint ? `: ${hint}` : ""}`);
  }
  return code;
}

async function announceWhenReady(opts: LocalEtcdOptions, tail: LineTail, gone: () => boolean) {
  const probeHost = reachableHost(opts.host);
  const started = Date.now();
  let warned = false;
  while (!gone()) {
    const healthy =
      opts.tls && opts.certsDir
        ? await etcdIsHealthyTls(probeHost, opts.port, opts.certsDir, 1000)
        : await etcdIsHealthy(probeHost, opts.port, 1000);
    if (healthy) {
      if (gone()) return;
      if (opts.tls && opts.certsDir) {
        console.log(
          `etcd ready on https://${hostPort(opts.host, opts.port)} with client-certificate auth (data in ${opts.dataDir}; Ctrl+C stops it)\n` +
            `  connect as root:    ${clientFlags(opts.certsDir, ROOT_USER)}\n` +
            `  connect as manager: ${clientFlags(opts.certsDir, MANAGER_USER)}\n` +
            "  node certificates:  fleetwatch ctl certs issue <node>; roles: fleetwatch ctl auth setup --nodes <a,b>",
        );
        // Client certificates promise per-node limits; say which ones this etcd breaks.
        const version = await etcdServerVersionTls(probeHost, opts.port, opts.certsDir);
        for (const line of version ? advisoryLines(version) : []) console.log(line);
        return;
      }
      console.log(
        `etcd ready on ${hostPort(opts.host, opts.port)} (data in ${opts.dataDir}, peer port ${opts.peerPort}; Ctrl+C stops it)`,
      );
      return;
    }
    if (!warned && Date.now() - started > SLOW_START_MS) {
      warned = true;
      const hint = interpretEtcdLog(tail.snapshot(), opts.dataDir);
      console.error(
        `fleetwatch etcd: etcd is not ready after ${SLOW_START_MS / 1000} s${hint ? `: ${hint}` : "; still waiting"}`,
      );
    }
    await sleep(READY_POLL_MS);
  }
}
