import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Command, HELP_TEXT, parseCommand, USAGE } from "../../src/manager/commands.ts";
import { MAX_NODE_NAME_LENGTH, parseNodeName as nodeName } from "../../src/shared/node-name.ts";

const good: Array<{ line: string; expected: Command }> = [
  { line: "", expected: { type: "empty" } },
  { line: "   ", expected: { type: "empty" } },
  { line: "\t \t", expected: { type: "empty" } },
  { line: "help", expected: { type: "help" } },
  { line: "?", expected: { type: "help" } },
  { line: "HELP", expected: { type: "help" } },
  { line: "quit", expected: { type: "quit" } },
  { line: "exit", expected: { type: "quit" } },
  { line: "Quit", expected: { type: "quit" } },
  { line: "nodes", expected: { type: "nodes" } },
  { line: "  NoDeS  ", expected: { type: "nodes" } },
  { line: "history web-1", expected: { type: "history", node: nodeName("web-1") } },
  { line: "HISTORY web-1", expected: { type: "history", node: nodeName("web-1") } },
  { line: "update web-1 5", expected: { type: "update", node: nodeName("web-1"), interval: 5 } },
  { line: "Update web-1 5", expected: { type: "update", node: nodeName("web-1"), interval: 5 } },
  { line: "  update   web-1    5  ", expected: { type: "update", node: nodeName("web-1"), interval: 5 } },
  { line: "update\tweb-1\t2\r", expected: { type: "update", node: nodeName("web-1"), interval: 2 } },
  { line: "update web-1 1", expected: { type: "update", node: nodeName("web-1"), interval: 1 } },
  { line: "update web-1 86400", expected: { type: "update", node: nodeName("web-1"), interval: 86_400 } },
  {
    line: "update LAPTOP-UMVK4LFU 10",
    expected: { type: "update", node: nodeName("LAPTOP-UMVK4LFU"), interval: 10 },
  },
  { line: "update web_1.eu 10", expected: { type: "update", node: nodeName("web_1.eu"), interval: 10 } },
  // The node name keeps its case: only the command word is case-insensitive.
  { line: "UPDATE Web-1 10", expected: { type: "update", node: nodeName("Web-1"), interval: 10 } },
  {
    line: "set web-1 interval=5",
    expected: { type: "set", target: { kind: "node", node: nodeName("web-1") }, patch: { interval: 5 } },
  },
  {
    line: "SET --default metrics=cpu,memory",
    expected: { type: "set", target: { kind: "default" }, patch: { metrics: ["cpu", "memory"] } },
  },
  {
    line: "set web-1 interval=5 metrics=",
    expected: {
      type: "set",
      target: { kind: "node", node: nodeName("web-1") },
      patch: { interval: 5, metrics: [] },
    },
  },
  { line: "show web-1", expected: { type: "show", target: { kind: "node", node: nodeName("web-1") } } },
  { line: "Show --default", expected: { type: "show", target: { kind: "default" } } },
  {
    line: "rollback web-1 3",
    expected: { type: "rollback", target: { kind: "node", node: nodeName("web-1") }, version: 3 },
  },
  { line: "rollback --default 1", expected: { type: "rollback", target: { kind: "default" }, version: 1 } },
  {
    line: `update ${"a".repeat(MAX_NODE_NAME_LENGTH)} 10`,
    expected: { type: "update", node: nodeName("a".repeat(MAX_NODE_NAME_LENGTH)), interval: 10 },
  },
];

describe("parseCommand: accepted lines", () => {
  for (const c of good) {
    test(`${JSON.stringify(c.line)} -> ${c.expected.type}`, () => {
      assert.deepEqual(parseCommand(c.line), c.expected);
    });
  }
});

/** `message` must match; `usage` names the command whose usage line is shown (or "help" for the list). */
const bad: Array<{ line: string; message: RegExp; usage: keyof typeof USAGE | "list" }> = [
  { line: "update", message: /node name and an interval/, usage: "update" },
  { line: "update web-1", message: /needs an interval.*"web-1"/, usage: "update" },
  { line: "update web-1 5 6", message: /2 arguments.*got 3/, usage: "update" },
  { line: "update web-1 5 6 7 8", message: /got 5/, usage: "update" },
  { line: "update web-1 abc", message: /interval "abc"/, usage: "update" },
  { line: "update web-1 0", message: /interval 0 .*range 1-86400/, usage: "update" },
  { line: "update web-1 -1", message: /interval "-1"/, usage: "update" },
  { line: "update web-1 1.5", message: /interval "1\.5"/, usage: "update" },
  { line: "update web-1 86401", message: /interval 86401 .*range/, usage: "update" },
  { line: "update web-1 1e3", message: /interval "1e3"/, usage: "update" },
  { line: "update web-1 0x10", message: /interval "0x10"/, usage: "update" },
  { line: "update web-1 +5", message: /interval "\+5"/, usage: "update" },
  { line: "update web-1 99999999999999999999999", message: /range/, usage: "update" },
  { line: "update web-1 Infinity", message: /interval "Infinity"/, usage: "update" },
  { line: "update a/b 5", message: /contains "\/"/, usage: "update" },
  { line: "update a\u0001b 5", message: /control character/, usage: "update" },
  { line: "update a\u007fb 5", message: /control character/, usage: "update" },
  { line: `update ${"x".repeat(300)} 5`, message: /300 characters.*limit is 253/, usage: "update" },
  { line: "update _default 5", message: /must start with a letter or digit/, usage: "update" },
  { line: "update -web 5", message: /must start with a letter or digit/, usage: "update" },
  { line: "update nöde 5", message: /only letters, digits/, usage: "update" },
  { line: "history", message: /exactly one node name, got 0/, usage: "history" },
  { line: "history a b", message: /exactly one node name, got 2/, usage: "history" },
  { line: "history a/b", message: /contains "\/"/, usage: "history" },
  { line: "history a\u001bb", message: /control character/, usage: "history" },
  { line: `history ${"y".repeat(300)}`, message: /limit is 253/, usage: "history" },
  { line: "nodes web-1", message: /no arguments/, usage: "nodes" },
  { line: "set", message: /needs a node name/, usage: "set" },
  { line: "set web-1", message: /nothing to set/, usage: "set" },
  { line: "set web-1 5", message: /expected field=value/, usage: "set" },
  { line: "set web-1 =5", message: /expected field=value/, usage: "set" },
  { line: "set web-1 intervall=5", message: /unknown field "intervall"/, usage: "set" },
  { line: "set web-1 interval=0", message: /^interval: must be at least 1/, usage: "set" },
  { line: "set web-1 interval=abc", message: /^interval: must be a number/, usage: "set" },
  { line: "set web-1 interval=1.5", message: /^interval: must be a whole number/, usage: "set" },
  { line: "set web-1 interval=86401", message: /^interval: must be at most 86400/, usage: "set" },
  { line: "set web-1 interval=5 interval=6", message: /more than once/, usage: "set" },
  { line: "set web-1 metrics=gpu", message: /unknown metric "gpu"/, usage: "set" },
  { line: "set web-1 metrics=cpu,cpu", message: /more than once/, usage: "set" },
  { line: "set a/b interval=5", message: /contains "\/"/, usage: "set" },
  { line: "show", message: /exactly one node name.*got 0/, usage: "show" },
  { line: "show a b", message: /got 2/, usage: "show" },
  { line: "show a\u0001b", message: /control character/, usage: "show" },
  { line: "rollback web-1", message: /2 arguments.*got 1/, usage: "rollback" },
  { line: "rollback web-1 3 4", message: /2 arguments.*got 3/, usage: "rollback" },
  { line: "rollback web-1 0", message: /version "0"/, usage: "rollback" },
  { line: "rollback web-1 x", message: /version "x"/, usage: "rollback" },
  { line: "rollback web-1 1.5", message: /version "1\.5"/, usage: "rollback" },
  { line: "rollback web-1 99999999999999999999", message: /version/, usage: "rollback" },
  { line: "rollback a/b 1", message: /contains "\/"/, usage: "rollback" },
  { line: "frobnicate", message: /unknown command "frobnicate"/, usage: "list" },
  { line: "updat web-1 5", message: /unknown command "updat"/, usage: "list" },
  { line: "stats web-1", message: /unknown command "stats"/, usage: "list" },
  { line: "/quit", message: /unknown command/, usage: "list" },
];

describe("parseCommand: rejected lines carry a message and a usage text", () => {
  for (const c of bad) {
    test(JSON.stringify(c.line.length > 60 ? `${c.line.slice(0, 57)}...` : c.line), () => {
      const result = parseCommand(c.line);
      assert.equal(result.type, "error");
      if (result.type !== "error") return;
      assert.match(result.message, c.message);
      assert.ok(result.usage && result.usage.length > 0, "an error must carry a usage text");
      if (c.usage === "list") {
        assert.equal(result.usage, HELP_TEXT);
        for (const name of Object.keys(USAGE)) assert.ok(result.usage.includes(USAGE[name] ?? "?"));
      } else {
        assert.match(result.usage, new RegExp(`^usage: ${c.usage}\\b`));
      }
    });
  }

  test("error messages escape control characters so the terminal is not corrupted", () => {
    const result = parseCommand("history a\u001b[2Jb");
    assert.equal(result.type, "error");
    if (result.type === "error") assert.ok(!result.message.includes("\u001b"), result.message);
  });

  test("the update usage text names the interval range", () => {
    assert.match(USAGE.update ?? "", /1-86400/);
  });

  test("the help text lists every command", () => {
    for (const name of ["update", "nodes", "set", "show", "history", "rollback", "help", "quit"]) {
      assert.match(HELP_TEXT, new RegExp(`^\\s+${name}\\b`, "m"));
    }
  });
});

describe("parseCommand: commands that take no arguments", () => {
  // `nodes x` is rejected; `quit x` stops the server. A stray argument to a command that
  // ends the process should be rejected like the others, not silently ignored.
  for (const line of ["quit now", "exit web-1"]) {
    test(`${JSON.stringify(line)} is rejected like "nodes x"`, () => {
      const result = parseCommand(line);
      assert.equal(result.type, "error");
    });
  }
});
