// Pure parts of `ctl config diff` (its exit code) and the wording of removals.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diffExit } from "../../src/cli/ctl/config.ts";
import { EXIT } from "../../src/cli/ctl/run.ts";
import type { Compliance } from "../../src/config/compliance.ts";
import { describeRemoval } from "../../src/config/views.ts";
import { parseNodeName as nodeName } from "../../src/shared/node-name.ts";

describe("diffExit", () => {
  const table: [Compliance, number][] = [
    [{ status: "in-sync" }, 0],
    [{ status: "pending", detail: "agent applied override revision 3, desired 4" }, 6],
    [{ status: "rejected", key: "/monitor/config/n", revision: 4, reason: "bad" }, 6],
    [{ status: "unknown", detail: "node is not alive" }, 6],
    [{ status: "unknown", detail: "node is not known" }, 6],
  ];
  for (const [comp, want] of table) {
    it(`${comp.status}: ${want}`, () => assert.equal(diffExit(comp), want));
  }
  it("6 is its own code, distinct from every other exit code", () => {
    assert.equal(EXIT.notInSync, 6);
    assert.equal(new Set(Object.values(EXIT)).size, Object.keys(EXIT).length);
  });
});

describe("describeRemoval", () => {
  it("node and default", () => {
    assert.equal(
      describeRemoval({ kind: "node", node: nodeName("web-1") }),
      "removes the override: web-1 runs the fleet default",
    );
    assert.equal(
      describeRemoval({ kind: "default" }),
      "removes the fleet default: nodes run the built-in defaults and their own overrides",
    );
  });
});
