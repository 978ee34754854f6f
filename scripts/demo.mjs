// `npm run demo [-- --etcd host:port]`: the lab's three terminals (etcd, server,
// agent) in one. The demo owns the terminal: your lines go to the server's console,
// Ctrl+C "crashes" the agent (the lab's failure scenario), a second Ctrl+C stops all.
//
// Node built-ins only (plus ./ensure-deps.mjs and ./build.mjs): it runs before `npm ci` has.
import { spawn, spawnSync } from "node:child_process";
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
} from "node:fs";
import { get } from "node:http";
import { hostname } from "node:os";
import { delimiter, join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { ensureBuild } from "./build.mjs";
import { ensureDeps, REPO_ROOT } from "./ensure-deps.mjs";

const BIN = join(REPO_ROOT, "bin", "fleetwatch");
const DATA_DIR = ".data";
const ETCD_DATA_DIR = join(DATA_DIR, "etcd");
const ETCD_LOG = join(DATA_DIR, "etcd.log");
/** A fresh single-member etcd answers /health in ~1 s; a locked data dir takes 12 s to explain itself. */
const ETCD_READY_TIMEOUT_MS = 20_000;
/** How long a child gets to exit after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5_000;
/** After `quit`, how long the server gets to leave by itself before it is sent SIGTERM. */
const QUIT_GRACE_MS = 2_000;
/**
 * Two SIGINTs this close together are one key press: without a TTY, Ctrl+C reaches
 * the demo from the terminal and again from `npm run`, which forwards it.
 */
const SIGNAL_DEBOUNCE_MS = 300;

const AGENT_PREFIX = "  agent │ ";
const DEMO_PREFIX = "  demo  │ ";
const say = (line) => process.stdout.write(`${DEMO_PREFIX}${line}\n`);
const sayError = (line) => process.stderr.write(`${DEMO_PREFIX}${line}\n`);

// ---------------------------------------------------------------------------------
// Pure helpers

/** `host:port` or `[v6]:port` (an http:// prefix is tolerated); undefined if malformed. */
function parseEndpoint(text) {
  const match = /^(?:https?:\/\/)?(\[[0-9a-fA-F:]+\]|[^:/\s[\]]+):(\d{1,5})$/.exec(text.trim());
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1].replace(/^\[(.*)\]$/, "$1"), port };
}

const isLoopback = (host) => host === "127.0.0.1" || host === "localhost" || host === "::1";
const formatEndpoint = ({ host, port }) => (host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`);

function findOnPath(name) {
  for (const dir of (process.env.PATH ?? "").split(delimiter).filter(Boolean)) {
    const path = join(dir, name);
    try {
      if (!statSync(path).isFile()) continue;
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

function logTail(path, lines = 15) {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines);
  } catch {
    return ["(no log written)"];
  }
}

// ---------------------------------------------------------------------------------
// etcd

function etcdIsHealthy({ host, port }, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const req = get({ host, port, path: "/health", timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () => {
        try {
          resolve(res.statusCode === 200 && JSON.parse(body).health === "true");
        } catch {
          resolve(false);
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(false));
  });
}

/** Makes sure an `etcd` binary exists, installing it with apt where that is ours to do. */
function ensureEtcdBinary() {
  if (findOnPath("etcd")) return;
  const canApt = process.getuid?.() === 0 && existsSync("/etc/debian_version") && findOnPath("apt-get");
  if (!canApt) {
    sayError("no `etcd` binary on PATH, and the demo needs one to start a local etcd. Install it:");
    sayError("  Debian/Ubuntu:  sudo apt-get install -y etcd-server");
    sayError("  macOS:          brew install etcd");
    sayError("  anywhere:       a release tarball from https://github.com/etcd-io/etcd/releases");
    sayError("or point the demo at a running etcd:  npm run demo -- --etcd host:port");
    process.exit(1);
  }
  say("no `etcd` on PATH; installing the Debian package etcd-server (apt-get update && apt-get install)");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update"], ["install", "-y", "etcd-server"]]) {
    const result = spawnSync("apt-get", args, { stdio: "inherit", env });
    if (result.status !== 0) {
      sayError(
        `apt-get ${args.join(" ")} failed (exit ${result.status ?? result.signal}); install etcd by hand`,
      );
      process.exit(1);
    }
  }
  if (!findOnPath("etcd")) {
    sayError("etcd-server is installed but `etcd` is still not on PATH; check `dpkg -L etcd-server`");
    process.exit(1);
  }
}

// ---------------------------------------------------------------------------------
// Children. Each runs in its own process group (detached) so that a terminal
// Ctrl+C without a TTY reaches only the demo, which decides what it means, and so
// that one kill reaches a child's own children (fleetwatch etcd → etcd).

/** @type {Map<string, import("node:child_process").ChildProcess>} */
const running = new Map();

function start(name, args, stdio) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, stdio, detached: true });
  running.set(name, child);
  child.on("exit", () => {
    if (running.get(name) === child) running.delete(name);
  });
  child.on("error", (err) => sayError(`could not start ${name}: ${err.message}`));
  return child;
}

function signalGroup(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

function exited(child, timeoutMs) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM, then SIGKILL if it has not gone after STOP_GRACE_MS. */
async function stopChild(child, signal = "SIGTERM") {
  signalGroup(child, signal);
  if (!(await exited(child, STOP_GRACE_MS))) {
    signalGroup(child, "SIGKILL");
    await exited(child, 1000);
  }
}

// Whatever ends the demo (an exception included), no child outlives it.
process.on("exit", () => {
  for (const child of running.values()) signalGroup(child, "SIGTERM");
});

/**
 * What SIGINT/SIGTERM/SIGHUP do. Until the demo owns the terminal (while etcd starts)
 * they just end it; the "exit" handler above takes etcd down with it. A signal's
 * default action would skip that handler and leave etcd running.
 */
let onSignal = (signal) => {
  sayError(`${signal} while starting; stopping`);
  process.exit(1);
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => onSignal(signal));

async function startLocalEtcd(endpoint) {
  ensureEtcdBinary();
  mkdirSync(join(REPO_ROOT, DATA_DIR), { recursive: true });
  const logPath = join(REPO_ROOT, ETCD_LOG);
  const log = openSync(logPath, "w");
  // peer port = client + 1 (2379 → 2380, etcd's own pair), so a second demo on another
  // client port does not collide with the first one's peer port.
  const peerPort = endpoint.port < 65535 ? endpoint.port + 1 : endpoint.port - 1;
  // etcd resolves "localhost" on its own; binding the address Node will dial avoids surprises.
  const host = endpoint.host === "localhost" ? "127.0.0.1" : endpoint.host;
  const args = ["etcd", "--host", host, "--port", String(endpoint.port), "--peer-port", String(peerPort)];
  const etcd = start("etcd", [...args, "--data-dir", ETCD_DATA_DIR], ["ignore", log, log]);
  closeSync(log);
  say(`starting etcd on ${formatEndpoint(endpoint)} (data in ${ETCD_DATA_DIR}, log in ${ETCD_LOG}) …`);

  const deadline = Date.now() + ETCD_READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await etcdIsHealthy(endpoint)) return etcd;
    if (etcd.exitCode !== null || etcd.signalCode !== null) break;
    await sleep(250);
  }
  const why =
    etcd.exitCode !== null || etcd.signalCode !== null
      ? `etcd exited (${etcd.exitCode ?? etcd.signalCode})`
      : `etcd did not become healthy within ${ETCD_READY_TIMEOUT_MS / 1000} s`;
  await stopChild(etcd);
  sayError(`${why}. Last lines of ${ETCD_LOG}:`);
  for (const line of logTail(logPath)) sayError(`    ${line}`);
  sayError(`(to use another port: npm run demo -- --etcd 127.0.0.1:<port>)`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------
// main

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: { etcd: { type: "string", default: "127.0.0.1:2379" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (err) {
    sayError(`${err.message}\nusage: npm run demo [-- --etcd host:port]`);
    process.exit(2);
  }
  if (values.help) {
    console.log("usage: npm run demo [-- --etcd host:port[,host:port...]]   (default 127.0.0.1:2379)");
    console.log(
      "Starts etcd (unless one answers there), the server and an agent; see the banner for what to try.",
    );
    return;
  }
  const endpointsText = values.etcd;
  const endpoints = endpointsText.split(",").map(parseEndpoint);
  if (endpoints.length === 0 || endpoints.some((e) => e === undefined)) {
    sayError(`--etcd "${endpointsText}" is not host:port[,host:port...] (example: 127.0.0.1:2379)`);
    process.exit(2);
  }

  try {
    ensureDeps({ log: say });
    ensureBuild({ log: say });
  } catch (err) {
    sayError(err.message);
    process.exit(1);
  }

  // c. Use a running etcd as it is; start one only for a single local endpoint.
  let etcdNote = "already running; the demo leaves it alone";
  const answering = await Promise.all(endpoints.map((e) => etcdIsHealthy(e)));
  if (!answering.some(Boolean)) {
    const [first] = endpoints;
    if (endpoints.length > 1 || !isLoopback(first.host)) {
      sayError(`no etcd answers at ${endpointsText}; start it first (the demo only starts a local one)`);
      process.exit(1);
    }
    await startLocalEtcd(first);
    etcdNote = `started by the demo, log in ${ETCD_LOG}`;
  }

  const node = hostname();
  printBanner({ endpoint: endpointsText, node, etcdNote });

  // d. The server: its console reads our stdin pipe, its output is the terminal's.
  const server = start("server", ["server", "--etcd", endpointsText], ["pipe", "inherit", "inherit"]);
  server.stdin.on("error", () => {
    // EPIPE while the server exits; its exit handler below says what happened.
  });

  let shuttingDown = false;

  // e. The agent, prefixed so its lines stand apart from the server's.
  let agent;
  let agentStopping = false;
  const startAgent = () => {
    agentStopping = false;
    agent = start("agent", ["agent", "--etcd", endpointsText], ["ignore", "pipe", "pipe"]);
    for (const [stream, out] of [
      [agent.stdout, process.stdout],
      [agent.stderr, process.stderr],
    ]) {
      createInterface({ input: stream }).on("line", (line) => out.write(`${AGENT_PREFIX}${line}\n`));
    }
    const me = agent;
    me.on("exit", (code, signal) => {
      if (shuttingDown) return;
      if (agentStopping) say(`agent stopped (${signal ?? `exit ${code}`})`);
      else say(`agent exited by itself (${signal ?? `exit ${code}`}); type \`agent\` to start it again`);
    });
  };
  const agentRunning = () => agent !== undefined && running.get("agent") === agent && !agentStopping;
  startAgent();

  // f. The terminal belongs to the demo.
  const tty = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: tty });

  const shutdown = async (reason, code = 0, { serverGraceMs = 0 } = {}) => {
    if (shuttingDown) {
      // Asked again while stopping: stop waiting.
      for (const child of running.values()) signalGroup(child, "SIGKILL");
      process.exit(code);
    }
    shuttingDown = true;
    const names = ["server", "agent", "etcd"].filter((name) => running.has(name));
    say(`${reason}; stopping ${names.join(", ") || "nothing left"} …`);
    rl.close();
    if (serverGraceMs > 0) await exited(server, serverGraceMs);
    // Server and agent first, so neither reports etcd vanishing under it.
    await Promise.all([stopChild(server), agent ? stopChild(agent) : undefined]);
    const etcd = running.get("etcd");
    if (etcd) await stopChild(etcd);
    say("all stopped");
    process.exit(code);
  };

  server.on("exit", (code, signal) => {
    if (shuttingDown) return;
    const failed = code !== 0;
    void shutdown(`server exited (${signal ?? `exit ${code}`})`, failed ? 1 : 0);
  });

  // g. Ctrl+C: crash the agent if it runs (the lab's failure scenario), else stop everything.
  let lastCtrlC = 0;
  const onCtrlC = () => {
    const now = Date.now();
    if (now - lastCtrlC < SIGNAL_DEBOUNCE_MS) return;
    lastCtrlC = now;
    if (shuttingDown || !agentRunning()) {
      void shutdown("Ctrl+C");
      return;
    }
    agentStopping = true;
    const crashed = agent;
    // SIGINT without --leave-on-exit: the agent stops renewing but does not revoke.
    signalGroup(crashed, "SIGINT");
    say(`agent stopped with SIGINT, lease not revoked: the server should report ${node} DEAD within ~5 s.`);
    say("type `agent` to start it again; Ctrl+C again stops everything.");
    // A stuck agent would keep its lease alive and spoil the demonstration.
    void exited(crashed, 3000).then((gone) => {
      if (!gone) {
        say("agent did not exit within 3 s; killing it");
        signalGroup(crashed, "SIGKILL");
      }
    });
  };
  // In a TTY readline holds the terminal in raw mode, so Ctrl+C arrives as a key on
  // the interface; without one (stdin redirected) it arrives as a signal.
  rl.on("SIGINT", onCtrlC);
  onSignal = (signal) => {
    if (signal === "SIGINT") onCtrlC();
    else void shutdown(signal === "SIGHUP" ? "terminal closed" : signal);
  };

  rl.on("line", (line) => {
    const command = line.trim();
    if (command === "agent") {
      if (agentRunning()) say("the agent is already running (Ctrl+C stops it)");
      else if (running.has("agent")) say("the agent is still stopping; try again in a moment");
      else {
        say("starting the agent again");
        startAgent();
      }
      return;
    }
    if (command === "help") {
      say(
        "demo: `agent` starts the agent again; Ctrl+C crashes the agent, or stops everything when it is down",
      );
    }
    if (!server.stdin.writable) return;
    if (command === "quit") {
      server.stdin.end("quit\n");
      void shutdown("quit", 0, { serverGraceMs: QUIT_GRACE_MS });
      return;
    }
    server.stdin.write(`${line}\n`);
  });
  // End of input: Ctrl+D at a terminal means "stop"; without a TTY (stdin redirected)
  // the demo keeps running until a signal.
  rl.on("close", () => {
    if (tty && !shuttingDown) void shutdown("end of input");
  });
}

function printBanner({ endpoint, node, etcdNote }) {
  const lines = [
    "",
    "fleetwatch demo: the lab's three terminals in one",
    `  etcd    ${endpoint}  (${etcdNote})`,
    `  server  bin/fleetwatch server --etcd ${endpoint}   output unprefixed; what you type goes to its console`,
    `  agent   bin/fleetwatch agent --etcd ${endpoint}    node "${node}", output prefixed "${AGENT_PREFIX.trim()}"`,
    "Try:",
    `  1. watch the server print  [+] Node ${node} is ALIVE`,
    `  2. type  update ${node} 2   and see the agent switch to a 2 s interval at once`,
    `  3. press Ctrl+C: the agent crashes (lease not revoked); ~5 s later the server prints`,
    `     [-] Node ${node} is DEAD (TTL expired).  Type  agent  to start it again.`,
    "  Ctrl+C while the agent is down, or  quit , stops everything.",
    "",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((err) => {
  sayError(`demo failed: ${err?.stack ?? err}`);
  process.exit(1);
});
