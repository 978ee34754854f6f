// The dashboard in headless Chromium (Debian's package, driven by playwright-core):
// two live agents show ALIVE, a killed one turns DEAD without a reload, the config form
// changes an agent's interval and shows a validation error beside the field.
// Skips only when /usr/bin/chromium is absent (CI installs it: apt-get install -y chromium).
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Etcd3 } from "etcd3";
import { chromium } from "playwright-core";
import { freePort, REPO_ROOT, spawnFleetwatch, startEtcd } from "./harness/index.ts";

const CHROMIUM = "/usr/bin/chromium";
const TOKEN = "dash-token";
const skip = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing: install it with "apt-get install -y chromium" to run the browser test`;

test("dashboard: live states, DEAD without reload, config form applies and shows errors", {
  skip,
}, async (t) => {
  const etcd = await startEtcd({ members: 1 });
  const client = new Etcd3({ hosts: etcd.hosts });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawnFleetwatch(
    ["server", "--etcd", etcd.endpoints, "--http", `127.0.0.1:${port}`, "--api-token", TOKEN],
    { env: { FLEETWATCH_API_TOKEN: "" } },
  );
  const agents = ["web-1", "web-2"].map((name) =>
    spawnFleetwatch(["agent", "--etcd", etcd.endpoints, "--name", name, "--quiet", "--ttl", "2"]),
  );
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  t.after(async () => {
    await browser.close();
    await Promise.all([server, ...agents].map((p) => p.stop()));
    client.close();
    await etcd.stop();
  });
  const [web1, web2] = agents as [(typeof agents)[0], (typeof agents)[0]];
  await server.waitForLine(`[HTTP] Dashboard at ${base}/`);

  const page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(`${base}/`);
  const row = (node: string, state: string) => page.locator(`tr[data-node="${node}"][data-state="${state}"]`);
  await row("web-1", "ALIVE").waitFor({ timeout: 15_000 });
  await row("web-2", "ALIVE").waitFor({ timeout: 15_000 });
  assert.equal(await row("web-1", "ALIVE").locator(".state").textContent(), "ALIVE");

  // Kill one agent: its row turns DEAD through the SSE stream, no reload.
  const navigations: string[] = [];
  page.on("framenavigated", (f) => navigations.push(f.url()));
  web2.kill("SIGKILL");
  await row("web-2", "DEAD").waitFor({ timeout: 10_000 });
  assert.deepEqual(navigations, [], "the page must not reload");
  assert.match((await page.locator("#events li").first().textContent()) ?? "", /DEAD\s*web-2/);

  // Change web-1's interval through its page's form.
  await page.goto(`${base}/nodes/web-1`);
  const form = page.locator("#config-form");
  // The form fills itself from the stored config once its fetch answers: wait for that, or
  // it can overwrite the interval typed below (seen under load: `{}` saved, interval=10s applied).
  await page.locator("#config-current", { hasText: /override|cannot read/ }).waitFor({ timeout: 10_000 });
  await form.locator('input[name="token"]').fill(TOKEN);
  await form.locator('input[name="interval"]').fill("3");
  const after = web1.stdout.length;
  await form.locator('button[type="submit"]').click();
  await page.locator("#config-result", { hasText: "Saved" }).waitFor({ timeout: 10_000 });
  await web1.waitForLine("[Config] Updated successfully: interval=3s", { after });
  assert.equal(await client.get("/monitor/config/web-1").string(), '{"interval":3}');

  // An invalid interval: the error appears beside the field; nothing is stored.
  await form.locator('input[name="interval"]').fill("0");
  await form.locator('button[type="submit"]').click();
  const error = page.locator("#interval-error");
  await page.waitForFunction(() => (document.querySelector("#interval-error")?.textContent ?? "") !== "");
  assert.match((await error.textContent()) ?? "", /interval: must be at least 1 \(got 0\)/);
  assert.equal(await form.locator('input[name="interval"]').getAttribute("aria-invalid"), "true");
  assert.equal(await client.get("/monitor/config/web-1").string(), '{"interval":3}');
  await page.locator("#chart-cpu canvas").waitFor({ timeout: 10_000 });

  // Screenshots for a person to look at (test-artifacts/ is gitignored).
  const dir = join(REPO_ROOT, "test-artifacts");
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, "dashboard-node.png") });
  await page.goto(`${base}/`);
  await row("web-2", "DEAD").waitFor();
  await page
    .locator('tr[data-node="web-1"] td.num')
    .first()
    .filter({ hasText: "%" })
    .waitFor({ timeout: 10_000 });
  await page.screenshot({ path: join(dir, "dashboard.png") });
  assert.deepEqual(pageErrors, [], "no script errors on the pages");
});
