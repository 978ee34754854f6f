// Alert bodies (src/manager/alerts/webhook-format.ts) and which transitions alert
// (alertKind, src/manager/alerts/record.ts). Pure: records in, JSON out.
//
// Alertmanager: the webhook receiver body, version "4"
// (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
// Slack: an incoming-webhook message: a JSON object whose `text` is mrkdwn, optional `blocks`
// (https://api.slack.com/messaging/webhooks); `&`, `<`, `>` are markup and must be escaped as
// `&amp;`, `&lt;`, `&gt;` (https://api.slack.com/reference/surfaces/formatting#escaping).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { labelFingerprint } from "../../src/manager/alerts/fingerprint.ts";
import { WEBHOOK_FORMATS } from "../../src/manager/alerts/options.ts";
import { type AlertRecord, alertKind, idempotencyKey } from "../../src/manager/alerts/record.ts";
import { dashboardUrl, slackEscape, webhookBody } from "../../src/manager/alerts/webhook-format.ts";
import type { NodeState } from "../../src/manager/liveness.ts";
import { parseNodeName as nodeName } from "../../src/shared/node-name.ts";

const AT = Date.UTC(2025, 10, 26, 4, 6, 40); // 2025-11-26T04:06:40.000Z
const URL_BASE = "http://127.0.0.1:8080";

const rec = (over: Partial<AlertRecord> = {}): AlertRecord => ({
  node: nodeName("web-1"),
  kind: "DEAD",
  state: "DEAD",
  reason: "TTL expired",
  at: AT,
  revision: 42,
  delivered: [],
  dropped: [],
  ...over,
});
const DEAD = rec();
const LEFT = rec({ kind: "LEFT", state: "LEFT", reason: "graceful shutdown", revision: 50 });
const STARTED = AT - 90_000; // 2025-11-26T04:05:10.000Z
const RECOVERED = rec({
  kind: "RECOVERED",
  state: "ALIVE",
  reason: "recovered",
  revision: 60,
  firingAt: STARTED,
});
const REJOINED = rec({
  kind: "REJOINED",
  state: "ALIVE",
  reason: "rejoined",
  revision: 70,
  firingAt: STARTED,
});

interface AmAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}
interface AmBody {
  version: string;
  groupKey: string;
  truncatedAlerts: number;
  status: string;
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AmAlert[];
  fleetwatch: Record<string, unknown>;
}
const am = (a: AlertRecord, base = URL_BASE) => webhookBody([a], "alertmanager", base) as AmBody;
const slack = (a: AlertRecord, base = URL_BASE) => webhookBody([a], "slack", base) as Record<string, unknown>;

describe("alertKind: which transitions alert", () => {
  const table: {
    from: NodeState | undefined;
    to: NodeState;
    want: string | undefined;
    onLeave: string | undefined;
  }[] = [
    { from: "ALIVE", to: "DEAD", want: "DEAD", onLeave: "DEAD" },
    { from: undefined, to: "DEAD", want: "DEAD", onLeave: "DEAD" },
    { from: "DEAD", to: "DEAD", want: "DEAD", onLeave: "DEAD" },
    { from: "ALIVE", to: "LEFT", want: undefined, onLeave: "LEFT" }, // a leave is asked for
    { from: "DEAD", to: "ALIVE", want: "RECOVERED", onLeave: "RECOVERED" },
    { from: undefined, to: "ALIVE", want: undefined, onLeave: undefined }, // first join
    { from: "LEFT", to: "ALIVE", want: undefined, onLeave: "REJOINED" }, // closes the LEFT alert
    { from: "ALIVE", to: "ALIVE", want: undefined, onLeave: undefined },
  ];
  for (const c of table) {
    it(`${c.from ?? "(new)"} -> ${c.to}: ${c.want ?? "no alert"}; with --alert-on-leave: ${c.onLeave ?? "no alert"}`, () => {
      const effect = {
        type: "transition",
        node: nodeName("n"),
        from: c.from,
        to: c.to,
        reason: "r",
        at: 1,
        revision: 1,
      } as const;
      assert.equal(alertKind(effect, false), c.want);
      assert.equal(alertKind(effect, true), c.onLeave);
    });
  }
});

describe("Alertmanager webhook body (version 4)", () => {
  it("has every top-level field of the webhook payload with the documented types", () => {
    const body = am(DEAD);
    assert.deepEqual(Object.keys(body).sort(), [
      "alerts",
      "commonAnnotations",
      "commonLabels",
      "externalURL",
      "fleetwatch",
      "groupKey",
      "groupLabels",
      "receiver",
      "status",
      "truncatedAlerts",
      "version",
    ]);
    assert.equal(body.version, "4");
    assert.equal(body.truncatedAlerts, 0);
    assert.equal(body.receiver, "fleetwatch");
    assert.equal(body.externalURL, URL_BASE);
    assert.equal(body.alerts.length, 1);
    const alert = body.alerts[0] as AmAlert;
    assert.deepEqual(Object.keys(alert).sort(), [
      "annotations",
      "endsAt",
      "fingerprint",
      "generatorURL",
      "labels",
      "startsAt",
      "status",
    ]);
    for (const v of [...Object.values(alert.labels), ...Object.values(alert.annotations)]) {
      assert.equal(typeof v, "string", "labels and annotations are strings");
    }
  });

  const table: {
    name: string;
    rec: AlertRecord;
    status: string;
    alertname: string;
    severity: string;
    startsAt: string;
    endsAt: string;
    summary: string;
  }[] = [
    {
      name: "DEAD fires a critical FleetwatchNodeDead",
      rec: DEAD,
      status: "firing",
      alertname: "FleetwatchNodeDead",
      severity: "critical",
      startsAt: "2025-11-26T04:06:40.000Z",
      endsAt: "0001-01-01T00:00:00Z",
      summary: "Node web-1 is DEAD (TTL expired)",
    },
    {
      name: "LEFT fires an info FleetwatchNodeLeft",
      rec: LEFT,
      status: "firing",
      alertname: "FleetwatchNodeLeft",
      severity: "info",
      startsAt: "2025-11-26T04:06:40.000Z",
      endsAt: "0001-01-01T00:00:00Z",
      summary: "Node web-1 LEFT (graceful shutdown)",
    },
    {
      name: "RECOVERED resolves FleetwatchNodeDead: starting when it died, ending at the transition",
      rec: RECOVERED,
      status: "resolved",
      alertname: "FleetwatchNodeDead",
      severity: "critical",
      startsAt: "2025-11-26T04:05:10.000Z",
      endsAt: "2025-11-26T04:06:40.000Z",
      summary: "Node web-1 is ALIVE again (recovered)",
    },
    {
      name: "REJOINED resolves FleetwatchNodeLeft (--alert-on-leave), keeping its startsAt",
      rec: REJOINED,
      status: "resolved",
      alertname: "FleetwatchNodeLeft",
      severity: "info",
      startsAt: "2025-11-26T04:05:10.000Z",
      endsAt: "2025-11-26T04:06:40.000Z",
      summary: "Node web-1 rejoined (rejoined)",
    },
  ];
  it("RECOVERED resolves the very alert DEAD fired: same labels, same fingerprint", () => {
    const fired = am(DEAD).alerts[0] as AmAlert;
    const resolved = am(RECOVERED).alerts[0] as AmAlert;
    assert.deepEqual(resolved.labels, fired.labels);
    assert.equal(resolved.fingerprint, fired.fingerprint);
    assert.notEqual((am(LEFT).alerts[0] as AmAlert).fingerprint, fired.fingerprint);
    assert.equal(
      (am(REJOINED).alerts[0] as AmAlert).fingerprint,
      (am(LEFT).alerts[0] as AmAlert).fingerprint,
    );
  });
  for (const c of table) {
    it(c.name, () => {
      const body = am(c.rec);
      const alert = body.alerts[0] as AmAlert;
      assert.equal(body.status, c.status);
      assert.equal(alert.status, c.status);
      assert.deepEqual(alert.labels, {
        alertname: c.alertname,
        node: "web-1",
        severity: c.severity,
      });
      assert.equal(alert.annotations.state, c.rec.state);
      assert.deepEqual(body.commonLabels, alert.labels);
      assert.deepEqual(body.groupLabels, { alertname: c.alertname, node: "web-1" });
      assert.equal(body.groupKey, `{}:{alertname="${c.alertname}", node="web-1"}`);
      assert.equal(alert.annotations.summary, c.summary);
      assert.equal(
        alert.annotations.description,
        `${c.summary} at 2025-11-26T04:06:40.000Z (etcd revision ${c.rec.revision})`,
      );
      assert.equal(alert.annotations.reason, c.rec.reason);
      assert.deepEqual(body.commonAnnotations, alert.annotations);
      assert.equal(alert.startsAt, c.startsAt);
      assert.equal(alert.endsAt, c.endsAt);
      assert.equal(alert.generatorURL, `${URL_BASE}/nodes/web-1`);
      assert.equal(alert.fingerprint, labelFingerprint(alert.labels));
      assert.match(alert.fingerprint, /^[0-9a-f]{16}$/);
      assert.deepEqual(body.fleetwatch, {
        node: "web-1",
        state: c.rec.state,
        event: c.rec.kind,
        reason: c.rec.reason,
        time: "2025-11-26T04:06:40.000Z",
        revision: c.rec.revision,
        idempotencyKey: `web-1/${c.rec.revision}`,
      });
    });
  }

  it("a resolve has the same group key as the alert it resolves", () => {
    assert.equal(am(RECOVERED).groupKey, am(DEAD).groupKey);
  });

  it("the node is percent-encoded in the link; no dashboard (--http off) gives no link", () => {
    assert.equal(
      am(rec({ node: nodeName("web_1.eu") })).alerts[0]?.generatorURL,
      `${URL_BASE}/nodes/web_1.eu`,
    );
    const off = am(DEAD, "");
    assert.equal(off.externalURL, "");
    assert.equal(off.alerts[0]?.generatorURL, "");
  });

  it("does not depend on `delivered`", () => {
    assert.deepEqual(am(rec({ delivered: ["abc"] })), am(DEAD));
  });
});

describe("Slack incoming-webhook body", () => {
  const table: { name: string; rec: AlertRecord; base: string; text: string }[] = [
    {
      name: "DEAD",
      rec: DEAD,
      base: URL_BASE,
      text: ":red_circle: *Node web-1 is DEAD (TTL expired)* at 2025-11-26T04:06:40.000Z (<http://127.0.0.1:8080/nodes/web-1|dashboard>, revision 42)",
    },
    {
      name: "LEFT",
      rec: LEFT,
      base: URL_BASE,
      text: ":white_circle: *Node web-1 LEFT (graceful shutdown)* at 2025-11-26T04:06:40.000Z (<http://127.0.0.1:8080/nodes/web-1|dashboard>, revision 50)",
    },
    {
      name: "RECOVERED",
      rec: RECOVERED,
      base: URL_BASE,
      text: ":large_green_circle: *Node web-1 is ALIVE again (recovered)* at 2025-11-26T04:06:40.000Z (<http://127.0.0.1:8080/nodes/web-1|dashboard>, revision 60)",
    },
    {
      name: "no dashboard (--http off): no link rather than a relative one",
      rec: DEAD,
      base: "",
      text: ":red_circle: *Node web-1 is DEAD (TTL expired)* at 2025-11-26T04:06:40.000Z (revision 42)",
    },
    {
      name: "an IPv6 dashboard",
      rec: DEAD,
      base: dashboardUrl("::1", 8080),
      text: ":red_circle: *Node web-1 is DEAD (TTL expired)* at 2025-11-26T04:06:40.000Z (<http://[::1]:8080/nodes/web-1|dashboard>, revision 42)",
    },
    {
      name: "a reason with Slack markup characters is escaped (no link injection, no @channel)",
      rec: rec({ reason: "a <b> & <!channel> <http://x|y>" }),
      base: URL_BASE,
      text: ":red_circle: *Node web-1 is DEAD (a &lt;b&gt; &amp; &lt;!channel&gt; &lt;http://x|y&gt;)* at 2025-11-26T04:06:40.000Z (<http://127.0.0.1:8080/nodes/web-1|dashboard>, revision 42)",
    },
  ];
  for (const c of table) {
    it(c.name, () => assert.deepEqual(slack(c.rec, c.base), { text: c.text }));
  }

  it("is a valid incoming-webhook payload: only `text` (a non-empty string), optional `blocks` absent", () => {
    for (const r of [DEAD, LEFT, RECOVERED]) {
      const body = slack(r);
      assert.deepEqual(Object.keys(body), ["text"]);
      assert.equal(typeof body.text, "string");
      assert.ok((body.text as string).length > 0);
      assert.ok((body.text as string).length < 3000, "well under Slack's text limits");
      // Round-trips through JSON unchanged (it is what is POSTed).
      assert.deepEqual(JSON.parse(JSON.stringify(body)), body);
    }
  });

  it("every `<` in the text opens the one dashboard link (nothing else reads as markup)", () => {
    const text = slack(rec({ reason: "x<y>z" })).text as string;
    assert.equal(text.split("<").length - 1, 1);
    assert.equal(text.split(">").length - 1, 1);
  });
});

describe("helpers", () => {
  it("WEBHOOK_FORMATS lists both formats", () =>
    assert.deepEqual(WEBHOOK_FORMATS, ["alertmanager", "slack"]));

  it("idempotencyKey is <node>/<revision>", () => {
    assert.equal(idempotencyKey({ node: nodeName("web-1"), revision: 42 }), "web-1/42");
  });

  const escapes: [string, string][] = [
    ["plain", "plain"],
    ["a & b", "a &amp; b"],
    ["<tag>", "&lt;tag&gt;"],
    ["&lt;", "&amp;lt;"], // & first, so existing entities are not double-decoded by Slack
    ["\"quotes\" and 'apostrophes' stay", "\"quotes\" and 'apostrophes' stay"],
  ];
  for (const [input, want] of escapes) {
    it(`slackEscape(${JSON.stringify(input)})`, () => assert.equal(slackEscape(input), want));
  }

  const urls: [host: string, port: number, want: string][] = [
    ["127.0.0.1", 8080, "http://127.0.0.1:8080"],
    ["0.0.0.0", 80, "http://0.0.0.0:80"],
    ["::1", 9000, "http://[::1]:9000"],
    ["localhost", 1, "http://localhost:1"],
  ];
  for (const [host, port, want] of urls) {
    it(`dashboardUrl(${host}, ${port})`, () => assert.equal(dashboardUrl(host, port), want));
  }
});
