// The dashboard stream against a real manager and 50 simulated nodes: HEAD answers, the
// --http-max-streams cap refuses with 503, and after the snapshot only deltas flow (changed
// fields of changed nodes), which we also measure.
import assert from "node:assert/strict";
import { test } from "node:test";
import { started, startServer, stopAll } from "./fleet.ts";
import { freePort, spawnFleetwatch, useEtcd, waitFor } from "./harness/index.ts";

const fx = useEtcd({ stopFirst: stopAll });

test("SSE: HEAD answers, the stream cap refuses with 503, after the snapshot only deltas", async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  await startServer(fx.etcd.endpoints, ["--http", `127.0.0.1:${port}`, "--http-max-streams", "2"]);
  await fx.client.put("/monitor/config/_default").value(JSON.stringify({ interval: 1 }));
  const sim = spawnFleetwatch(
    [
      "sim",
      "--etcd",
      fx.etcd.endpoints,
      "--nodes",
      "50",
      "--name-prefix",
      "s-",
      "--ttl",
      "5",
      "--duration",
      "90",
    ],
    { name: "sim" },
  );
  started.push(sim);
  await sim.waitForLine(/^\[Sim\] 50\/50 nodes up/, { timeoutMs: 30_000 });
  await waitFor(
    async () =>
      ((await (await fetch(`${base}/api/nodes`)).json()) as { nodes: unknown[] }).nodes.length === 50,
    {
      timeoutMs: 15_000,
    },
  );

  const head = await fetch(`${base}/api/stream`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.match(head.headers.get("content-type") ?? "", /text\/event-stream/);

  const ac = new AbortController();
  const first = await fetch(`${base}/api/stream`, { signal: ac.signal });
  const second = await fetch(`${base}/api/stream`, { signal: ac.signal });
  assert.equal(second.status, 200);
  const third = await fetch(`${base}/api/stream`);
  assert.equal(third.status, 503);
  assert.match(((await third.json()) as { error: string }).error, /--http-max-streams/);
  assert.equal((await fetch(`${base}/api/stream`, { method: "HEAD" })).status, 503);

  // Read the first stream for 10 s: one snapshot, then patches carrying only what changed.
  const reader = (first.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  const until = Date.now() + 10_000;
  // One read in flight at a time: a read that loses the race to the timer is awaited next turn.
  let pending = reader.read();
  while (Date.now() < until) {
    const tick = new Promise<"tick">((r) => setTimeout(() => r("tick"), 500));
    const got = await Promise.race([pending, tick]);
    if (got === "tick") continue;
    if (got.done) break;
    text += decoder.decode(got.value, { stream: true });
    pending = reader.read();
  }
  pending.catch(() => undefined); // the abort below rejects the read still in flight
  ac.abort();
  const events = [...text.matchAll(/^event: (\w+)\ndata: (.*)$/gm)].map((m) => ({
    event: m[1],
    data: m[2] ?? "",
  }));
  const snapshot = events.find((e) => e.event === "snapshot");
  assert.ok(snapshot, "a snapshot first");
  const patches = events
    .filter((e) => e.event === "nodes")
    .flatMap((e) => JSON.parse(e.data) as Record<string, unknown>[]);
  assert.ok(patches.length >= 50, `patches for the nodes' samples (got ${patches.length})`);
  for (const p of patches) {
    assert.ok(
      !("desired" in p) && !("firstSeen" in p),
      `a patch carries only changed fields: ${JSON.stringify(p)}`,
    );
  }
  const patchBytes = events.filter((e) => e.event === "nodes").reduce((n, e) => n + e.data.length, 0);
  console.log(
    `SSE over 10 s, 50 nodes at interval 1 s: snapshot ${snapshot.data.length} B, ${patches.length} patches, ${patchBytes} B of patches`,
  );
});
