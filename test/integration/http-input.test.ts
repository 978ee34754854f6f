// Untrusted input at the edges of the API and ctl (issue 11 "Also"): the token from a file
// (not in `ps`), config bodies that are not objects, a client that aborts mid-body, and
// `ctl config set --from-file /dev/zero`. Against a real etcd and a real server process.
import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Etcd3 } from "etcd3";
import { MAX_CONFIG_BYTES } from "../../src/shared/schema.ts";
import { runCtl } from "./fleet.ts";
import {
  type EtcdCluster,
  type FleetwatchProcess,
  freePort,
  spawnFleetwatch,
  startEtcd,
} from "./harness/index.ts";
import { trackFolder, untrackFolder } from "./harness/reaper.ts";
import { apiClient, configState } from "./http/client.ts";

const TOKEN = "file-t0ken-for-tests";

describe("API and ctl input edges", { timeout: 120_000 }, () => {
  let etcd: EtcdCluster;
  let client: Etcd3;
  let dir: string;
  let server: FleetwatchProcess;
  let port: number;
  let call: ReturnType<typeof apiClient>;

  before(async () => {
    etcd = await startEtcd({ members: 1 });
    client = new Etcd3({ hosts: etcd.hosts });
    dir = await mkdtemp(join(tmpdir(), "fleetwatch-http-input-"));
    trackFolder(dir);
    const tokenFile = join(dir, "token");
    await writeFile(tokenFile, `${TOKEN}\n`); // as `echo` or a Secret writes it
    await chmod(tokenFile, 0o600);
    port = await freePort();
    call = apiClient(`http://127.0.0.1:${port}`);
    server = spawnFleetwatch(
      [
        "server",
        "--etcd",
        etcd.endpoints,
        "--http",
        `127.0.0.1:${port}`,
        "--api-token-file",
        tokenFile,
        "--log-level",
        "debug",
      ],
      { env: { FLEETWATCH_API_TOKEN: "" } },
    );
    await server.waitForLine(`[HTTP] Dashboard at http://127.0.0.1:${port}/`);
  });
  after(async () => {
    await server?.stop();
    client?.close();
    await etcd?.stop();
    untrackFolder(dir);
    await rm(dir, { recursive: true, force: true });
  });

  it("--api-token-file: the token works, trimmed, and is not on the command line", async () => {
    assert.equal(server.count(/No API token set/), 0, server.tail());
    const put = await call("PUT", "/api/config/default", { body: { interval: 7 }, token: TOKEN });
    assert.equal(put.status, 200, put.text);
    const wrong = await call("PUT", "/api/config/default", {
      body: { interval: 8 },
      token: `${TOKEN}-wrong`,
    });
    assert.notEqual(wrong.status, 200);
    const cmdline = await readFile(`/proc/${server.pid}/cmdline`, "utf8");
    assert.ok(cmdline.includes("--api-token-file"), cmdline);
    assert.ok(!cmdline.includes(TOKEN), "the token shows in ps");
  });

  for (const [raw, kind] of [
    ["[]", "an array"],
    ["null", "null"],
    ['"{\\"interval\\":5}"', "a string"],
    ["5", "a number"],
  ] as const) {
    it(`a config body ${raw} is refused naming what it is (${kind})`, async () => {
      const before = await configState(client);
      const reply = await call("PUT", "/api/config/default", {
        raw,
        token: TOKEN,
        headers: { "content-type": "application/json" },
      });
      assert.equal(reply.status, 400, reply.text);
      assert.equal(reply.json?.field, "body");
      assert.equal(
        reply.json?.error,
        `body must be a JSON object like {"interval": 10, "metrics": ["cpu"]}, not ${kind}`,
      );
      assert.equal(await configState(client), before, "a refused body changed etcd");
    });
  }

  it("a client aborting mid-body is a debug line, not an error, and the server carries on", async () => {
    const errorsBefore = server.stderr.filter((l) => l.startsWith("error:")).length;
    const socket = connect(port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    // Expect: 100-continue makes the server answer once it has dispatched the request to its
    // handler: the event to wait for before cutting the body off.
    const continued = new Promise<void>((resolve) =>
      socket.on("data", (d: Buffer) => d.toString().includes("100 Continue") && resolve()),
    );
    socket.write(
      "PUT /api/config/default HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n" +
        `Authorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`,
    );
    await continued;
    socket.write('{"interval":');
    socket.resetAndDestroy();
    await server.waitForLine(/client closed the connection mid-request/, {
      stream: "stderr",
      timeoutMs: 10_000,
    });
    assert.equal(
      server.stderr.filter((l) => l.startsWith("error:")).length,
      errorsBefore,
      `an error-level log: ${server.stderr.join("\n")}`,
    );
    assert.equal((await call("GET", "/healthz")).status, 200);
  });

  it("ctl config set --from-file /dev/zero fails fast naming the limit", async () => {
    const started = Date.now();
    const run = await runCtl(etcd.endpoints, "config", "set", "n1", "--from-file", "/dev/zero");
    const elapsed = Date.now() - started;
    assert.equal(run.code, 2, run.stderr.join("\n"));
    assert.match(
      run.stderr.join("\n"),
      new RegExp(
        `/dev/zero is too large: the limit is ${MAX_CONFIG_BYTES} bytes \\(stopped reading there\\)`,
      ),
    );
    // Reading /dev/zero whole never ends; the bound is generous for a loaded machine.
    assert.ok(elapsed < 20_000, `took ${elapsed} ms`);
  });

  it("--api-token-file that is missing, empty, or given with --api-token: exit 1 with a message", async () => {
    const start = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
      const p = spawnFleetwatch(["server", "--etcd", etcd.endpoints, "--http", "127.0.0.1:0", ...args], {
        env: { FLEETWATCH_API_TOKEN: "", ...env },
      });
      const exit = await p.exited;
      return { code: exit.code, err: p.stderr.join("\n") };
    };
    const missing = await start(["--api-token-file", join(dir, "nope")]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /--api-token-file: cannot read .*nope: no such file/);
    const empty = join(dir, "empty");
    await writeFile(empty, "  \n");
    const blank = await start([], { FLEETWATCH_API_TOKEN_FILE: empty });
    assert.equal(blank.code, 1);
    assert.match(blank.err, /--api-token-file .*empty is empty/);
    const both = await start(["--api-token", "x", "--api-token-file", empty]);
    assert.equal(both.code, 1);
    assert.match(both.err, /not both/);
  });
});
