// Issue 14: the fleet page in real Chromium at N simulated nodes (default interval 10 s,
// metrics cpu+memory as the built-in default). Measures time to first render (navigation
// start -> the page counts N nodes), the tab's CPU over 60 s (Chromium's own TaskDuration via
// CDP Performance.getMetrics), and SSE bytes per minute (one /api/stream read for 60 s).
// Usage: node --import tsx bench/fleet-page.ts 1000 [10000]. Bounded: N nodes, 60 s each.
import { chromium } from "playwright-core";
import { freePort, spawnFleetwatch, startEtcd } from "../test/integration/harness/index.ts";

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const CHROMIUM = "/usr/bin/chromium";
const WINDOW_MS = 60_000;

async function measure(n: number) {
  const etcd = await startEtcd({ members: 1, extraArgs: ["--quota-backend-bytes", String(8 * 2 ** 30)] });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawnFleetwatch(["server", "--etcd", etcd.endpoints, "--http", `127.0.0.1:${port}`], {
    name: "server",
  });
  await server.waitForLine("Server started. Watching heartbeats...", { timeoutMs: 20_000 });
  const sim = spawnFleetwatch(
    [
      "sim",
      "--etcd",
      etcd.endpoints,
      "--nodes",
      String(n),
      "--name-prefix",
      "b-",
      "--ttl",
      "10",
      "--duration",
      "600",
    ],
    { name: "sim" },
  );
  const t0 = Date.now();
  await sim.waitForLine(new RegExp(`^\\[Sim\\] ${n}/${n} nodes up`), { timeoutMs: 600_000 });
  const startupS = (Date.now() - t0) / 1000;
  // Wait until the manager lists all of them.
  for (;;) {
    const body = (await (await fetch(`${base}/api/status`)).json()) as { ready: boolean };
    const nodes = ((await (await fetch(`${base}/api/nodes`)).json()) as { nodes: unknown[] }).nodes.length;
    if (body.ready && nodes >= n) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  await page.goto(`${base}/`);
  await page.waitForFunction(
    (want) => document.querySelector("#counts .group-all b")?.textContent === String(want),
    n,
    {
      timeout: 120_000,
      polling: 50,
    },
  );
  const firstRenderMs = await page.evaluate(() => performance.now());
  const task = async () => {
    const { metrics } = (await cdp.send("Performance.getMetrics")) as {
      metrics: { name: string; value: number }[];
    };
    return metrics.find((m) => m.name === "TaskDuration")?.value ?? 0;
  };
  // SSE bytes: a separate reader of the same stream for the same 60 s.
  const ac = new AbortController();
  let sseBytes = 0;
  const reading = (async () => {
    const res = await fetch(`${base}/api/stream`, { signal: ac.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      sseBytes += value.length;
    }
  })().catch(() => undefined);
  const snapshotBytes = (await (await fetch(`${base}/api/nodes`)).text()).length;
  const before = await task();
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const cpuS = (await task()) - before;
  ac.abort();
  await reading;
  await browser.close();
  sim.kill("SIGKILL");
  await server.stop();
  await sim.exited;
  await etcd.stop();
  return {
    nodes: n,
    startupS,
    firstRenderMs: Math.round(firstRenderMs),
    tabCpuPct: Math.round((cpuS / (WINDOW_MS / 1000)) * 1000) / 10,
    /** Everything one dashboard stream received in 60 s, its initial snapshot included. */
    sseKiBPerMin: Math.round(sseBytes / 1024),
    snapshotKiB: Math.round(snapshotBytes / 1024),
  };
}

for (const n of sizes) {
  const r = await measure(n);
  console.log(JSON.stringify(r));
}
process.exit(0);
