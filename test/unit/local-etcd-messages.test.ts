import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pathCandidates } from "../../src/local-etcd/find-binary.ts";
import { LineTail } from "../../src/local-etcd/line-tail.ts";
import {
  exitCodeFor,
  installHint,
  interpretEtcdLog,
  isWorthShowing,
  portProblemMessage,
  readableLogLine,
} from "../../src/local-etcd/messages.ts";

describe("installHint", () => {
  it("puts apt first on Linux and names every way", () => {
    const text = installHint("linux");
    assert.ok(text.indexOf("apt-get install -y etcd-server") < text.indexOf("brew install etcd"));
    assert.match(text, /releases/);
  });
  it("puts brew first on macOS", () => {
    const text = installHint("darwin");
    assert.ok(text.indexOf("brew install etcd") < text.indexOf("apt-get"));
  });
});

describe("portProblemMessage", () => {
  it("says an etcd already answers on the client port", () => {
    const text = portProblemMessage({
      role: "client",
      host: "127.0.0.1",
      port: 2379,
      code: "EADDRINUSE",
      etcdAnswers: true,
    });
    assert.match(text, /an etcd is already running on 127\.0\.0\.1:2379/);
    assert.match(text, /--etcd 127\.0\.0\.1:2379/);
  });
  const table: Array<[Parameters<typeof portProblemMessage>[0], RegExp]> = [
    [
      { role: "client", host: "127.0.0.1", port: 2379, code: "EADDRINUSE" },
      /client port 2379.*--port <port>/,
    ],
    [
      { role: "peer", host: "127.0.0.1", port: 2380, code: "EADDRINUSE" },
      /peer port 2380.*--peer-port <port>/,
    ],
    [{ role: "client", host: "127.0.0.1", port: 80, code: "EACCES" }, /below 1024.*--port/],
    [
      { role: "client", host: "10.9.9.9", port: 2379, code: "EADDRNOTAVAIL" },
      /not an address of this machine/,
    ],
    [{ role: "peer", host: "127.0.0.1", port: 2380, code: "EWHATEVER" }, /EWHATEVER.*--peer-port/],
  ];
  for (const [problem, expected] of table) {
    it(`${problem.role} ${problem.code}`, () => assert.match(portProblemMessage(problem), expected));
  }
});

describe("interpretEtcdLog", () => {
  const table: Array<[string, RegExp | undefined]> = [
    [
      '{"level":"fatal","msg":"listen tcp 127.0.0.1:2379: bind: address already in use"}',
      /--port\/--peer-port/,
    ],
    [
      '{"level":"info","msg":"db file is flocked by another process, or taking too long"}',
      /in use by another etcd/,
    ],
    ["open /d/member: permission denied", /permissions/],
    ['{"level":"info","msg":"ready to serve client requests"}', undefined],
  ];
  for (const [line, expected] of table) {
    it(line.slice(0, 60), () => {
      const hint = interpretEtcdLog(["something else", line], "/d");
      if (expected === undefined) assert.equal(hint, undefined);
      else assert.match(hint ?? "", expected);
    });
  }
});

describe("isWorthShowing", () => {
  const table: Array<[string, boolean]> = [
    ['{"level":"info","msg":"starting an etcd server"}', false],
    ['{"level":"warn","msg":"slow fdatasync"}', true],
    ['{"level":"fatal","msg":"listen failed"}', true],
    ['{"level":"warn","msg":"simple token is not cryptographically signed"}', false],
    ["2026-11-26 03:33:22.349475 W | pkg/fileutil: check file permission", true],
    ["2026-11-26 03:33:22.349475 I | embed: ready", false],
    ["panic: runtime error", true],
    ["WARNING: 2026/11/26 [core] grpc: addrConn.createTransport failed to connect to {…}", false],
  ];
  for (const [line, shown] of table) it(line.slice(0, 60), () => assert.equal(isWorthShowing(line), shown));
});

describe("readableLogLine", () => {
  it("keeps level, message and fields of a zap line", () => {
    assert.equal(
      readableLogLine('{"level":"warn","ts":"x","caller":"y","msg":"slow","took":"2s"}'),
      "warn: slow took=2s",
    );
  });
  it("passes other lines through", () => assert.equal(readableLogLine("plain"), "plain"));
});

describe("exitCodeFor", () => {
  const table: Array<[number | null, NodeJS.Signals | null, boolean, number]> = [
    [0, null, false, 0],
    [1, null, false, 1],
    [1, null, true, 1],
    [null, "SIGINT", true, 0], // etcd re-raises the signal we forwarded after a clean stop
    [null, "SIGTERM", true, 0],
    [null, "SIGKILL", true, 137],
    [null, "SIGTERM", false, 143],
  ];
  for (const [code, signal, requested, expected] of table) {
    it(`${code}/${signal}/${requested} -> ${expected}`, () =>
      assert.equal(exitCodeFor(code, signal, requested), expected));
  }
});

describe("pathCandidates", () => {
  it("tries each PATH entry in order and skips empty ones", () => {
    assert.deepEqual(pathCandidates("etcd", "/a::/b", ":"), ["/a/etcd", "/b/etcd"]);
  });
  it("uses a path with a slash as it is", () => {
    assert.deepEqual(pathCandidates("./etcd", "/a", ":"), ["./etcd"]);
  });
  it("copes with no PATH", () => assert.deepEqual(pathCandidates("etcd", undefined, ":"), []));
});

describe("LineTail", () => {
  it("joins lines split across chunks and keeps the last N", () => {
    const tail = new LineTail(2);
    assert.deepEqual(tail.push("a\nb"), ["a"]);
    assert.deepEqual(tail.push("c\nd\n"), ["bc", "d"]);
    tail.push("e");
    assert.deepEqual(tail.snapshot(), ["bc", "d", "e"]);
  });
});
