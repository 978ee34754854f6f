// The logger loads pino only when a message at or above the level is logged: a healthy
// agent logs nothing and never pays for pino at start.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import { createLogger } from "../../src/shared/log.ts";

const require = createRequire(import.meta.url);
const pinoLoaded = () =>
  Object.keys(require.cache).some((path) => /node_modules\/pino\/pino\.js$/.test(path));

/** Lines written to stderr while `fn` runs. */
function stderrOf(fn: () => void): string[] {
  const lines: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    fn();
  } finally {
    process.stderr.write = write;
  }
  return lines;
}

describe("createLogger", () => {
  it("does not load pino for messages below the level, then loads it for the first one at the level", () => {
    const log = createLogger("text", "warn", "agent");
    const quiet = stderrOf(() => {
      log.debug({ state: "open" }, "keepalive stream");
      log.info("config watch re-listing");
    });
    assert.deepEqual(quiet, []);
    assert.equal(pinoLoaded(), false, "pino was loaded for messages below the level");
    const lines = stderrOf(() =>
      log.warn({ err: new Error("etcd down"), key: "/monitor/x" }, "could not read"),
    );
    assert.equal(pinoLoaded(), true);
    assert.deepEqual(lines, ["warn: could not read (etcd down) key=/monitor/x\n"]);
  });

  it("escapes control characters from stored data in text lines", () => {
    const log = createLogger("text", "debug", "agent");
    const lines = stderrOf(() => log.error({ reason: "bad\u001b[31m" }, "rejected"));
    assert.equal(lines.length, 1);
    assert.ok(!lines[0]?.includes("\u001b"), lines[0]);
  });

  it("refuses a level it does not know, naming it", () => {
    assert.throws(() => createLogger("text", "verbose", "agent"), /unknown log level "verbose"/);
  });
});
