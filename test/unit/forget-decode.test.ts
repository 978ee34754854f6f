// Forget records (/monitor/forgotten/<node>) go through the one stored-value decoder: a bad
// one is ignored, reported once and counted as kind="forgotten".
import assert from "node:assert/strict";
import { test } from "node:test";
import { forgetEventFromStored } from "../../src/manager/forget-watch.ts";
import { type InvalidValueReport, invalidValues } from "../../src/shared/invalid-values.ts";
import { FORGOTTEN_PREFIX } from "../../src/shared/keys.ts";

const forgotten = () => invalidValues.counts().get("forgotten") ?? 0;

test("a forget record decodes to the reducer's forget event", () => {
  const key = `${FORGOTTEN_PREFIX}web-1`;
  const value = JSON.stringify({ node: "web-1", at: 1000, by: "console", purgeConfig: false });
  assert.deepEqual(forgetEventFromStored({ key, value, revision: 7 }), {
    type: "forget",
    node: "web-1",
    revision: 7,
    by: "console",
  });
});

test("a bad forget record is ignored, reported once and counted as kind=forgotten", () => {
  const reports: InvalidValueReport[] = [];
  const unsubscribe = invalidValues.subscribe((r) => reports.push(r));
  try {
    const before = forgotten();
    const key = `${FORGOTTEN_PREFIX}web-2`;
    assert.equal(forgetEventFromStored({ key, value: "{not json", revision: 11 }), undefined);
    assert.equal(forgetEventFromStored({ key, value: "{not json", revision: 11 }), undefined);
    assert.equal(forgotten(), before + 1, "one bad value at one revision is counted once");
    assert.equal(reports.length, 1, "and reported once");
    assert.equal(reports[0]?.kind, "forgotten");
    assert.equal(reports[0]?.key, key);
    assert.match(reports[0]?.reason ?? "", /not valid JSON/);

    const bad = JSON.stringify({ node: "web-2", at: 1, by: "evil\x1b[2J", purgeConfig: false });
    assert.equal(forgetEventFromStored({ key, value: bad, revision: 12 }), undefined);
    assert.equal(forgotten(), before + 2);
    assert.match(reports[1]?.reason ?? "", /^by: /);

    const otherNode = JSON.stringify({ node: "web-3", at: 1, by: "console", purgeConfig: false });
    assert.equal(forgetEventFromStored({ key, value: otherNode, revision: 13 }), undefined);
    assert.equal(forgotten(), before + 3);
    assert.match(reports[2]?.reason ?? "", /does not match the key's node/);
  } finally {
    unsubscribe();
  }
});

test("a key that is not a node name is skipped without a report", () => {
  const before = forgotten();
  assert.equal(forgetEventFromStored({ key: `${FORGOTTEN_PREFIX}a/b`, value: "x", revision: 1 }), undefined);
  assert.equal(forgotten(), before);
});
