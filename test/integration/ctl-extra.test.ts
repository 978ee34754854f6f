// `fleetwatch ctl config diff` as a gate (exit 6 unless in sync), `ctl config remove`
// (CAS, recorded as a version) and rollback to a removal, against a real etcd, a real
// agent and the real ctl binary.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Etcd3 } from "etcd3";
import { ConfigService, type ConfigTarget } from "../../src/config/service.ts";
import { configKey, DEFAULT_CONFIG_KEY, heartbeatKey } from "../../src/shared/keys.ts";
import { parseNodeName as nodeName } from "../../src/shared/node-name.ts";
import { type CtlRun, runCtl } from "./fleet.ts";
import {
  type EtcdCluster,
  type FleetwatchProcess,
  spawnFleetwatch,
  startEtcd,
  waitFor,
} from "./harness/index.ts";

const NOT_IN_SYNC = 6;

let etcd: EtcdCluster;
let client: Etcd3;
const procs: FleetwatchProcess[] = [];

const ctl = (...args: string[]): Promise<CtlRun> => runCtl(etcd.endpoints, ...args);

/** `ctl ... --json`, whatever its exit code. */
async function ctlJson<T = Record<string, unknown>>(
  ...args: string[]
): Promise<{ code: number | null; json: T }> {
  const run = await ctl(...args, "--json");
  assert.ok(run.stdout.trim() !== "", `ctl ${args.join(" ")} printed nothing: ${run.stderr.join("\n")}`);
  return { code: run.code, json: JSON.parse(run.stdout) as T };
}

const svc = () => new ConfigService(client, { now: () => Date.now() });

/** mod_revision and value of a key, and the number of kept versions: what "unchanged" means. */
async function snapshotOf(key: string, target: ConfigTarget) {
  const kv = (await client.get(key).exec()).kvs[0];
  return {
    value: kv?.value.toString(),
    revision: kv ? Number(kv.mod_revision) : 0,
    versions: (await svc().history(target)).length,
  };
}

before(async () => {
  etcd = await startEtcd({ members: 1 });
  client = new Etcd3({ hosts: etcd.hosts });
});

after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  client?.close();
  await etcd?.stop();
});

describe("ctl config diff exits non-zero unless the node is in sync", () => {
  it("a node nobody has seen: unknown, exit 6, the table still printed", async () => {
    const run = await ctl("config", "diff", "ghost");
    assert.equal(run.code, NOT_IN_SYNC, run.stderr.join("\n"));
    assert.match(run.stdout, /^ghost \(UNKNOWN\): unknown \(node is not known\)/);
    assert.match(run.stdout, /FIELD\s+BUILTIN/);
    assert.deepEqual(run.stderr, [], "not a failure of the command: nothing on stderr");
    const { code, json } = await ctlJson<{ status: string }>("config", "diff", "ghost");
    assert.equal(code, NOT_IN_SYNC);
    assert.equal(json.status, "unknown");
  });

  it("an alive node whose agent still runs an older revision: pending, exit 6", async () => {
    const set = await ctlJson<{ revision: number }>("config", "set", "stale", "--interval", "4");
    assert.equal(set.code, 0);
    // A heartbeat acknowledging an older override revision (as an agent mid-update would).
    const lease = client.lease(30, { autoKeepAlive: false });
    await lease.put(heartbeatKey(nodeName("stale"))).value(
      JSON.stringify({
        status: "alive",
        ts: Math.floor(Date.now() / 1000),
        config: { nodeRevision: set.json.revision - 1, defaultRevision: 0, interval: 10, metrics: ["cpu"] },
      }),
    );
    try {
      const { code, json } = await ctlJson<{ status: string; detail: string }>("config", "diff", "stale");
      assert.equal(code, NOT_IN_SYNC);
      assert.equal(json.status, "pending");
      assert.match(json.detail, /override revision/);
      const human = await ctl("config", "diff", "stale");
      assert.equal(human.code, NOT_IN_SYNC);
      assert.match(human.stdout, /^stale \(ALIVE\): pending/);
    } finally {
      await lease.revoke();
    }
  });

  it("a real agent: in sync -> exit 0; garbage stored -> rejected, exit 6; fixed -> exit 0", async () => {
    const agent = spawnFleetwatch(
      ["agent", "--name", "a1", "--ttl", "5", "--quiet", "--etcd", etcd.endpoints],
      {
        name: "a1",
      },
    );
    procs.push(agent);
    const set = await ctl("config", "set", "a1", "--interval", "3", "--wait", "15");
    assert.equal(set.code, 0, set.stderr.join("\n"));
    const inSync = await ctl("config", "diff", "a1");
    assert.equal(inSync.code, 0, inSync.stdout);
    assert.match(inSync.stdout, /^a1 \(ALIVE\): in-sync/);
    assert.equal((await ctlJson("config", "diff", "a1")).code, 0);

    await client.put(configKey(nodeName("a1"))).value("garbage");
    let last: CtlRun | undefined;
    await waitFor(
      async () => {
        last = await ctl("config", "diff", "a1");
        return /rejected/.test(last.stdout);
      },
      { timeoutMs: 15_000, intervalMs: 200, message: "ctl config diff a1 to say rejected" },
    );
    assert.equal(last?.code, NOT_IN_SYNC);
    assert.match(last?.stdout ?? "", /^a1 \(ALIVE\): rejected \(rev \d+: not valid JSON/);

    const fixed = await ctl("config", "set", "a1", "--interval", "3", "--wait", "15");
    assert.equal(fixed.code, 0, fixed.stderr.join("\n"));
    assert.equal((await ctl("config", "diff", "a1")).code, 0);
  });
});

describe("ctl config remove", () => {
  it("refuses bad input with one stderr line and exit 2, writing nothing", async () => {
    const cases: { args: string[]; err: RegExp }[] = [
      { args: ["nothing-here"], err: /node nothing-here has no override to remove/ },
      { args: [], err: /needs a node name or --default/ },
      { args: ["a1", "--default"], err: /not both/ },
      { args: ["bad/name"], err: /contains "\/"/ },
      { args: ["a1", "--expect-revision", "-3"], err: /expect-revision must be a whole number/ },
    ];
    const before = await snapshotOf(configKey(nodeName("a1")), { kind: "node", node: nodeName("a1") });
    for (const c of cases) {
      const run = await ctl("config", "remove", ...c.args);
      assert.equal(run.code, 2, `${c.args.join(" ")}: ${run.stderr.join("\n")}`);
      assert.equal(run.stderr.length, 1, run.stderr.join("\n"));
      assert.match(run.stderr[0] as string, c.err);
      assert.equal(run.stdout, "");
    }
    assert.deepEqual(
      await snapshotOf(configKey(nodeName("a1")), { kind: "node", node: nodeName("a1") }),
      before,
    );
    assert.equal((await svc().history({ kind: "node", node: nodeName("nothing-here") })).length, 0);
  });

  it("CAS: a stale --expect-revision is a conflict (exit 3), nothing written", async () => {
    const before = await snapshotOf(configKey(nodeName("a1")), { kind: "node", node: nodeName("a1") });
    assert.ok(before.revision > 0);
    const run = await ctl("config", "remove", "a1", "--expect-revision", String(before.revision - 1));
    assert.equal(run.code, 3, run.stderr.join("\n"));
    assert.equal(run.stderr.length, 1);
    assert.match(run.stderr[0] as string, /conflict: \/monitor\/config\/a1 changed since revision \d+/);
    assert.deepEqual(
      await snapshotOf(configKey(nodeName("a1")), { kind: "node", node: nodeName("a1") }),
      before,
    );
  });

  it("removes the override with the right revision, records a version, and the agent falls back to the default", async () => {
    const agent = procs.find((p) => p.name === "a1") as FleetwatchProcess;
    const setDefault = await ctl("config", "set", "--default", "--interval", "7", "--wait", "15");
    assert.equal(setDefault.code, 0, setDefault.stderr.join("\n"));
    const before = await snapshotOf(configKey(nodeName("a1")), { kind: "node", node: nodeName("a1") });
    const from = agent.stdout.length;
    const run = await ctl("config", "remove", "a1", "--expect-revision", String(before.revision));
    assert.equal(run.code, 0, run.stderr.join("\n"));
    assert.match(
      run.stdout,
      /^Removed \/monitor\/config\/a1: removes the override: a1 runs the fleet default \(revision \d+, version \d+\)$/,
    );
    const afterRemove = await snapshotOf(configKey(nodeName("a1")), { kind: "node", node: nodeName("a1") });
    assert.equal(afterRemove.value, undefined, "key deleted");
    assert.equal(afterRemove.versions, before.versions + 1);
    const newest = (await svc().history({ kind: "node", node: nodeName("a1") })).at(-1);
    assert.equal(newest?.value, null);
    assert.match(newest?.author ?? "", /^ctl:/);

    await agent.waitForLine(/^\[Config\] Updated successfully: interval=7s/, {
      after: from,
      timeoutMs: 15_000,
    });
    await waitFor(async () => (await ctl("config", "diff", "a1")).code === 0, {
      timeoutMs: 10_000,
      intervalMs: 200,
      message: "a1 in sync with the default after the remove",
    });

    // Removing again: nothing to remove.
    const again = await ctl("config", "remove", "a1");
    assert.equal(again.code, 2);
  });

  it("--json and --default", async () => {
    await svc().set({ kind: "node", node: nodeName("r1") }, { interval: 9 }, { author: "test" });
    const { code, json } = await ctlJson<{
      key: string;
      revision: number;
      version: number;
      removed: boolean;
    }>("config", "remove", "r1");
    assert.equal(code, 0);
    assert.deepEqual(Object.keys(json).sort(), ["key", "removed", "revision", "version"]);
    assert.equal(json.key, "/monitor/config/r1");
    assert.equal(json.version, 2);
    assert.equal(json.removed, true);
    assert.equal((await client.get(configKey(nodeName("r1"))).string()) ?? undefined, undefined);

    const before = await snapshotOf(DEFAULT_CONFIG_KEY, { kind: "default" });
    const run = await ctl("config", "remove", "--default", "--expect-revision", String(before.revision));
    assert.equal(run.code, 0, run.stderr.join("\n"));
    assert.match(run.stdout, /^Removed \/monitor\/config\/_default: removes the fleet default/);
    const afterRemove = await snapshotOf(DEFAULT_CONFIG_KEY, { kind: "default" });
    assert.equal(afterRemove.value, undefined);
    assert.equal(afterRemove.versions, before.versions + 1);
  });
});

describe("rollback to a version that removed the override", () => {
  it("says it removes the override (not `{}`), deletes the key, and records the rollback", async () => {
    // r1: v1 {interval: 9}, v2 removed (previous test). Set v3, then roll back to v2.
    await svc().set({ kind: "node", node: nodeName("r1") }, { interval: 5 }, { author: "test" });
    const run = await ctl("config", "rollback", "r1", "--to", "2");
    assert.equal(run.code, 0, run.stderr.join("\n"));
    assert.match(
      run.stdout,
      /^Rolled back \/monitor\/config\/r1 to version 2: removes the override: r1 runs the fleet default \(revision \d+, new version 4\)$/,
    );
    assert.doesNotMatch(run.stdout, /\{\}/);
    assert.equal(await client.get(configKey(nodeName("r1"))).string(), null);
    const newest = (await svc().history({ kind: "node", node: nodeName("r1") })).at(-1);
    assert.deepEqual(
      { value: newest?.value, rollbackOf: newest?.rollbackOf },
      { value: null, rollbackOf: 2 },
    );

    // --json says so too; back to v1 it is a plain value again.
    const json = await ctlJson<{ removed: boolean; rollbackOf: number }>(
      "config",
      "rollback",
      "r1",
      "--to",
      "2",
    );
    assert.equal(json.code, 0);
    assert.equal(json.json.removed, true);
    assert.equal(json.json.rollbackOf, 2);
    const toValue = await ctl("config", "rollback", "r1", "--to", "1");
    assert.match(toValue.stdout, /to version 1: \{"interval":9\} \(revision/);
    const toValueJson = await ctlJson<{ removed: boolean }>("config", "rollback", "r1", "--to", "3");
    assert.equal(toValueJson.json.removed, false);
  });
});
