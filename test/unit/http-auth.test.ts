// Bearer-token check of the API's write endpoints (src/manager/http/auth.ts).
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { describe, it } from "node:test";
import { checkBearer, requireToken } from "../../src/manager/http/auth.ts";
import { HttpError } from "../../src/manager/http/http-util.ts";

/** undefined when accepted, else the status, message and headers of the refusal. */
function outcome(authorization: string | undefined, token: string | undefined) {
  try {
    checkBearer(authorization, token);
    return undefined;
  } catch (err) {
    assert.ok(err instanceof HttpError, `not an HttpError: ${err}`);
    return { status: err.status, message: err.message, headers: err.headers };
  }
}

const TOKEN = "s3cret-Token_1";
const challenge = { "www-authenticate": 'Bearer realm="fleetwatch"' };

describe("checkBearer", () => {
  const table: {
    name: string;
    header: string | undefined;
    token: string | undefined;
    want: number | "ok";
  }[] = [
    { name: "right token", header: `Bearer ${TOKEN}`, token: TOKEN, want: "ok" },
    { name: "scheme is case-insensitive", header: `bearer ${TOKEN}`, token: TOKEN, want: "ok" },
    { name: "BEARER", header: `BEARER ${TOKEN}`, token: TOKEN, want: "ok" },
    { name: "several spaces and a trailing one", header: `Bearer   ${TOKEN} `, token: TOKEN, want: "ok" },
    { name: "a tab separates too", header: `Bearer\t${TOKEN}`, token: TOKEN, want: "ok" },
    { name: "no header", header: undefined, token: TOKEN, want: 401 },
    { name: "empty header", header: "", token: TOKEN, want: 401 },
    { name: "scheme only", header: "Bearer", token: TOKEN, want: 401 },
    { name: "scheme and space only", header: "Bearer ", token: TOKEN, want: 401 },
    { name: "the token without a scheme", header: TOKEN, token: TOKEN, want: 401 },
    { name: "Basic auth", header: "Basic dXNlcjpwYXNz", token: TOKEN, want: 401 },
    { name: "wrong token", header: "Bearer nope", token: TOKEN, want: 401 },
    { name: "a prefix of the token", header: `Bearer ${TOKEN.slice(0, -1)}`, token: TOKEN, want: 401 },
    { name: "the token plus more", header: `Bearer ${TOKEN}x`, token: TOKEN, want: 401 },
    { name: "other case", header: `Bearer ${TOKEN.toUpperCase()}`, token: TOKEN, want: 401 },
    { name: "two tokens", header: `Bearer ${TOKEN} ${TOKEN}`, token: TOKEN, want: 401 },
    {
      name: "no server token: 403 even with a header",
      header: `Bearer ${TOKEN}`,
      token: undefined,
      want: 403,
    },
    { name: "no server token, no header: 403", header: undefined, token: undefined, want: 403 },
  ];
  for (const c of table) {
    it(`${c.name}: ${c.want}`, () => {
      const got = outcome(c.header, c.token);
      if (c.want === "ok") assert.equal(got, undefined);
      else assert.equal(got?.status, c.want);
    });
  }

  it("401s carry a Bearer challenge and say what is wrong; 403 says how to enable writes", () => {
    assert.deepEqual(outcome(undefined, TOKEN), {
      status: 401,
      message: "missing bearer token (Authorization: Bearer <token>)",
      headers: challenge,
    });
    assert.deepEqual(outcome("Bearer nope", TOKEN), {
      status: 401,
      message: "wrong bearer token",
      headers: challenge,
    });
    const forbidden = outcome(undefined, undefined);
    assert.equal(forbidden?.status, 403);
    assert.match(forbidden?.message ?? "", /--api-token or FLEETWATCH_API_TOKEN/);
    assert.deepEqual(forbidden?.headers, {});
  });

  it("the message never contains the expected token", () => {
    for (const header of [undefined, "Bearer nope", `Bearer ${TOKEN}x`]) {
      assert.doesNotMatch(outcome(header, TOKEN)?.message ?? "", new RegExp(TOKEN));
    }
  });

  it("a configured token with whitespace can never match (documented limitation of the header syntax)", () => {
    assert.equal(outcome("Bearer a b", "a b")?.status, 401);
  });
});

describe("requireToken reads the request's Authorization header", () => {
  const req = (authorization?: string) => ({ headers: { authorization } }) as unknown as IncomingMessage;
  it("accepts and refuses like checkBearer", () => {
    assert.doesNotThrow(() => requireToken(req(`Bearer ${TOKEN}`), TOKEN));
    assert.throws(() => requireToken(req("Bearer x"), TOKEN), { status: 401 });
    assert.throws(() => requireToken(req(), undefined), { status: 403 });
  });
});
