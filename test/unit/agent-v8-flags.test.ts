// `fleetwatch agent` sets V8 flags at run time (agent/v8-flags.ts). Node documents such
// late changes as possibly doing nothing, so this checks in a fresh process that they do:
// after an allocation burst like the agent's start, the new space has not grown.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { AGENT_V8_FLAGS, sizeV8ForAgent } from "../../src/agent/v8-flags.ts";

const MODULE = new URL("../../src/agent/v8-flags.ts", import.meta.url).href;

/** New-space size (MB) in a fresh process before and after an allocation burst that survives scavenges. */
function newSpaceAfterBurst(env: Record<string, string>): {
  beforeMb: number;
  afterMb: number;
  applied: string[];
} {
  const script = `
    import { getHeapSpaceStatistics } from "node:v8";
    import { sizeV8ForAgent } from ${JSON.stringify(MODULE)};
    const newSpaceMb = () => getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size / 1048576;
    const applied = sizeV8ForAgent();
    const beforeMb = newSpaceMb();
    let kept = [];
    for (let i = 0; i < 600_000; i++) {
      kept.push({ i, s: "x".repeat(i % 50) });
      if (kept.length > 20_000) kept = [];
    }
    console.log(JSON.stringify({ beforeMb, afterMb: newSpaceMb(), applied }));
  `;
  const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    env: { ...process.env, ...env },
    encoding: "utf8",
  });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout);
}

describe("agent V8 flags", () => {
  it("keep the new space at its initial size through an allocation burst (it grows without them)", () => {
    const tuned = newSpaceAfterBurst({});
    const untuned = newSpaceAfterBurst({ FLEETWATCH_AGENT_V8: "default" });
    assert.deepEqual(tuned.applied, [...AGENT_V8_FLAGS]);
    assert.deepEqual(untuned.applied, []);
    assert.equal(tuned.afterMb, tuned.beforeMb, "the new space grew with the flags set");
    assert.ok(untuned.afterMb > untuned.beforeMb, `without them it grows (${JSON.stringify(untuned)})`);
  });

  it("FLEETWATCH_AGENT_V8=default leaves V8 alone", () => {
    assert.deepEqual(sizeV8ForAgent({ FLEETWATCH_AGENT_V8: "default" }), []);
  });
});
