// Real etcd for integration tests: 1 or 3 members on free loopback ports, each in its own data
// folder under one fresh temp folder, with fast raft timings so elections take well under a second.
// Never a mock: the behaviour under test (lease expiry, watch compaction, failover) is etcd's own.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, closeSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compactAt, isHealthy, memberStatus } from "./etcd-http.ts";
import { freePort } from "./free-port.ts";
import { trackChild, trackFolder, untrackFolder } from "./reaper.ts";
import { waitFor, waitForValue } from "./wait.ts";

export interface StartEtcdOptions {
  members: 1 | 3;
  /** Raft heartbeat interval. 50 ms (etcd default 100) so failover in tests is fast. */
  tickMs?: number;
  /** Raft election timeout. 500 ms (etcd default 1000): 10 heartbeats, as etcd recommends. */
  electionMs?: number;
  /** Bound on waiting for every member to be healthy, per start attempt. */
  startTimeoutMs?: number;
  /** Extra etcd flags given to every member (e.g. auth or quota settings a test needs). */
  extraArgs?: string[];
}

export interface EtcdMember {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
  /** "127.0.0.1:<clientPort>", the format of fleetwatch's --etcd flag. */
  readonly endpoint: string;
  /** "http://127.0.0.1:<clientPort>", the format of the etcd3 client's `hosts`. */
  readonly url: string;
  readonly dataDir: string;
  readonly logFile: string;
  /** Pid of the current process, undefined when the member is not running. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Sends `signal` and resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the member again with the same data folder; resolves when it is healthy. */
  start(timeoutMs?: number): Promise<void>;
  /** Graceful stop: SIGTERM, SIGKILL if it has not exited after 3 s. */
  stop(): Promise<void>;
  /** Resolves when GET /health answers {"health":"true"}; rejects early if the process dies. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** The last lines of the member's log, for failure messages. */
  logTail(lines?: number): string;
}

export interface EtcdCluster {
  /** Comma-separated host:port list, the format of fleetwatch's --etcd flag. */
  readonly endpoints: string;
  /** http:// URLs of all members, the format of the etcd3 client's `hosts`. */
  readonly hosts: string[];
  readonly members: EtcdMember[];
  /** The temp folder holding every member's data folder and log. */
  readonly dir: string;
  /** The running member that reports itself leader; waits (bounded) through an election. */
  leader(timeoutMs?: number): Promise<EtcdMember>;
  /** Compacts history at `revision` (default: the current revision); returns the revision used. */
  compact(revision?: number): Promise<number>;
  /** Kills every member and removes the temp folder. Safe to call twice. */
  stop(): Promise<void>;
}

const DEFAULT_TICK_MS = 50;
const DEFAULT_ELECTION_MS = 500;
const DEFAULT_START_TIMEOUT_MS = 20_000;
/** A port handed out by freePort can be taken by someone else before etcd binds it. */
const START_ATTEMPTS = 3;
const STOP_GRACE_MS = 3000;
const LOG_TAIL_LINES = 40;

export async function startEtcd(options: StartEtcdOptions): Promise<EtcdCluster> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const cluster = await createCluster(options);
    try {
      await Promise.all(
        cluster.members.map((m) => m.start(options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS)),
      );
      return cluster;
    } catch (error) {
      lastError = error;
      const portTaken = cluster.members.some((m) => m.logTail(200).includes("address already in use"));
      await cluster.stop();
      if (!portTaken) throw error;
    }
  }
  throw new Error(`startEtcd: ports kept being taken, gave up after ${START_ATTEMPTS} attempts`, {
    cause: lastError,
  });
}

async function createCluster(options: StartEtcdOptions): Promise<Cluster> {
  const dir = await mkdtemp(join(tmpdir(), "fleetwatch-etcd-"));
  trackFolder(dir);
  const token = `fleetwatch-test-${randomBytes(6).toString("hex")}`;
  const specs: { name: string; clientPort: number; peerPort: number }[] = [];
  for (let i = 0; i < options.members; i++) {
    specs.push({ name: `m${i}`, clientPort: await freePort(), peerPort: await freePort() });
  }
  const initialCluster = specs.map((s) => `${s.name}=http://127.0.0.1:${s.peerPort}`).join(",");
  const members = specs.map((spec) => {
    const clientUrl = `http://127.0.0.1:${spec.clientPort}`;
    const peerUrl = `http://127.0.0.1:${spec.peerPort}`;
    const dataDir = join(dir, `${spec.name}.etcd`);
    // The initial-cluster flags are ignored once the data folder exists, so a restart can reuse
    // the very same argument list.
    const args = [
      ["--name", spec.name],
      ["--data-dir", dataDir],
      ["--listen-client-urls", clientUrl],
      ["--advertise-client-urls", clientUrl],
      ["--listen-peer-urls", peerUrl],
      ["--initial-advertise-peer-urls", peerUrl],
      ["--initial-cluster", initialCluster],
      ["--initial-cluster-token", token],
      ["--initial-cluster-state", "new"],
      ["--heartbeat-interval", String(options.tickMs ?? DEFAULT_TICK_MS)],
      ["--election-timeout", String(options.electionMs ?? DEFAULT_ELECTION_MS)],
      // zap to stderr: one JSON line per event, readable in the log tail of a failure message.
      ["--logger", "zap"],
      ["--log-outputs", "stderr"],
    ].flat();
    return new Member(spec.name, spec.clientPort, spec.peerPort, dataDir, join(dir, `${spec.name}.log`), [
      ...args,
      ...(options.extraArgs ?? []),
    ]);
  });
  return new Cluster(dir, members);
}

class Cluster implements EtcdCluster {
  readonly endpoints: string;
  readonly hosts: string[];
  private stopped = false;

  constructor(
    readonly dir: string,
    readonly members: Member[],
  ) {
    this.endpoints = members.map((m) => m.endpoint).join(",");
    this.hosts = members.map((m) => m.url);
  }

  async leader(timeoutMs = 10_000): Promise<EtcdMember> {
    return waitForValue(
      async () => {
        const running = this.members.filter((m) => m.running);
        const answers = await Promise.allSettled(running.map((m) => memberStatus(m.clientPort)));
        let best: { member: Member; term: bigint } | undefined;
        answers.forEach((answer, i) => {
          if (answer.status !== "fulfilled") return;
          const { memberId, leader, raftTerm } = answer.value;
          // A member that lost contact may still believe in an old leader; only a member that
          // says it is the leader itself counts, and the newest term wins.
          if (memberId !== leader) return;
          if (best === undefined || raftTerm > best.term)
            best = { member: running[i] as Member, term: raftTerm };
        });
        return best?.member;
      },
      { timeoutMs, intervalMs: 50, message: "an etcd member that reports itself leader" },
    );
  }

  async compact(revision?: number): Promise<number> {
    const member = this.members.find((m) => m.running);
    if (!member) throw new Error("compact: no etcd member is running");
    const target = revision ?? (await memberStatus(member.clientPort)).revision;
    await compactAt(member.clientPort, target);
    return target;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // SIGKILL: the data is thrown away, so a graceful shutdown would only cost time.
    await Promise.all(this.members.map((m) => m.kill("SIGKILL")));
    untrackFolder(this.dir);
    // FLEETWATCH_KEEP_ETCD=1 leaves the data and logs behind for a post-mortem.
    if (process.env.FLEETWATCH_KEEP_ETCD === "1") return;
    await rm(this.dir, { recursive: true, force: true });
  }
}

class Member implements EtcdMember {
  readonly endpoint: string;
  readonly url: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private starts = 0;

  constructor(
    readonly name: string,
    readonly clientPort: number,
    readonly peerPort: number,
    readonly dataDir: string,
    readonly logFile: string,
    private readonly args: string[],
  ) {
    this.endpoint = `127.0.0.1:${clientPort}`;
    this.url = `http://${this.endpoint}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(timeoutMs = DEFAULT_START_TIMEOUT_MS): Promise<void> {
    if (this.child) throw new Error(`etcd ${this.name} is already running (pid ${this.child.pid})`);
    this.starts++;
    appendFileSync(
      this.logFile,
      `=== harness: start #${this.starts} of ${this.name} at ${new Date().toISOString()}\n`,
    );
    // The log file is the child's stdout/stderr directly: no pipe for us to drain, and the log
    // survives the process for post-mortems.
    const fd = openSync(this.logFile, "a");
    let child: ChildProcess;
    try {
      child = spawn("etcd", this.args, { stdio: ["ignore", fd, fd], env: etcdEnv() });
    } finally {
      closeSync(fd);
    }
    trackChild(child);
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once("exit", () => {
        if (this.child === child) this.child = undefined;
        resolve();
      });
      child.once("error", (error) => {
        appendFileSync(this.logFile, `=== harness: spawn failed: ${error.message}\n`);
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    await this.waitHealthy(timeoutMs);
  }

  async waitHealthy(timeoutMs = DEFAULT_START_TIMEOUT_MS): Promise<void> {
    const child = this.child;
    if (!child) throw new Error(`etcd ${this.name} is not running\n${this.logTail()}`);
    // Stop polling the moment the process dies (bad flag, port taken) instead of at the timeout.
    const died = new AbortController();
    void this.exited.then(() => died.abort(new Error("process exited")));
    try {
      await waitFor(() => isHealthy(this.clientPort), {
        timeoutMs,
        intervalMs: 50,
        message: `etcd ${this.name} (${this.endpoint}) to answer /health`,
        signal: died.signal,
      });
    } catch (error) {
      const how = died.signal.aborted
        ? `exited (code ${child.exitCode}, signal ${child.signalCode}) before it was healthy`
        : `was not healthy within ${timeoutMs} ms`;
      throw new Error(
        `etcd ${this.name} (${this.endpoint}) ${how}; log ${this.logFile}:\n${this.logTail()}`,
        {
          cause: error,
        },
      );
    }
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill(signal);
    await this.exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  logTail(lines = LOG_TAIL_LINES): string {
    try {
      return readFileSync(this.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log written)";
    }
  }
}

/** etcd reads ETCD_* variables as flags; a developer's shell settings must not leak into tests. */
function etcdEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("ETCD_")));
}
