import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  CONFIG_PREFIX,
  configKey,
  DEFAULT_CONFIG_KEY,
  eventsPrefix,
  HEARTBEAT_PREFIX,
  heartbeatKey,
  metricsKey,
  nodeFromKey,
  nodeNameFromKey,
  REGISTRY_PREFIX,
  registryKey,
} from "../../src/shared/keys.ts";
import { isValidNodeName, parseNodeName as nodeName } from "../../src/shared/node-name.ts";

describe("key schema (compatibility contract)", () => {
  test("heartbeat and config keys are the lab's", () => {
    assert.equal(heartbeatKey(nodeName("web-1")), "/monitor/heartbeat/web-1");
    assert.equal(configKey(nodeName("web-1")), "/monitor/config/web-1");
  });

  test("every key lives under /monitor/", () => {
    for (const key of [
      heartbeatKey(nodeName("n")),
      configKey(nodeName("n")),
      metricsKey(nodeName("n")),
      registryKey(nodeName("n")),
      eventsPrefix(nodeName("n")),
    ]) {
      assert.ok(key.startsWith("/monitor/"), key);
    }
  });

  test("the fleet default key cannot collide with a valid node's config key", () => {
    const name = nodeFromKey(CONFIG_PREFIX, DEFAULT_CONFIG_KEY);
    assert.equal(name, "_default");
    assert.equal(isValidNodeName(name ?? ""), false);
  });

  test("a node's events prefix does not match a node whose name extends it", () => {
    assert.ok(!`${eventsPrefix(nodeName("web-10"))}x`.startsWith(eventsPrefix(nodeName("web-1"))));
  });
});

describe("nodeFromKey", () => {
  const cases: Array<{ name: string; prefix: string; key: string; expected: string | undefined }> = [
    { name: "plain node", prefix: HEARTBEAT_PREFIX, key: "/monitor/heartbeat/web-1", expected: "web-1" },
    {
      name: "round trip",
      prefix: REGISTRY_PREFIX,
      key: registryKey(nodeName("db.eu_2")),
      expected: "db.eu_2",
    },
    { name: "prefix only", prefix: HEARTBEAT_PREFIX, key: "/monitor/heartbeat/", expected: undefined },
    {
      name: "prefix without trailing slash",
      prefix: HEARTBEAT_PREFIX,
      key: "/monitor/heartbeat",
      expected: undefined,
    },
    { name: "nested slash", prefix: HEARTBEAT_PREFIX, key: "/monitor/heartbeat/a/b", expected: undefined },
    { name: "trailing slash", prefix: HEARTBEAT_PREFIX, key: "/monitor/heartbeat/a/", expected: undefined },
    { name: "other prefix", prefix: HEARTBEAT_PREFIX, key: "/monitor/config/web-1", expected: undefined },
    {
      name: "similar prefix",
      prefix: HEARTBEAT_PREFIX,
      key: "/monitor/heartbeats/web-1",
      expected: undefined,
    },
    {
      name: "prefix in the middle",
      prefix: HEARTBEAT_PREFIX,
      key: "/x/monitor/heartbeat/web-1",
      expected: undefined,
    },
    { name: "empty key", prefix: HEARTBEAT_PREFIX, key: "", expected: undefined },
    { name: "case matters", prefix: HEARTBEAT_PREFIX, key: "/Monitor/heartbeat/web-1", expected: undefined },
  ];
  for (const c of cases) {
    test(`${c.name}: ${JSON.stringify(c.key)}`, () => {
      assert.equal(nodeFromKey(c.prefix, c.key), c.expected);
    });
  }
});

describe("nodeNameFromKey: the boundary for keys read from etcd", () => {
  const cases: Array<{ key: string; expected: string | undefined }> = [
    { key: "/monitor/heartbeat/web-1", expected: "web-1" },
    { key: "/monitor/heartbeat/LAPTOP-UMVK4LFU", expected: "LAPTOP-UMVK4LFU" },
    { key: "/monitor/heartbeat/a/b", expected: undefined },
    { key: "/monitor/heartbeat/_default", expected: undefined },
    { key: "/monitor/heartbeat/a b", expected: undefined },
    { key: "/monitor/heartbeat/a\u001b[2J", expected: undefined },
    { key: `/monitor/heartbeat/${"x".repeat(254)}`, expected: undefined },
    { key: "/monitor/config/web-1", expected: undefined },
  ];
  for (const c of cases) {
    test(JSON.stringify(c.key.slice(0, 40)), () => {
      assert.equal(nodeNameFromKey(HEARTBEAT_PREFIX, c.key), c.expected);
    });
  }
});
