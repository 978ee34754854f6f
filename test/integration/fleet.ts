// Starting the real fleetwatch processes for integration tests, with the waits every
// test needs. Everything started here is stopped by `stopAll` (and by the harness's
// exit safety net if a test crashes).
import { type FleetwatchProcess, spawnFleetwatch } from "./harness/index.ts";

export const started: FleetwatchProcess[] = [];

export async function startServer(etcd: string, extra: string[] = []): Promise<FleetwatchProcess> {
  // Several servers run at once in some tests: no HTTP listener unless a test asks for one.
  const http = extra.includes("--http") ? [] : ["--http", "off"];
  const server = spawnFleetwatch(["server", "--etcd", etcd, ...http, ...extra], { name: "server" });
  started.push(server);
  await server.waitForLine("Server started. Watching heartbeats...", { timeoutMs: 15_000 });
  return server;
}

export async function startAgent(
  name: string,
  etcd: string,
  extra: string[] = [],
  opts: { waitRegistered?: boolean } = {},
): Promise<FleetwatchProcess> {
  const agent = spawnFleetwatch(["agent", "--name", name, "--etcd", etcd, "--quiet", ...extra], { name });
  started.push(agent);
  if (opts.waitRegistered !== false) {
    await agent.waitForLine(`[Heartbeat] Node ${name} registered`, { timeoutMs: 15_000 });
  }
  return agent;
}

export async function stopAll(): Promise<void> {
  await Promise.all(started.splice(0).map((p) => p.stop()));
}

/** Lines of `proc` matching `pattern`, e.g. to assert a transition was printed exactly once. */
export function linesMatching(proc: FleetwatchProcess, pattern: RegExp): string[] {
  return proc.stdout.filter((line) => pattern.test(line));
}

export const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
export const deadLine = (node: string) => new RegExp(`^\\[-\\] Node ${escapeRegExp(node)} is DEAD`);
export const aliveLine = (node: string) => new RegExp(`^\\[\\+\\] Node ${escapeRegExp(node)} is ALIVE`);

/** What one `fleetwatch ctl ...` run did: exit code, stdout as one string, non-empty stderr lines. */
export interface CtlRun {
  code: number | null;
  stdout: string;
  stderr: string[];
}

/** Runs `fleetwatch ctl <args> --etcd <etcd>` to completion. */
export async function runCtl(etcd: string, ...args: string[]): Promise<CtlRun> {
  const p = spawnFleetwatch(["ctl", ...args, "--etcd", etcd], { name: `ctl ${args.join(" ")}` });
  const exit = await p.exited;
  return { code: exit.code, stdout: p.stdout.join("\n"), stderr: p.stderr.filter((l) => l.trim() !== "") };
}
