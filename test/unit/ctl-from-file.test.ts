// `ctl config set --from-file`: the file must hold one object; JSON text inside a string is
// not parsed a second time, and the file is read only up to the config size limit.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildSetInput } from "../../src/cli/ctl/config.ts";

describe("ctl config set --from-file", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleetwatch-from-file-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));
  const set = (fromFile: string) => buildSetInput({ fromFile, wait: false, waitExplicit: false });

  it("an object is the override", async () => {
    await writeFile(join(dir, "ok.json"), '{"interval": 5}');
    assert.deepEqual(await set(join(dir, "ok.json")), { value: { interval: 5 }, merge: false });
  });
  for (const [name, text, kind] of [
    ["string.json", '"{\\"interval\\":5}"', "a string"],
    ["array.json", "[5]", "an array"],
    ["null.json", "null", "null"],
    ["string.yaml", "'{\"interval\": 5}'\n", "a string"],
  ] as const) {
    it(`${name}: refused as ${kind}`, async () => {
      await writeFile(join(dir, name), text);
      await assert.rejects(set(join(dir, name)), new RegExp(`must hold one object .*, not ${kind}$`));
    });
  }
  it("/dev/zero: fails at the limit", async () => {
    await assert.rejects(set("/dev/zero"), /\/dev\/zero is too large: the limit is 65536 bytes/);
  });
});
