// Request parsing of the HTTP API: the body-size limit (src/manager/http/http-util.ts) and
// path, query, header and rollback-body parameters (src/manager/http/params.ts). Bodies are
// in-memory streams; no socket is opened.
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import {
  declaredTooLarge,
  HttpError,
  MAX_BODY_BYTES,
  readBody,
  readJson,
} from "../../src/manager/http/http-util.ts";
import {
  configBodyFrom,
  decodeNode,
  expectedRevisionFrom,
  mergeFrom,
  optionalInt,
  parseRollbackBody,
} from "../../src/manager/http/params.ts";

/** The status and field of the HttpError `fn` throws, or "ok" with its value. */
function result<T>(fn: () => T): { ok: T } | { status: number; field: string | undefined } {
  try {
    return { ok: fn() };
  } catch (err) {
    assert.ok(err instanceof HttpError, `not an HttpError: ${err}`);
    return { status: err.status, field: err.field };
  }
}

describe("body size limit", () => {
  it("is 64 KiB", () => assert.equal(MAX_BODY_BYTES, 65_536));

  const table: [contentLength: string | undefined, limit: number, tooLarge: boolean][] = [
    [undefined, 100, false], // chunked: counted while reading
    ["", 100, false],
    ["0", 100, false],
    ["100", 100, false], // exactly the limit is allowed
    ["101", 100, true],
    ["65536", MAX_BODY_BYTES, false],
    ["65537", MAX_BODY_BYTES, true],
    ["1e9", 100, true],
    ["abc", 100, false], // unparseable: counted while reading
  ];
  for (const [cl, limit, want] of table) {
    it(`Content-Length ${JSON.stringify(cl)}, limit ${limit}: ${want ? "413 before reading" : "read"}`, () => {
      assert.equal(declaredTooLarge(cl, limit), want);
    });
  }
  it("the default limit is MAX_BODY_BYTES", () => {
    assert.equal(declaredTooLarge(String(MAX_BODY_BYTES)), false);
    assert.equal(declaredTooLarge(String(MAX_BODY_BYTES + 1)), true);
  });

  /** An in-memory request: its body in chunks, and optionally a Content-Length header. */
  const request = (chunks: string[], contentLength?: number) =>
    Object.assign(Readable.from(chunks.map((c) => Buffer.from(c))), {
      headers: contentLength === undefined ? {} : { "content-length": String(contentLength) },
    }) as unknown as IncomingMessage;

  const reads: { name: string; chunks: string[]; cl?: number; limit: number; want: string | 413 }[] = [
    { name: "under the limit", chunks: ["ab", "cd"], limit: 10, want: "abcd" },
    { name: "exactly the limit", chunks: ["abcde", "fghij"], limit: 10, want: "abcdefghij" },
    { name: "one byte over, no Content-Length (chunked)", chunks: ["abcde", "fghijk"], limit: 10, want: 413 },
    { name: "a declared length over the limit", chunks: ["a"], cl: 11, limit: 10, want: 413 },
    { name: "a lying Content-Length under the limit", chunks: ["abcdefghijk"], cl: 5, limit: 10, want: 413 },
    { name: "empty", chunks: [], limit: 10, want: "" },
  ];
  for (const c of reads) {
    it(`readBody: ${c.name}`, async () => {
      const got = await readBody(request(c.chunks, c.cl), c.limit).catch((err: HttpError) => err.status);
      assert.equal(got, c.want);
    });
  }
  it("readBody counts bytes, not characters, and joins a character split across chunks", async () => {
    const e = Buffer.from("é"); // 2 bytes
    const req = Object.assign(Readable.from([e.subarray(0, 1), e.subarray(1)]), { headers: {} });
    assert.equal(await readBody(req as unknown as IncomingMessage, 2), "é");
    const over = Object.assign(Readable.from([Buffer.from("éé")]), { headers: {} });
    await assert.rejects(readBody(over as unknown as IncomingMessage, 3), { status: 413 });
  });

  const json: { name: string; body: string; want: unknown }[] = [
    { name: "an object", body: '{"interval": 5}', want: { interval: 5 } },
    { name: "empty", body: "", want: 400 },
    { name: "whitespace", body: " \n", want: 400 },
    { name: "not JSON", body: "interval=5", want: 400 },
  ];
  for (const c of json) {
    it(`readJson: ${c.name}`, async () => {
      const got = await readJson(request([c.body])).catch((err: HttpError) => {
        assert.equal(err.field, "body");
        return err.status;
      });
      assert.deepEqual(got, c.want);
    });
  }
});

describe("decodeNode", () => {
  const table: [segment: string | undefined, want: string | number][] = [
    ["web-1", "web-1"],
    ["web_1.eu", "web_1.eu"],
    ["LAPTOP-UMVK4LFU", "LAPTOP-UMVK4LFU"],
    ["web%2D1", "web-1"],
    ["%E0%A4%A", 400], // broken percent-encoding
    ["a%2Fb", 400], // "/" decoded
    ["_default", 400], // cannot collide with the fleet default
    ["-web", 400],
    ["web%201", 400],
    ["", 400],
    [undefined, 400],
    ["x".repeat(254), 400],
  ];
  for (const [segment, want] of table) {
    it(`${JSON.stringify(segment)?.slice(0, 30)} -> ${want}`, () => {
      const got = result(() => decodeNode(segment));
      assert.deepEqual(got, typeof want === "string" ? { ok: want } : { status: want, field: "node" });
    });
  }
});

describe("optionalInt (?since, ?limit, ?expectedRevision)", () => {
  const table: [text: string | null, want: number | undefined | 400][] = [
    [null, undefined],
    ["0", 0],
    ["42", 42],
    ["007", 7],
    ["999999999999999", 999_999_999_999_999],
    ["1000000000000000", 400], // 16 digits
    ["", 400],
    ["-1", 400],
    ["1.5", 400],
    ["1e3", 400],
    [" 1", 400],
    ["abc", 400],
  ];
  for (const [text, want] of table) {
    it(`${JSON.stringify(text)} -> ${want}`, () => {
      const got = result(() => optionalInt(text, "limit"));
      assert.deepEqual(got, want === 400 ? { status: 400, field: "limit" } : { ok: want });
    });
  }
});

describe("expectedRevisionFrom (If-Match, ?expectedRevision)", () => {
  const table: {
    ifMatch: string | undefined;
    query: string | null;
    want: number | undefined | [number, string];
  }[] = [
    { ifMatch: undefined, query: null, want: undefined },
    { ifMatch: '"42"', query: null, want: 42 },
    { ifMatch: "42", query: null, want: 42 },
    { ifMatch: 'W/"42"', query: null, want: 42 },
    { ifMatch: ' "0" ', query: null, want: 0 },
    { ifMatch: '"42"', query: "7", want: 42 }, // the header wins
    { ifMatch: undefined, query: "7", want: 7 },
    { ifMatch: undefined, query: "x", want: [400, "expectedRevision"] },
    { ifMatch: "*", query: null, want: [400, "If-Match"] },
    { ifMatch: '"42", "43"', query: null, want: [400, "If-Match"] },
    { ifMatch: '"-1"', query: null, want: [400, "If-Match"] },
    { ifMatch: "", query: null, want: [400, "If-Match"] },
  ];
  for (const c of table) {
    it(`If-Match ${JSON.stringify(c.ifMatch)}, query ${JSON.stringify(c.query)}`, () => {
      const got = result(() => expectedRevisionFrom(c.ifMatch, c.query));
      assert.deepEqual(got, Array.isArray(c.want) ? { status: c.want[0], field: c.want[1] } : { ok: c.want });
    });
  }
});

describe("mergeFrom (?merge)", () => {
  const table: [string | null, boolean | 400][] = [
    [null, false],
    ["true", true],
    ["false", false],
    ["", 400],
    ["1", 400],
    ["TRUE", 400],
  ];
  for (const [text, want] of table) {
    it(`${JSON.stringify(text)} -> ${want}`, () => {
      assert.deepEqual(
        result(() => mergeFrom(text)),
        want === 400 ? { status: 400, field: "merge" } : { ok: want },
      );
    });
  }
});

describe("parseRollbackBody", () => {
  const table: {
    body: unknown;
    want: { version: number; expectedRevision: number | undefined } | [number, string];
  }[] = [
    { body: { version: 3 }, want: { version: 3, expectedRevision: undefined } },
    { body: { version: 3, expectedRevision: 0 }, want: { version: 3, expectedRevision: 0 } },
    { body: { version: 3, expectedRevision: 42 }, want: { version: 3, expectedRevision: 42 } },
    { body: null, want: [400, "body"] },
    { body: [3], want: [400, "body"] },
    { body: 3, want: [400, "body"] },
    { body: "3", want: [400, "body"] },
    { body: {}, want: [400, "version"] },
    { body: { version: 0 }, want: [400, "version"] },
    { body: { version: 1.5 }, want: [400, "version"] },
    { body: { version: "3" }, want: [400, "version"] },
    { body: { version: 2 ** 53 }, want: [400, "version"] },
    { body: { version: 3, expectedRevision: "42" }, want: [400, "expectedRevision"] },
    { body: { version: 3, expectedRevision: 1.5 }, want: [400, "expectedRevision"] },
    { body: { version: 3, to: 2 }, want: [400, "to"] },
  ];
  for (const c of table) {
    it(`${JSON.stringify(c.body)}`, () => {
      const got = result(() => parseRollbackBody(c.body));
      assert.deepEqual(got, Array.isArray(c.want) ? { status: c.want[0], field: c.want[1] } : { ok: c.want });
    });
  }
});

describe("configBodyFrom: a config body is a JSON object, named otherwise", () => {
  const table: [unknown, string | undefined][] = [
    [{ interval: 5 }, undefined],
    [{}, undefined],
    [[], "an array"],
    [null, "null"],
    ['{"interval":5}', "a string"], // not parsed a second time
    [5, "a number"],
    [true, "a boolean"],
  ];
  for (const [body, kind] of table) {
    it(`${JSON.stringify(body)}: ${kind ?? "accepted"}`, () => {
      if (kind === undefined) return assert.deepEqual(configBodyFrom(body), body);
      assert.throws(
        () => configBodyFrom(body),
        (err: unknown) =>
          err instanceof HttpError &&
          err.status === 400 &&
          err.field === "body" &&
          err.message.endsWith(`, not ${kind}`),
      );
    });
  }
});
