// Pins the etcd3 internal that src/shared/resumable-watch.ts relies on: on "disconnected" it
// rewrites `watcher.request.start_revision` so that etcd3's own re-attach resumes just past
// the last event we delivered. That only works while etcd3 (a) keeps the watch request in
// `Watcher.request`, (b) re-sends that very object as the create_request when it re-attaches
// after a broken stream and (c) emits "disconnected" before re-attaching. An etcd3 upgrade
// that changes any of this must fail here, by name, instead of silently skipping events.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { Etcd3 } from "etcd3";

const require = createRequire(import.meta.url);
const etcd3Dir = dirname(require.resolve("etcd3/package.json"));
const etcd3Version = (JSON.parse(readFileSync(join(etcd3Dir, "package.json"), "utf8")) as { version: string })
  .version;
const watchSource = readFileSync(join(etcd3Dir, "lib", "watch.js"), "utf8");
const broken = (what: string) =>
  `etcd3 ${etcd3Version} (${join(etcd3Dir, "lib", "watch.js")}): ${what} - ` +
  "src/shared/resumable-watch.ts rewrites watcher.request.start_revision on 'disconnected' " +
  "to resume from the last delivered revision; re-check that trap before upgrading etcd3";

test("etcd3 re-attaches a watcher by sending its request object (with start_revision) as create_request", () => {
  assert.match(
    watchSource,
    /stream\.write\(\{\s*create_request:\s*watcher\.request\s*\}\)/,
    broken("the attach queue no longer sends `create_request: watcher.request`"),
  );
  assert.match(
    watchSource,
    /this\.queue\.attach\(this\.watchers\)/,
    broken("a re-established stream no longer re-attaches every existing watcher"),
  );
  assert.match(
    watchSource,
    /this\.request\.start_revision\s*=/,
    broken("the Watcher no longer keeps its resume point in request.start_revision"),
  );
});

test("etcd3 emits 'disconnected' to each watcher before it schedules the re-attach", () => {
  const handleError = watchSource.slice(watchSource.indexOf("handleError(err) {"));
  assert.ok(watchSource.includes("handleError(err) {"), broken("WatchManager.handleError is gone"));
  const disconnected = handleError.indexOf("emit('disconnected'");
  const reconnect = handleError.indexOf("setTimeout(");
  assert.ok(
    disconnected >= 0 && reconnect > disconnected,
    broken("handleError no longer emits 'disconnected' before the delayed re-establish"),
  );
});

test("a Watcher built by the client carries its start revision in request.start_revision", async () => {
  // Nothing listens on port 9 of loopback here (discard): the watcher never connects; we
  // only look at the object etcd3 built and would send.
  const client = new Etcd3({ hosts: "http://127.0.0.1:9", dialTimeout: 200 });
  try {
    const watcher = client.watch().prefix("/pin/").startRevision("41").watcher();
    watcher.on("error", () => undefined);
    watcher.on("disconnected", () => undefined);
    const request = (watcher as unknown as { request?: { start_revision?: unknown } }).request;
    assert.ok(
      request && "start_revision" in request,
      broken("a built Watcher has no request.start_revision"),
    );
    assert.equal(
      String(request.start_revision),
      "41",
      broken("request.start_revision is not the start revision"),
    );
    await watcher.cancel().catch(() => undefined);
  } finally {
    client.close();
  }
});
