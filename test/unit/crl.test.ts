// The pure parts of certificate revocation: openssl's CA database lines the CRL is signed from.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { opensslDbTime, revokeClientCert, revokedDbLine, revokedSerials } from "../../src/security/crl.ts";

describe("CRL database", () => {
  it("writes times as openssl's YYMMDDHHMMSSZ in UTC", () => {
    assert.equal(opensslDbTime(new Date("2026-12-04T16:05:09.999Z")), "261204160509Z");
  });
  it("one revoked entry: six tab-separated columns, serial and subject", () => {
    const line = revokedDbLine(
      { user: "node-1", serial: "1ABC" },
      new Date("2029-03-09T12:00:00Z"),
      new Date("2026-12-04T16:00:00Z"),
    );
    assert.deepEqual(line.split("\t"), [
      "R",
      "290309120000Z",
      "261204160000Z",
      "1ABC",
      "unknown",
      "/CN=node-1",
    ]);
  });
  it("reads back revoked serials and ignores valid or malformed lines", () => {
    const text = [
      "R\t290309120000Z\t261204160000Z\t1abc\tunknown\t/CN=a",
      "V\t290309120000Z\t\t2DEF\tunknown\t/CN=b",
      "junk",
      "",
    ].join("\n");
    assert.deepEqual([...revokedSerials(text)], ["1ABC"]);
  });
});

describe("revokeClientCert refuses names that are not a certificate under clients/", () => {
  for (const name of ["../ca", "..", "a/b", "", ".hidden", "x\u001b"]) {
    it(JSON.stringify(name), () => {
      assert.throws(() => revokeClientCert("/nonexistent-certs", name), /is not a certificate name/);
    });
  }
  it("a valid name without a certificate: nothing to revoke", () => {
    assert.throws(
      () => revokeClientCert("/nonexistent-certs", "node-1"),
      /no certificate for "node-1".*nothing to revoke/,
    );
  });
});
