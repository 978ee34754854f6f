// Issue 11 in the browser: a registry entry with an out-of-range date and a heartbeat with a
// wrong-typed ack among more than 50 nodes once made the dashboard render 0 rows. Skips only
// when /usr/bin/chromium is absent (CI installs it).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { Etcd3 } from "etcd3";
import { chromium } from "playwright-core";
import { freePort, spawnFleetwatch, startEtcd } from "./harness/index.ts";
import { deadRegistryEntry } from "./harness/registry-entry.ts";

const CHROMIUM = "/usr/bin/chromium";
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: apt-get install -y chromium`;

test("dashboard: more than 50 nodes with a 1e300 registry date and a bad ack render every decodable row", {
  skip,
}, async (t) => {
  const etcd = await startEtcd({ members: 1 });
  const client = new Etcd3({ hosts: etcd.hosts });
  const entry = (node: string, since: number) => deadRegistryEntry(node, since, 1_700_000_000_000);
  await client.put("/monitor/nodes/ancient").value(entry("ancient", 1e300));
  for (let i = 0; i < 55; i++)
    await client.put(`/monitor/nodes/old-${i}`).value(entry(`old-${i}`, 1_700_000_000_000));
  await client.put("/monitor/heartbeat/evil").value('{"status":"alive","ts":1,"config":{"metrics":5}}');

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawnFleetwatch(["server", "--etcd", etcd.endpoints, "--http", `127.0.0.1:${port}`]);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
  t.after(async () => {
    await browser.close();
    await server.stop();
    client.close();
    await etcd.stop();
  });
  await server.waitForLine(`[HTTP] Dashboard at ${base}/`);
  await server.waitForLine("[+] Node evil is ALIVE");

  const page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(`${base}/`);
  await page.locator('tr[data-node="evil"][data-state="ALIVE"]').waitFor({ timeout: 20_000 });
  await page.locator('tr[data-node="old-54"]').waitFor({ timeout: 20_000 });
  const rows = await page.locator("tr[data-node]").count();
  assert.ok(rows >= 56, `every decodable node has a row (${rows})`);
  assert.equal(await page.locator('tr[data-node="ancient"]').count(), 0, "the undecodable entry is left out");
  assert.deepEqual(pageErrors, []);
  assert.ok(server.running);
});
