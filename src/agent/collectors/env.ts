// The edge through which collectors reach the operating system. Everything else in this folder is pure
// or depends only on this interface, so tests can swap in literal /proc text and a fake clock. The real
// edge is system-env.ts, which only the agent imports (the descriptor table is read from the collector
// modules by every process; none of them may load file-system code).
import { CollectorError, UnsupportedPlatformError } from "./errors.ts";

export interface CollectorEnv {
  readonly platform: NodeJS.Platform;
  /**
   * Monotonic milliseconds. Rates divide by elapsed time, and a wall clock can be stepped by NTP,
   * which would give a negative or inflated rate; `performance.now()` never steps back.
   */
  now(): number;
  sleep(ms: number): Promise<void>;
  readText(path: string): Promise<string>;
  listDir(path: string): Promise<string[]>;
}

export function requireLinux(metric: string, env: CollectorEnv): void {
  if (env.platform !== "linux") throw new UnsupportedPlatformError(metric, env.platform);
}

/** Reads a kernel file, turning a bare ENOENT/EACCES into an error that names the metric and the file. */
export async function readProc(metric: string, env: CollectorEnv, path: string): Promise<string> {
  try {
    return await env.readText(path);
  } catch (err) {
    throw new CollectorError(metric, `cannot read ${path} (${(err as Error).message})`);
  }
}
