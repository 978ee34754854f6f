// Files a person names are read up to a limit, never whole: /dev/zero fails at once.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { readConfigFile } from "../../src/config/input.ts";
import { resolveApiToken } from "../../src/manager/http/api-token.ts";
import { readFileAtMost } from "../../src/shared/bounded-read.ts";
import { ValidationError } from "../../src/shared/errors.ts";
import { MAX_CONFIG_BYTES } from "../../src/shared/schema.ts";

describe("readFileAtMost", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleetwatch-bounded-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("reads a file up to exactly the limit", async () => {
    await writeFile(join(dir, "ten"), "0123456789");
    assert.equal(await readFileAtMost(join(dir, "ten"), 10), "0123456789");
    await assert.rejects(readFileAtMost(join(dir, "ten"), 9), /ten is too large: the limit is 9 bytes/);
  });
  it("/dev/zero: fails at the limit instead of reading forever", async () => {
    await assert.rejects(readFileAtMost("/dev/zero", 1024), (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.equal(err.message, "/dev/zero is too large: the limit is 1024 bytes (stopped reading there)");
      return true;
    });
    await assert.rejects(
      readConfigFile("/dev/zero"),
      new RegExp(`too large: the limit is ${MAX_CONFIG_BYTES} bytes`),
    );
  });
  it("names a missing file and a directory", async () => {
    await assert.rejects(readFileAtMost(join(dir, "nope"), 10), /cannot read .*nope: no such file/);
    await assert.rejects(readFileAtMost(dir, 10), /is a directory/);
  });
  it("api token: from the flag, or from a file trimmed; refused when empty, several words or both", async () => {
    assert.equal(await resolveApiToken({ apiToken: "t" }), "t");
    assert.equal(await resolveApiToken({}), undefined);
    await writeFile(join(dir, "token"), "  s3cret\n");
    assert.equal(await resolveApiToken({ apiTokenFile: join(dir, "token") }), "s3cret");
    await assert.rejects(resolveApiToken({ apiToken: "t", apiTokenFile: join(dir, "token") }), /not both/);
    await writeFile(join(dir, "blank"), "\n\n");
    await assert.rejects(resolveApiToken({ apiTokenFile: join(dir, "blank") }), /is empty/);
    await writeFile(join(dir, "two"), "a b\n");
    await assert.rejects(resolveApiToken({ apiTokenFile: join(dir, "two") }), /more than one word/);
    await assert.rejects(resolveApiToken({ apiTokenFile: "/dev/zero" }), /the limit is 4096 bytes/);
  });
});
