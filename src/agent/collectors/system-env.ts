// The real operating system behind CollectorEnv: the only file of the collectors that does I/O.
// Imported by the agent (collectors/index.ts) and never by the descriptor table's readers.
import { readFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import type { CollectorEnv } from "./env.ts";

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
