import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Endpoint, formatEndpoint, parseEndpoints } from "../../src/shared/endpoints.ts";
import { ValidationError } from "../../src/shared/errors.ts";

describe("parseEndpoints: accepted lists", () => {
  const cases: Array<{ text: string; expected: Endpoint[] }> = [
    { text: "127.0.0.1:2379", expected: [{ host: "127.0.0.1", port: 2379 }] },
    { text: "localhost:2379", expected: [{ host: "localhost", port: 2379 }] },
    {
      text: "etcd-0.etcd.svc.cluster.local:2379",
      expected: [{ host: "etcd-0.etcd.svc.cluster.local", port: 2379 }],
    },
    { text: "[::1]:2379", expected: [{ host: "[::1]", port: 2379 }] },
    { text: "[fe80::1:AbCd]:22379", expected: [{ host: "[fe80::1:AbCd]", port: 22379 }] },
    { text: "http://127.0.0.1:2379", expected: [{ host: "127.0.0.1", port: 2379 }] },
    { text: "https://etcd:2379", expected: [{ host: "etcd", port: 2379 }] },
    { text: "http://[::1]:2379", expected: [{ host: "[::1]", port: 2379 }] },
    {
      text: "a:1,b:2,c:3",
      expected: [
        { host: "a", port: 1 },
        { host: "b", port: 2 },
        { host: "c", port: 3 },
      ],
    },
    {
      text: "  a:2379 ,\tb:2380  ,  c:2381\n",
      expected: [
        { host: "a", port: 2379 },
        { host: "b", port: 2380 },
        { host: "c", port: 2381 },
      ],
    },
    { text: "a:2379,,", expected: [{ host: "a", port: 2379 }] },
    { text: "h:1", expected: [{ host: "h", port: 1 }] },
    { text: "h:65535", expected: [{ host: "h", port: 65535 }] },
  ];
  for (const c of cases) {
    test(JSON.stringify(c.text), () => {
      assert.deepEqual(parseEndpoints(c.text), c.expected);
    });
  }

  test("formatEndpoint round-trips, brackets included for IPv6", () => {
    for (const text of ["127.0.0.1:2379", "[::1]:2379", "etcd-2:32379"]) {
      assert.equal(parseEndpoints(text).map(formatEndpoint).join(","), text);
    }
  });
});

describe("parseEndpoints: rejected lists", () => {
  const cases: Array<{ text: string; message: RegExp }> = [
    { text: "", message: /no endpoint given/ },
    { text: "   ", message: /no endpoint given/ },
    { text: ",,", message: /no endpoint given/ },
    { text: "localhost", message: /"localhost" is not host:port/ },
    { text: "127.0.0.1", message: /"127.0.0.1" is not host:port/ },
    { text: "localhost:", message: /is not host:port/ },
    { text: ":2379", message: /is not host:port/ },
    { text: "host:0", message: /port 0 .*out of range 1-65535/ },
    { text: "host:70000", message: /port 70000 .*out of range/ },
    { text: "host:65536", message: /port 65536 .*out of range/ },
    { text: "host:123456", message: /is not host:port/ },
    { text: "host:abc", message: /"host:abc" is not host:port/ },
    { text: "host:-1", message: /is not host:port/ },
    { text: "host:23 79", message: /is not host:port/ },
    { text: "::1:2379", message: /is not host:port/ },
    { text: "[::1]", message: /is not host:port/ },
    { text: "[zz::1]:2379", message: /is not host:port/ },
    { text: "host:2379/path", message: /is not host:port/ },
    { text: "ftp://host:2379", message: /is not host:port/ },
    { text: "my host:2379", message: /is not host:port/ },
    { text: "good:2379,bad", message: /"bad" is not host:port/ },
  ];
  for (const c of cases) {
    test(JSON.stringify(c.text), () => {
      assert.throws(
        () => parseEndpoints(c.text),
        (err: unknown) => {
          assert.ok(err instanceof ValidationError, `a ValidationError, got ${String(err)}`);
          assert.equal(err.field, "etcd");
          assert.match(err.message, /^--etcd: /);
          assert.match(err.message, c.message);
          return true;
        },
      );
    });
  }
});
