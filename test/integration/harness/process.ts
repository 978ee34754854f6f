// Child processes under test (fleetwatch server/agent, or any command) with their output kept as
// lines, so a test can await "the line that says X" instead of sleeping and hoping.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { trackChild } from "./reaper.ts";

/** Repo root from this file's location (test/integration/harness/), so checkouts can live anywhere. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const FLEETWATCH_BIN = resolve(REPO_ROOT, "bin/fleetwatch");

// bin/fleetwatch runs the compiled dist/: build it first when src/ changed since (a test
// file run on its own right after an edit), so tests always exercise this checkout's code.
const build = spawnSync(process.execPath, [resolve(REPO_ROOT, "scripts/build.mjs"), "--if-stale"], {
  cwd: REPO_ROOT,
  stdio: ["ignore", "inherit", "inherit"],
});
if (build.status !== 0)
  throw new Error(`scripts/build.mjs --if-stale failed (exit ${build.status ?? build.signal})`);

export type Stream = "stdout" | "stderr";

export interface SpawnOptions {
  /** Added to (and overriding) the test process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Shown in error messages; defaults to the command. */
  name?: string;
  cwd?: string;
}

export interface WaitForLineOptions {
  timeoutMs?: number;
  /** Index into the stream's lines to start searching at, e.g. a previous match's index + 1. */
  after?: number;
  /** Which output to search; stdout by default (the console lines meant for humans). */
  stream?: Stream;
}

export interface LineMatch {
  line: string;
  index: number;
  /** Date.now() when the line was received. */
  at: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const DEFAULT_WAIT_MS = 10_000;
const STOP_GRACE_MS = 3000;
const TAIL_LINES = 30;

export class ManagedProcess {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  /** Date.now() at which each line of stdout / stderr arrived, parallel to the arrays above. */
  readonly stdoutAt: number[] = [];
  readonly stderrAt: number[] = [];
  /** Resolves once the process has exited and all of its output has been read. */
  readonly exited: Promise<Exit>;
  readonly name: string;
  private exit: Exit | undefined;
  private readonly lineListeners = new Set<() => void>();
  private readonly child: ChildProcess;

  constructor(command: string, args: string[], options: SpawnOptions = {}) {
    this.name = options.name ?? command;
    this.child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    trackChild(this.child);
    this.collect("stdout");
    this.collect("stderr");
    // Writing to a process that has exited must not crash the test run with EPIPE.
    this.child.stdin?.on("error", () => {});
    this.exited = new Promise((resolveExit) => {
      // 'close' rather than 'exit': it comes after the last output line has been read.
      this.child.once("close", (code, signal) => {
        this.exit = { code, signal };
        this.notify();
        resolveExit(this.exit);
      });
      this.child.once("error", (error) => {
        this.stderr.push(`[harness] spawn failed: ${error.message}`);
        this.stderrAt.push(Date.now());
        this.exit = { code: null, signal: null };
        this.notify();
        resolveExit(this.exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** undefined while running. */
  get exitStatus(): Exit | undefined {
    return this.exit;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /**
   * Resolves with the first line at index >= `after` that matches; rejects on timeout or when the
   * process exits without printing one. Both errors carry the last lines of stdout and stderr.
   */
  waitForLine(pattern: RegExp | string, options: WaitForLineOptions = {}): Promise<LineMatch> {
    const { timeoutMs = DEFAULT_WAIT_MS, after = 0, stream = "stdout" } = options;
    const lines = this[stream];
    const times = stream === "stdout" ? this.stdoutAt : this.stderrAt;
    return new Promise((resolvePromise, reject) => {
      let next = after;
      const finish = (error?: Error, match?: LineMatch) => {
        clearTimeout(timer);
        this.lineListeners.delete(check);
        if (error) reject(error);
        else resolvePromise(match as LineMatch);
      };
      const check = () => {
        for (; next < lines.length; next++) {
          const line = lines[next] as string;
          if (matches(pattern, line)) {
            finish(undefined, { line, index: next, at: times[next] as number });
            return;
          }
        }
        if (this.exit) {
          const how = `exited (code ${this.exit.code}, signal ${this.exit.signal})`;
          finish(this.failure(`${how} before printing a ${stream} line matching ${pattern}`));
        }
      };
      const timer = setTimeout(
        () => finish(this.failure(`printed no ${stream} line matching ${pattern} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.lineListeners.add(check);
      check();
    });
  }

  /** Number of lines matching `pattern` so far. */
  count(pattern: RegExp | string, stream: Stream = "stdout"): number {
    return this[stream].filter((line) => matches(pattern, line)).length;
  }

  /** Writes one line to the process's stdin (e.g. a console command). */
  write(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  kill(signal: NodeJS.Signals = "SIGTERM"): boolean {
    return this.running && this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if the process has not exited after 3 s. */
  async stop(graceMs = STOP_GRACE_MS): Promise<Exit> {
    if (!this.running) return this.exited;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  /** The last lines of both streams, for failure messages. */
  tail(lines = TAIL_LINES): string {
    const section = (stream: Stream) => {
      const all = this[stream];
      const shown = all.slice(-lines);
      const skipped = all.length - shown.length;
      return [`--- ${stream} (${all.length} lines${skipped > 0 ? `, last ${shown.length}` : ""})`, ...shown];
    };
    return [...section("stdout"), ...section("stderr")].join("\n");
  }

  private failure(what: string): Error {
    return new Error(`${this.name} (pid ${this.pid}) ${what}\n${this.tail()}`);
  }

  private collect(stream: Stream): void {
    const source = this.child[stream];
    if (!source) return;
    source.setEncoding("utf8");
    let partial = "";
    source.on("data", (text: string) => {
      const parts = (partial + text).split("\n");
      partial = parts.pop() ?? "";
      for (const part of parts) this.addLine(stream, part);
    });
    source.on("end", () => {
      if (partial.length > 0) this.addLine(stream, partial);
      partial = "";
    });
  }

  private addLine(stream: Stream, line: string): void {
    this[stream].push(line.endsWith("\r") ? line.slice(0, -1) : line);
    (stream === "stdout" ? this.stdoutAt : this.stderrAt).push(Date.now());
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.lineListeners]) listener();
  }
}

/** The general form: any command, with piped stdio and the exit safety net. */
export function spawnProcess(command: string, args: string[], options?: SpawnOptions): ManagedProcess {
  return new ManagedProcess(command, args, options);
}

export type FleetwatchProcess = ManagedProcess;

/** `bin/fleetwatch <args>` from this checkout, e.g. spawnFleetwatch(["agent", "--etcd", endpoints]). */
export function spawnFleetwatch(args: string[], options?: SpawnOptions): FleetwatchProcess {
  // Through the running node rather than the shebang: same node version, no exec bit needed.
  return spawnProcess(process.execPath, [FLEETWATCH_BIN, ...args], {
    name: `fleetwatch ${args[0] ?? ""}`.trim(),
    ...options,
  });
}

function matches(pattern: RegExp | string, line: string): boolean {
  if (typeof pattern === "string") return line.includes(pattern);
  // A /g or /y regex keeps lastIndex between calls and would skip matches.
  pattern.lastIndex = 0;
  return pattern.test(line);
}
