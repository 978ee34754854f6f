// The edge through which collectors reach the operating system. Everything else in this folder is pure
// or depends only on this interface, so tests can swap in literal /proc text and a fake clock.
import { readFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import type { MetricName } from "../../shared/schema.ts";
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

export const systemEnv: CollectorEnv = {
  platform: process.platform,
  now: () => performance.now(),
  // Ref'd on purpose: a one-shot caller must get its first reading; the wait is bounded by the window.
  sleep: (ms) => delay(ms),
  // /proc files report size 0; readFile reads until EOF, so it still returns the whole text.
  // Synchronous on purpose: procfs text is generated in memory (microseconds, never a disk wait),
  // and fs/promises' readFile allocates ~16 KiB of heap plus a 64 KiB buffer per read of a
  // size-0 file, against ~4 KiB here (bench/sample-garbage.ts, issue 13's per-sample audit).
  readText: async (path) => readFileSync(path, "utf8"),
  listDir: (path) => readdir(path),
};

export function requireLinux(metric: MetricName, env: CollectorEnv): void {
  if (env.platform !== "linux") throw new UnsupportedPlatformError(metric, env.platform);
}

/** Reads a kernel file, turning a bare ENOENT/EACCES into an error that names the metric and the file. */
export async function readProc(metric: MetricName, env: CollectorEnv, path: string): Promise<string> {
  try {
    return await env.readText(path);
  } catch (err) {
    throw new CollectorError(metric, `cannot read ${path} (${(err as Error).message})`);
  }
}
