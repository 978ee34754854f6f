// An agent whose stdout is closed (`fleetwatch agent | head -1`, a log pipe that died) keeps
// its lease: it stops printing, says so once on stderr, and its node stays ALIVE.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { heartbeatKey } from "../../src/shared/keys.ts";
import { parseNodeName } from "../../src/shared/node-name.ts";
import { FLEETWATCH_BIN, useEtcd, waitFor } from "./harness/index.ts";
import { trackChild } from "./harness/reaper.ts";

const fx = useEtcd();

describe("closed stdout", () => {
  const TTL_S = 2;
  let agent: ReturnType<typeof spawn> | undefined;
  after(() => {
    agent?.kill("SIGKILL");
  });

  it("does not kill the agent: it keeps its lease and says once on stderr that it stopped printing", async () => {
    const node = "closed-stdout-1";
    agent = spawn(
      process.execPath,
      [FLEETWATCH_BIN, "agent", "--etcd", fx.etcd.hosts.join(","), "--name", node, "--ttl", String(TTL_S)],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    trackChild(agent);
    let stderr = "";
    agent.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    // Read up to the first heartbeat line, then close our end of the pipe, as `head -1` does.
    const stdout = agent.stdout;
    assert.ok(stdout);
    let seen = "";
    for await (const chunk of stdout.setEncoding("utf8")) {
      seen += chunk;
      if (seen.includes("registered")) break;
    }
    stdout.destroy();
    // Without --quiet the agent prints a line at every renewal (every TTL/3): the next one fails.
    await waitFor(() => stderr.includes("stdout is closed"), {
      timeoutMs: 10_000,
      message: "the stderr notice",
    });
    // A window, not a synchronisation: three TTLs in which a lease that is not renewed expires.
    await sleep(3 * TTL_S * 1000);
    assert.equal(agent.exitCode, null, `the agent exited; stderr: ${stderr}`);
    assert.ok(await fx.client.get(heartbeatKey(parseNodeName(node))).string(), "the heartbeat key expired");
    assert.equal(stderr.match(/stdout is closed/g)?.length, 1, stderr);
    agent.kill("SIGTERM");
    await once(agent, "exit");
  });
});
