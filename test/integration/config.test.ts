// Configuration management (issue 5) against a real etcd and real fleetwatch processes:
// defaults + overrides, acknowledgement, CAS conflicts, history + rollback, selector bulk
// update with acknowledgement count, and bad input on every interface (console, ctl, raw
// etcd), each followed by a check that nothing was written.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Etcd3 } from "etcd3";
import { ConfigService } from "../../src/config/service.ts";
import { configKey, DEFAULT_CONFIG_KEY } from "../../src/shared/keys.ts";
import { parseNodeName as nodeName } from "../../src/shared/node-name.ts";
import { type CtlRun, runCtl } from "./fleet.ts";
import {
  type EtcdCluster,
  type FleetwatchProcess,
  spawnFleetwatch,
  startEtcd,
  waitFor,
} from "./harness/index.ts";

let etcd: EtcdCluster;
let client: Etcd3;
let server: FleetwatchProcess;
let dir: string;
const procs: FleetwatchProcess[] = [];

const ctl = (...args: string[]): Promise<CtlRun> => runCtl(etcd.endpoints, ...args);

async function ctlJson<T = Record<string, unknown>>(...args: string[]): Promise<T> {
  const run = await ctl(...args, "--json");
  assert.equal(run.code, 0, `ctl ${args.join(" ")} failed: ${run.stderr.join("\n")}`);
  return JSON.parse(run.stdout) as T;
}

function startAgent(name: string): FleetwatchProcess {
  const agent = spawnFleetwatch(
    ["agent", "--name", name, "--ttl", "5", "--quiet", "--etcd", etcd.endpoints],
    {
      name,
    },
  );
  procs.push(agent);
  return agent;
}

/** Console command -> the output lines it printed (up to the next prompt-less pause). */
async function consoleCommand(line: string, expect: RegExp): Promise<string> {
  const from = server.stdout.length;
  server.write(line);
  const match = await server.waitForLine(expect, { after: from, timeoutMs: 8000 });
  return server.stdout.slice(from, match.index + 2).join("\n");
}

/** mod_revision and value of a key, and the number of kept versions: what "unchanged" means. */
async function snapshotOf(raw: string) {
  const node = nodeName(raw);
  const res = await client.get(configKey(node)).exec();
  const kv = res.kvs[0];
  const versions = await new ConfigService(client, { now: () => Date.now() }).history({ kind: "node", node });
  return {
    value: kv?.value.toString(),
    revision: kv ? Number(kv.mod_revision) : 0,
    versions: versions.length,
  };
}

before(async () => {
  etcd = await startEtcd({ members: 1 });
  client = new Etcd3({ hosts: etcd.hosts });
  dir = await mkdtemp(join(tmpdir(), "fleetwatch-config-"));
  // No HTTP listener: other test files may hold its default port.
  server = spawnFleetwatch(["server", "--etcd", etcd.endpoints], {
    name: "server",
    env: { FLEETWATCH_HTTP: "off" },
  });
  procs.push(server);
  await server.waitForLine("Server started. Watching heartbeats...", { timeoutMs: 15_000 });
});

after(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  client?.close();
  await etcd?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("configuration management on real etcd", () => {
  it("a real agent applies the fleet default and a partial override; acks are visible to ctl", async () => {
    const setDefault = await ctl("config", "set", "--default", "--interval", "7", "--metrics", "cpu,load");
    assert.equal(setDefault.code, 0, setDefault.stderr.join("\n"));
    assert.match(
      setDefault.stdout,
      /Set \/monitor\/config\/_default = \{"interval":7,"metrics":\["cpu","load"\]\}/,
    );

    const agent = startAgent("n1");
    await agent.waitForLine(/^\[Config\] Loaded: interval=7s, metrics=\[cpu, load\]$/, { timeoutMs: 15_000 });

    // Partial override: only the interval; metrics still come from the default.
    const set = await ctlJson<{ revision: number; version: number }>(
      "config",
      "set",
      "n1",
      "--interval",
      "3",
    );
    assert.equal(set.version, 1);
    await agent.waitForLine(/^\[Config\] Updated successfully: interval=3s, metrics=\[cpu, load\]$/);

    // The acknowledgement reaches ctl diff and ctl nodes.
    await waitFor(
      async () => {
        const diff = await ctlJson<{ status: string; applied: { nodeRevision: number } | null }>(
          "config",
          "diff",
          "n1",
        );
        return diff.status === "in-sync" && diff.applied?.nodeRevision === set.revision;
      },
      { timeoutMs: 10_000, intervalMs: 200, message: "ctl config diff n1 to say in-sync" },
    );
    const nodes = await ctlJson<{ nodes: { node: string; status: string; applied: { interval: number } }[] }>(
      "nodes",
    );
    const n1 = nodes.nodes.find((n) => n.node === "n1");
    assert.equal(n1?.status, "in-sync");
    assert.equal(n1?.applied.interval, 3);
    const human = await ctl("config", "diff", "n1");
    assert.match(human.stdout, /^n1 \(ALIVE\): in-sync/);
    assert.match(human.stdout, /interval\s+10\s+7\s+3\s+3\s+3/);

    const table = await consoleCommand("nodes", /^n1 /);
    assert.match(table, /CONFIG STATUS/);
    assert.match(table, /n1\s+ALIVE.*in-sync/);
  });

  it("two CAS writes with the same expected revision: exactly one wins, the other gets a conflict", async () => {
    const before = await snapshotOf("n1");
    const [a, b] = await Promise.all([
      ctl("config", "set", "n1", "--interval", "4", "--expect-revision", String(before.revision)),
      ctl("config", "set", "n1", "--interval", "5", "--expect-revision", String(before.revision)),
    ]);
    const codes = [a.code, b.code].sort();
    assert.deepEqual(codes, [0, 3], `exit codes ${a.code}/${b.code}: ${a.stderr} ${b.stderr}`);
    const loser = a.code === 3 ? a : b;
    assert.equal(loser.stderr.length, 1);
    assert.match(loser.stderr[0] as string, /conflict: \/monitor\/config\/n1 changed since revision \d+/);
    const afterWrite = await snapshotOf("n1");
    assert.equal(afterWrite.versions, before.versions + 1, "exactly one version recorded");

    // The same race through the service API, many writers at once.
    const svc = new ConfigService(client, { now: () => Date.now() });
    const results = await Promise.allSettled(
      [6, 7, 8, 9].map((interval) =>
        svc.set(
          { kind: "node", node: nodeName("n1") },
          { interval },
          { author: "race", expectedRevision: afterWrite.revision },
        ),
      ),
    );
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
    for (const r of results)
      if (r.status === "rejected") assert.equal((r.reason as Error).name, "ConflictError");
  });

  it("history records every change; rollback re-applies a kept version as a new one", async () => {
    const agent = procs.find((p) => p.name === "n1") as FleetwatchProcess;
    const history = await ctlJson<{
      versions: { version: number; value: { interval: number }; author: string }[];
    }>("config", "history", "n1");
    assert.ok(history.versions.length >= 3);
    assert.equal(history.versions[0]?.version, 1);
    assert.deepEqual(history.versions[0]?.value, { interval: 3 });
    assert.match(history.versions[0]?.author ?? "", /^ctl:/);

    const from = agent.stdout.length;
    const rolled = await ctl("config", "rollback", "n1", "--to", "1");
    assert.equal(rolled.code, 0, rolled.stderr.join("\n"));
    assert.match(rolled.stdout, /Rolled back \/monitor\/config\/n1 to version 1: \{"interval":3\}/);
    await agent.waitForLine(/^\[Config\] Updated successfully: interval=3s/, { after: from });
    const after1 = await ctlJson<{ versions: { version: number; rollbackOf: number | null }[] }>(
      "config",
      "history",
      "n1",
    );
    const newest = after1.versions.at(-1);
    assert.equal(newest?.version, history.versions.length + 1);
    assert.equal(newest?.rollbackOf, 1);

    // The console: set, rollback, and history showing transitions then versions.
    assert.match(
      await consoleCommand("set n1 interval=9", /^\[Config\] Set /),
      /\/monitor\/config\/n1 = \{"interval":9\}.*version/,
    );
    assert.match(await consoleCommand("rollback n1 1", /^\[Config\] Rolled back/), /to version 1/);
    const hist = await consoleCommand("history n1", /^Config versions of n1/);
    assert.match(hist, /History of n1 \(newest first\):/);
    assert.match(hist, /ALIVE\s+joined/);
    assert.match(await consoleCommand("update n1 6", /^\[Config\] Updated/), /\(revision \d+\)$/m);
    const lastVersion = (
      await ctlJson<{ versions: { author: string; value: unknown }[] }>("config", "history", "n1")
    ).versions.at(-1);
    assert.equal(lastVersion?.author, "console");
    assert.deepEqual(lastVersion?.value, { interval: 6 });
  });

  it("selector bulk update: one transaction, every alive node acknowledges", async () => {
    const names = ["b1", "b2", "b3"];
    const agents = names.map(startAgent);
    await Promise.all(agents.map((a) => a.waitForLine(/^\[Config\] Loaded:/, { timeoutMs: 15_000 })));
    const started = Date.now();
    const out = await ctlJson<{
      matched: string[];
      written: number;
      transactions: number;
      wait: { acknowledged: string[]; pending: string[]; elapsedMs: number };
    }>("config", "set", "--selector", "b*", "--interval", "2", "--wait", "15");
    assert.deepEqual(out.matched, names);
    assert.equal(out.written, 3);
    assert.equal(out.transactions, 1);
    assert.deepEqual(out.wait.acknowledged, names);
    assert.deepEqual(out.wait.pending, []);
    console.log(
      `bulk: 3 real agents acknowledged in ${out.wait.elapsedMs} ms (ctl run ${Date.now() - started} ms)`,
    );
    for (const a of agents) await a.waitForLine(/^\[Config\] Updated successfully: interval=2s/);

    // Many targets through the service: batches fit etcd's default --max-txn-ops (128).
    const svc = new ConfigService(client, { now: () => Date.now() });
    const targets = Array.from({ length: 300 }, (_, i) => ({
      kind: "node" as const,
      node: nodeName(`bulk-${i}`),
    }));
    const t0 = Date.now();
    const outcomes = await svc.setMany(targets, { interval: 30 }, { author: "bulk", merge: true });
    const revisions = new Set(outcomes.map((o) => (o.ok ? o.result.revision : -1)));
    assert.ok(outcomes.every((o) => o.ok));
    assert.equal(revisions.size, Math.ceil(300 / 64));
    console.log(
      `bulk: 300 overrides + versions written in ${revisions.size} transactions, ${Date.now() - t0} ms`,
    );
  });

  it("rejects bad console input before writing anything", async () => {
    const cases: [string, RegExp][] = [
      ["set n1 interval=0", /interval: must be at least 1/],
      ["set n1 interval=abc", /interval: must be a number of seconds/],
      ["set n1 colour=red", /unknown field "colour"/],
      ["set n1 metrics=cpu,gpu", /unknown metric "gpu"/],
      ["set n1 metrics=cpu,cpu", /metrics: lists a metric more than once/],
      ["set bad/name interval=5", /node name "bad\/name" contains "\/"/],
      ["set n1", /nothing to set/],
      ["update n1 0", /out of range/],
      ["rollback n1 999", /has no version 999; kept versions: /],
      ["rollback n1 zero", /not a positive whole number/],
    ];
    const before = await snapshotOf("n1");
    for (const [line, pattern] of cases) {
      const out = await consoleCommand(line, /^Error: /);
      assert.match(out, pattern, `console "${line}"`);
      assert.deepEqual(await snapshotOf("n1"), before, `"${line}" must not write`);
    }
  });

  it("rejects bad ctl input with a one-line error and a non-zero exit, before writing anything", async () => {
    const file = async (name: string, text: string) => {
      const path = join(dir, name);
      await writeFile(path, text);
      return path;
    };
    const cases: [string[], number, RegExp][] = [
      [["config", "set", "n1", "--interval", "0"], 2, /interval: must be at least 1/],
      [["config", "set", "n1", "--interval", "1.5"], 2, /interval: must be a whole number/],
      [["config", "set", "n1", "--interval", "90000"], 2, /interval: must be at most 86400/],
      [["config", "set", "n1", "--metrics", "cpu,gpu"], 2, /metrics\[1\]: unknown metric "gpu"/],
      [["config", "set", "n1", "--metrics", "cpu,cpu"], 2, /lists a metric more than once/],
      [["config", "set", "n1"], 2, /nothing to set/],
      [["config", "set", "a b", "--interval", "3"], 2, /whitespace or a control character/],
      [["config", "set", "--selector", "x/y", "--interval", "3"], 2, /selector .* contains "\/"/],
      [["config", "get", "n1/x"], 2, /contains "\/"/],
      [
        ["config", "set", "n1", "--from-file", join(dir, "missing.json")],
        2,
        /cannot read .*missing.json: no such file/,
      ],
      [
        ["config", "set", "n1", "--from-file", await file("bad.json", "{interval: 5")],
        2,
        /bad.json is not valid JSON/,
      ],
      [
        ["config", "set", "n1", "--from-file", await file("bad.yaml", "interval: [5\n")],
        2,
        /bad.yaml is not valid YAML/,
      ],
      [
        ["config", "set", "n1", "--from-file", await file("extra.yaml", "interval: 5\nlabels: {a: b}\n")],
        2,
        /unknown field "labels"/,
      ],
      [
        ["config", "set", "n1", "--from-file", await file("types.json", '{"interval":"5","metrics":"cpu"}')],
        2,
        /interval: must be a number.*metrics: must be a list/,
      ],
      [
        [
          "config",
          "set",
          "n1",
          "--from-file",
          await file("big.json", JSON.stringify({ interval: 5, pad: "x".repeat(70_000) })),
        ],
        2,
        /limit is 65536/,
      ],
      [["config", "rollback", "n1", "--to", "999"], 2, /has no version 999/],
      [
        ["config", "set", "n1", "--interval", "5", "--expect-revision", "1"],
        3,
        /conflict: .* changed since revision 1/,
      ],
      [["config", "set", "n1", "--default", "--interval", "5"], 2, /not both/],
    ];
    const before = await snapshotOf("n1");
    const runs = await Promise.all(cases.map(([args]) => ctl(...args)));
    runs.forEach((run, i) => {
      const [args, code, pattern] = cases[i] as (typeof cases)[number];
      const what = `ctl ${args.join(" ")}`;
      assert.equal(run.code, code, `${what}: exit code (stderr: ${run.stderr.join(" | ")})`);
      assert.equal(run.stderr.length, 1, `${what}: one line on stderr, got ${JSON.stringify(run.stderr)}`);
      assert.match(run.stderr[0] as string, pattern, what);
      assert.equal(run.stdout, "", `${what}: nothing on stdout`);
    });
    assert.deepEqual(await snapshotOf("n1"), before, "no ctl bad input may write");
  });

  it("garbage written straight into etcd is rejected by the agent and flagged by the manager and ctl", async () => {
    const agent = procs.find((p) => p.name === "n1") as FleetwatchProcess;
    const good = await snapshotOf("n1");
    // The fleet default first, while the node's own override is valid: an agent reports one
    // rejection at a time (its own override's before the default's).
    const garbage: [string, string, RegExp][] = [
      [DEFAULT_CONFIG_KEY, '{"metrics":["cpu","cpu"]}', /lists a metric more than once/],
      [configKey(nodeName("n1")), "garbage", /not valid JSON/],
      [configKey(nodeName("n1")), '{"interval":5,"colour":"red"}', /unknown field "colour"/],
      [configKey(nodeName("n1")), '{"interval":-1}', /interval: must be at least 1/],
    ];
    for (const [key, value, reason] of garbage) {
      const from = agent.stdout.length;
      const put = await client.put(key).value(value).exec();
      const revision = Number(put.header.revision);
      await agent.waitForLine(new RegExp(`^\\[Config\\] Rejected ${key} \\(revision ${revision}\\)`), {
        after: from,
      });
      // The agent keeps its last good config.
      assert.match(agent.stdout.slice(from).join("\n"), /keeping interval=6s/);
      // ctl flags the stored value, and the node as rejected with the agent's reason.
      const target = key === DEFAULT_CONFIG_KEY ? ["--default"] : ["n1"];
      const got = await ctlJson<{ valid: boolean; reason: string; raw: string }>("config", "get", ...target);
      assert.equal(got.valid, false);
      assert.match(got.reason, reason);
      assert.equal(got.raw, value);
      await waitFor(
        async () => {
          const n = (
            await ctlJson<{ nodes: { node: string; status: string; rejected: { reason: string } }[] }>(
              "nodes",
            )
          ).nodes.find((x) => x.node === "n1");
          return n?.status === "rejected" && reason.test(n.rejected.reason);
        },
        { timeoutMs: 20_000, intervalMs: 200, message: `ctl nodes to flag n1 rejected (${value})` },
      );
      const shown = await consoleCommand("show n1", /^ {2}status /);
      assert.match(shown, /status {4}rejected \(rev \d+: /);
      assert.match(shown, /INVALID/);
      const table = await consoleCommand("nodes", /^n1 /);
      assert.match(table, /n1\s+ALIVE.*rejected/);
      // The fleet default is repaired for the next case; the node override is replaced by the next put.
      if (key === DEFAULT_CONFIG_KEY) await client.put(key).value('{"interval":7,"metrics":["cpu","load"]}');
    }
    // A valid write through ctl replaces the garbage and is applied.
    const from = agent.stdout.length;
    const fixed = await ctl(
      "config",
      "set",
      "n1",
      "--from-file",
      await writeJson("fix.json", { interval: 6 }),
    );
    assert.equal(fixed.code, 0, fixed.stderr.join("\n"));
    assert.match(fixed.stdout, /replaced an invalid stored value/);
    await agent.waitForLine(/^\[Config\] Updated successfully: interval=6s, metrics=\[cpu, load\]/, {
      after: from,
    });
    assert.ok((await snapshotOf("n1")).versions >= good.versions);
  });
});

async function writeJson(name: string, value: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(value));
  return path;
}
