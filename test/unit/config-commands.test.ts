// Console commands added for configuration (set, show, rollback); the lab's commands
// have their own tests.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HELP_TEXT, parseCommand } from "../../src/manager/commands.ts";

describe("console config commands", () => {
  it("set merges named fields, for a node or the default", () => {
    assert.deepEqual(parseCommand("set web-1 interval=5 metrics=cpu,memory"), {
      type: "set",
      target: { kind: "node", node: "web-1" },
      patch: { interval: 5, metrics: ["cpu", "memory"] },
    });
    assert.deepEqual(parseCommand("set --default interval=30"), {
      type: "set",
      target: { kind: "default" },
      patch: { interval: 30 },
    });
  });
  it("show and rollback", () => {
    assert.deepEqual(parseCommand("show web-1"), { type: "show", target: { kind: "node", node: "web-1" } });
    assert.deepEqual(parseCommand("rollback web-1 3"), {
      type: "rollback",
      target: { kind: "node", node: "web-1" },
      version: 3,
    });
  });
  const bad: [string, RegExp][] = [
    ["set", /needs a node name/],
    ["set web-1", /nothing to set/],
    ["set web/1 interval=5", /contains "\/"/],
    ["set web-1 interval=0", /at least 1/],
    ["set web-1 colour=red", /unknown field "colour"/],
    ["set web-1 metrics=cpu,gpu", /unknown metric "gpu"/],
    ["show", /exactly one node/],
    ["show a b", /exactly one node/],
    ["rollback web-1", /2 arguments/],
    ["rollback web-1 x", /not a positive whole number/],
    ["rollback web-1 0", /not a positive whole number/],
  ];
  for (const [line, pattern] of bad) {
    it(`rejects "${line}" with usage`, () => {
      const cmd = parseCommand(line);
      assert.equal(cmd.type, "error");
      if (cmd.type !== "error") return;
      assert.match(cmd.message, pattern);
      assert.match(cmd.usage ?? "", /^usage: /);
    });
  }
  it("help lists the new commands", () => {
    for (const word of [
      "set <node|--default>",
      "show <node",
      "rollback <node",
      "history <node>",
      "update <node>",
    ]) {
      assert.ok(HELP_TEXT.includes(word), word);
    }
  });
});
