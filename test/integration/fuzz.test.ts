// Issue 11's fuzz suite: random and adversarial values (wrong types, huge, control
// characters, non-JSON, out-of-range numbers and dates) written to every key family under
// /monitor/ while a real manager and real agents run. After each batch: the manager runs,
// /readyz is 200, /api/nodes answers, the agents are ALIVE, no console line carries a raw
// control character; at the end the agents run their last good config.
//
// Bounded: BATCHES x PER_BATCH cases. Reproduce a failure with FUZZ_SEED=<the seed printed>.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { Etcd3 } from "etcd3";
import { mergeConfig } from "../../src/shared/config-merge.ts";
import { hasControl } from "../../src/shared/escape.ts";
import { type ConfigOverride, parseConfigText, parseHeartbeat } from "../../src/shared/schema.ts";
import { fuzzBatch } from "../fuzz/values.ts";
import { startAgent, started, stopAll } from "./fleet.ts";
import {
  type EtcdCluster,
  type FleetwatchProcess,
  freePort,
  spawnFleetwatch,
  startEtcd,
  waitFor,
} from "./harness/index.ts";
import { apiClient } from "./http/client.ts";

const BATCHES = 10;
const PER_BATCH = 300;
/** Puts in flight at once: enough to be quick, few enough for a loaded 2-core machine. */
const IN_FLIGHT = 8;
const AGENTS = ["fuzz-real-1", "fuzz-real-2"];
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 1_000_000_007;

describe(`fuzz: adversarial values under /monitor/ (seed ${SEED}; FUZZ_SEED=${SEED} reproduces)`, () => {
  let etcd: EtcdCluster;
  let client: Etcd3;
  let server: FleetwatchProcess;
  let call: ReturnType<typeof apiClient>;
  let receiver: Server;
  const agents: FleetwatchProcess[] = [];

  before(async () => {
    etcd = await startEtcd({ members: 1 });
    client = new Etcd3({ hosts: etcd.hosts });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    call = apiClient(base);
    // A webhook receiver that answers 200, so the manager runs its alert outbox and decodes
    // (or refuses) the records the fuzz writes under /monitor/alerts/.
    receiver = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.end("ok"));
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    server = spawnFleetwatch(
      ["server", "--etcd", etcd.endpoints, "--http", `127.0.0.1:${port}`, "--alert-webhook", hook],
      { name: "server" },
    );
    started.push(server);
    await server.waitForLine(`[HTTP] Dashboard at ${base}/`, { timeoutMs: 15_000 });
    for (const name of AGENTS) {
      agents.push(await startAgent(name, etcd.endpoints, ["--ttl", "3"]));
      await server.waitForLine(`[+] Node ${name} is ALIVE`);
    }
  });

  after(async () => {
    await stopAll();
    receiver?.close();
    client?.close();
    await etcd?.stop();
  });

  test(`${BATCHES * PER_BATCH} cases in ${BATCHES} batches`, async (t) => {
    t.diagnostic(`fuzz seed ${SEED} (reproduce with FUZZ_SEED=${SEED})`);
    const where = (batch: number) => `seed ${SEED}, batch ${batch}`;
    // The last value each config key held that the agent accepts: what it must end up running.
    const lastGood = new Map<string, ConfigOverride>();
    const checked = new Map<FleetwatchProcess, number>();
    const started = Date.now();

    for (let batch = 0; batch < BATCHES; batch++) {
      const cases = fuzzBatch(SEED + batch, PER_BATCH, AGENTS);
      for (let i = 0; i < cases.length; i += IN_FLIGHT) {
        await Promise.all(cases.slice(i, i + IN_FLIGHT).map((c) => client.put(c.key).value(c.value)));
      }
      for (const c of cases) {
        if (!c.key.startsWith("/monitor/config/")) continue;
        const parsed = parseConfigText(c.value);
        if (parsed.ok) lastGood.set(c.key, parsed.value);
      }

      assert.ok(server.running, `manager exited (${where(batch)}): ${server.stderr.slice(-5).join("\n")}`);
      await waitFor(async () => (await call("GET", "/readyz")).status === 200, {
        timeoutMs: 15_000,
        message: `/readyz 200 (${where(batch)})`,
      });
      const nodes = await call("GET", "/api/nodes");
      assert.equal(nodes.status, 200, `/api/nodes (${where(batch)}): ${nodes.text.slice(0, 300)}`);
      for (const name of AGENTS) {
        const view = nodes.json.nodes.find((n: { node: string }) => n.node === name);
        assert.equal(view?.state, "ALIVE", `${name} ALIVE (${where(batch)})`);
      }
      for (const proc of [server, ...agents]) {
        assert.ok(proc.running, `${proc === server ? "manager" : "agent"} running (${where(batch)})`);
        const lines = [...proc.stdout, ...proc.stderr];
        for (const line of lines.slice(checked.get(proc) ?? 0)) {
          assert.equal(
            hasControl(line),
            false,
            `raw control character (${where(batch)}): ${JSON.stringify(line)}`,
          );
        }
        checked.set(proc, lines.length);
      }
    }

    // The agents run their last good config (invalid values were rejected, not applied).
    for (const name of AGENTS) {
      const expected = mergeConfig(
        lastGood.get("/monitor/config/_default"),
        lastGood.get(`/monitor/config/${name}`),
      );
      await waitFor(
        async () => {
          const hb = parseHeartbeat((await client.get(`/monitor/heartbeat/${name}`).string()) ?? "");
          return (
            hb?.config?.interval === expected.interval && hb.config.metrics.join() === expected.metrics.join()
          );
        },
        { timeoutMs: 20_000, message: `${name} runs ${JSON.stringify(expected)} (seed ${SEED})` },
      );
    }
    assert.equal(server.count(/^\[-\] Node fuzz-real-\d/), 0, "no real agent was ever DEAD");
    const metrics = await call("GET", "/metrics");
    assert.match(metrics.text, /fleetwatch_invalid_values_total\{kind="heartbeat"\} [1-9]/);
    t.diagnostic(`${BATCHES * PER_BATCH} cases in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
});
