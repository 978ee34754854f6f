import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ackedRevision, compliance, describeCompliance } from "../../src/config/compliance.ts";
import { DEFAULT_CONFIG_KEY } from "../../src/shared/keys.ts";
import type { ConfigAck } from "../../src/shared/schema.ts";

const desired = { config: { interval: 5, metrics: ["cpu" as const] }, nodeRevision: 12, defaultRevision: 7 };
const ack = (over: Partial<ConfigAck> = {}): ConfigAck => ({
  nodeRevision: 12,
  defaultRevision: 7,
  interval: 5,
  metrics: ["cpu"],
  ...over,
});

describe("compliance: desired vs applied", () => {
  const table: { name: string; input: Parameters<typeof compliance>[0]; want: string }[] = [
    { name: "same revisions", input: { desired, alive: true, ack: ack() }, want: "in-sync" },
    { name: "dead node", input: { desired, alive: false, ack: ack() }, want: "unknown (node is not alive)" },
    {
      name: "no ack",
      input: { desired, alive: true, ack: undefined },
      want: "unknown (agent has not acknowledged any config)",
    },
    {
      name: "override behind",
      input: { desired, alive: true, ack: ack({ nodeRevision: 10 }) },
      want: "pending",
    },
    {
      name: "default behind",
      input: { desired, alive: true, ack: ack({ defaultRevision: 3 }) },
      want: "pending",
    },
    {
      name: "current override rejected",
      input: {
        desired,
        alive: true,
        ack: ack({
          nodeRevision: 10,
          rejected: { key: "/monitor/config/n", revision: 12, reason: "not valid JSON" },
        }),
      },
      want: "rejected (rev 12: not valid JSON)",
    },
    {
      name: "current default rejected",
      input: {
        desired,
        alive: true,
        ack: ack({ defaultRevision: 3, rejected: { key: DEFAULT_CONFIG_KEY, revision: 7, reason: "bad" } }),
      },
      want: "rejected (rev 7: bad)",
    },
    {
      name: "rejection of an older revision is not current",
      input: {
        desired,
        alive: true,
        ack: ack({ nodeRevision: 10, rejected: { key: "/monitor/config/n", revision: 11, reason: "old" } }),
      },
      want: "pending",
    },
    {
      name: "deleted override: agent remembers the delete revision, runs the desired config",
      input: {
        desired: { ...desired, nodeRevision: 0 },
        alive: true,
        ack: ack({ nodeRevision: 20 }),
      },
      want: "in-sync",
    },
    {
      name: "deleted override not yet applied",
      input: {
        desired: { ...desired, nodeRevision: 0 },
        alive: true,
        ack: ack({ nodeRevision: 12, interval: 60 }),
      },
      want: "pending",
    },
    {
      name: "nothing stored anywhere, agent on builtin",
      input: {
        desired: {
          config: { interval: 10, metrics: ["cpu", "memory"] },
          nodeRevision: 0,
          defaultRevision: 0,
        },
        alive: true,
        ack: { nodeRevision: 0, defaultRevision: 0, interval: 10, metrics: ["cpu", "memory"] },
      },
      want: "in-sync",
    },
  ];
  for (const row of table) {
    it(row.name, () => assert.equal(describeCompliance(compliance(row.input)), row.want));
  }

  it("ackedRevision compares the right key and accepts newer revisions", () => {
    assert.equal(ackedRevision(ack(), "node", 12), true);
    assert.equal(ackedRevision(ack(), "node", 13), false);
    assert.equal(ackedRevision(ack(), "default", 7), true);
    assert.equal(ackedRevision(ack({ nodeRevision: 30 }), "node", 13), true);
    assert.equal(ackedRevision(undefined, "node", 1), false);
  });
});
