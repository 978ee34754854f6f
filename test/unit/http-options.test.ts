// The server's HTTP flags (src/manager/http/options.ts) and alerting flags
// (src/manager/alerts/options.ts): `--http <host:port|off>` parsing and the defaults
// commander applies. No socket is opened.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Command, InvalidArgumentError } from "commander";
import { withAlertOptions } from "../../src/manager/alerts/options.ts";
import {
  DEFAULT_HTTP_LISTEN,
  externalUrlArg,
  type HttpListen,
  parseListen,
  withHttpOptions,
} from "../../src/manager/http/options.ts";

describe("parseListen (--http)", () => {
  const ok: [text: string, want: HttpListen][] = [
    ["off", "off"],
    ["127.0.0.1:8080", { host: "127.0.0.1", port: 8080 }],
    ["0.0.0.0:8080", { host: "0.0.0.0", port: 8080 }],
    [":8080", { host: "0.0.0.0", port: 8080 }],
    ["localhost:80", { host: "localhost", port: 80 }],
    ["fleet.example.com:443", { host: "fleet.example.com", port: 443 }],
    ["[::1]:8080", { host: "::1", port: 8080 }],
    ["[::]:9000", { host: "::", port: 9000 }],
    ["[::ffff:127.0.0.1]:1", { host: "::ffff:127.0.0.1", port: 1 }],
    ["127.0.0.1:0", { host: "127.0.0.1", port: 0 }],
    ["127.0.0.1:65535", { host: "127.0.0.1", port: 65535 }],
    ["  127.0.0.1:8080  ", { host: "127.0.0.1", port: 8080 }],
    ["127.0.0.1:08080", { host: "127.0.0.1", port: 8080 }],
  ];
  for (const [text, want] of ok) {
    it(`${JSON.stringify(text)} -> ${JSON.stringify(want)}`, () => assert.deepEqual(parseListen(text), want));
  }

  const bad = [
    "",
    "8080",
    "127.0.0.1",
    "127.0.0.1:",
    "127.0.0.1:65536",
    "127.0.0.1:123456",
    "127.0.0.1:-1",
    "127.0.0.1:80a",
    "::1:8080", // IPv6 needs brackets
    "[::1]8080",
    "[nothex]:80",
    "http://127.0.0.1:8080",
    "host name:80",
    "a/b:80",
    "OFF",
    "on",
  ];
  for (const text of bad) {
    it(`${JSON.stringify(text)} is refused with an example`, () => {
      assert.throws(
        () => parseListen(text),
        (err: unknown) =>
          err instanceof InvalidArgumentError &&
          err.message.includes(JSON.stringify(text)) &&
          err.message.includes("127.0.0.1:8080"),
      );
    });
  }

  it("the default is loopback 8080", () => {
    assert.equal(DEFAULT_HTTP_LISTEN, "127.0.0.1:8080");
    assert.deepEqual(parseListen(DEFAULT_HTTP_LISTEN), { host: "127.0.0.1", port: 8080 });
  });
});

describe("externalUrlArg (--external-url)", () => {
  it("normalises away trailing slashes so links join cleanly", () => {
    assert.equal(externalUrlArg("https://fleet.example.org/"), "https://fleet.example.org");
    assert.equal(externalUrlArg("http://10.0.0.5:8080/fleetwatch//"), "http://10.0.0.5:8080/fleetwatch");
  });
  for (const bad of ["fleet.example.org", "ftp://x", "not a url", ""]) {
    it(`rejects ${JSON.stringify(bad)} with a reason`, () => {
      assert.throws(() => externalUrlArg(bad), InvalidArgumentError);
    });
  }
});

describe("withHttpOptions and withAlertOptions (flags of `fleetwatch server`)", () => {
  const parse = (args: string[], env: Record<string, string> = {}) => {
    const saved = { ...process.env };
    for (const k of Object.keys(process.env)) if (k.startsWith("FLEETWATCH_")) delete process.env[k];
    Object.assign(process.env, env);
    try {
      const cmd = withAlertOptions(withHttpOptions(new Command("server")))
        .exitOverride()
        .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
      cmd.parse(args, { from: "user" });
      return cmd.opts();
    } finally {
      process.env = saved;
    }
  };

  const table: {
    name: string;
    args: string[];
    env?: Record<string, string>;
    want: Record<string, unknown>;
  }[] = [
    {
      name: "defaults",
      args: [],
      want: {
        http: { host: "127.0.0.1", port: 8080 },
        alertWebhook: [],
        alertFormat: "alertmanager",
        alertmanager: [],
        alertGroupWait: 0,
        alertOnLeave: undefined,
      },
    },
    {
      name: "--alertmanager repeats, without a trailing slash",
      args: ["--alertmanager", "http://am-1:9093/", "--alertmanager", "http://am-2:9093"],
      want: { alertmanager: ["http://am-1:9093", "http://am-2:9093"] },
    },
    {
      name: "FLEETWATCH_ALERTMANAGER holds several, comma-separated",
      args: [],
      env: { FLEETWATCH_ALERTMANAGER: "http://am-1:9093, http://am-2:9093" },
      want: { alertmanager: ["http://am-1:9093", "http://am-2:9093"] },
    },
    { name: "--alert-group-wait 5s", args: ["--alert-group-wait", "5s"], want: { alertGroupWait: 5000 } },
    { name: "--alert-on-leave", args: ["--alert-on-leave"], want: { alertOnLeave: true } },
    { name: "--http off", args: ["--http", "off"], want: { http: "off" } },
    {
      name: "FLEETWATCH_HTTP",
      args: [],
      env: { FLEETWATCH_HTTP: "[::1]:0" },
      want: { http: { host: "::1", port: 0 } },
    },
    {
      name: "the flag wins over the environment",
      args: ["--http", ":9000"],
      env: { FLEETWATCH_HTTP: "off" },
      want: { http: { host: "0.0.0.0", port: 9000 } },
    },
    {
      name: "--api-token and FLEETWATCH_API_TOKEN",
      args: [],
      env: { FLEETWATCH_API_TOKEN: "s3cret" },
      want: { apiToken: "s3cret" },
    },
    {
      name: "--alert-webhook repeats",
      args: ["--alert-webhook", "http://a.example/hook", "--alert-webhook", "https://b.example/x?k=1"],
      want: { alertWebhook: ["http://a.example/hook", "https://b.example/x?k=1"] },
    },
    { name: "--alert-format slack", args: ["--alert-format", "slack"], want: { alertFormat: "slack" } },
  ];
  for (const c of table) {
    it(c.name, () => {
      const opts = parse(c.args, c.env);
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(opts[k], v, k);
    });
  }

  const refused: { name: string; args: string[] }[] = [
    { name: "a bad --http", args: ["--http", "8080"] },
    { name: "a webhook that is not a URL", args: ["--alert-webhook", "not a url"] },
    { name: "a webhook that is not http(s)", args: ["--alert-webhook", "ftp://x.example/"] },
    { name: "an unknown --alert-format", args: ["--alert-format", "teams"] },
    { name: "an Alertmanager that is not http(s)", args: ["--alertmanager", "am:9093"] },
    { name: "a bad --alert-group-wait", args: ["--alert-group-wait", "soon"] },
  ];
  for (const c of refused) {
    it(`refuses ${c.name}`, () => assert.throws(() => parse(c.args), { name: "CommanderError" }));
  }
});
