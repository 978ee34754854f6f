import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ValidationError } from "../../src/shared/errors.ts";
import {
  checkNodeName,
  InvalidNodeNameError,
  isValidNodeName,
  MAX_NODE_NAME_LENGTH,
  type NodeName,
  nodeNameOrUndefined,
  nodeNameProblem,
  parseNodeName,
  printable,
} from "../../src/shared/node-name.ts";

describe("nodeNameProblem: valid names", () => {
  const names = [
    "a",
    "7",
    "web-1",
    "LAPTOP-UMVK4LFU",
    "web-1.eu",
    "db_primary",
    "node.with.many.dots",
    "x".repeat(MAX_NODE_NAME_LENGTH),
    "ends-with-dash-",
  ];
  for (const name of names) {
    test(JSON.stringify(name.length > 40 ? `${name.slice(0, 20)}...(${name.length})` : name), () => {
      assert.equal(nodeNameProblem(name), undefined);
      assert.equal(isValidNodeName(name), true);
    });
  }
});

describe("nodeNameProblem: invalid names say why", () => {
  const cases: Array<{ name: string; problem: RegExp }> = [
    { name: "", problem: /empty/ },
    { name: "x".repeat(MAX_NODE_NAME_LENGTH + 1), problem: /254 characters.*limit is 253/ },
    { name: "y".repeat(300), problem: /300 characters/ },
    { name: "a/b", problem: /contains "\/"/ },
    { name: "/", problem: /contains "\/"/ },
    { name: "../etc", problem: /contains "\/"/ },
    { name: "a b", problem: /whitespace or a control character/ },
    { name: "a\tb", problem: /whitespace or a control character/ },
    { name: "a\nb", problem: /whitespace or a control character/ },
    { name: "a\u0000b", problem: /control character/ },
    { name: "a\u001b[31mb", problem: /control character/ },
    { name: "a\u007f", problem: /control character/ },
    { name: "a\u0085b", problem: /control character/ },
    { name: "a\u00a0b", problem: /whitespace/ },
    { name: "_default", problem: /must start with a letter or digit/ },
    { name: "-web", problem: /must start with a letter or digit/ },
    { name: ".hidden", problem: /must start with a letter or digit/ },
    { name: "nöde", problem: /only letters, digits/ },
    { name: "a:b", problem: /only letters, digits/ },
    { name: "a\u200bb", problem: /only letters, digits/ },
    { name: "web*", problem: /only letters, digits/ },
  ];
  for (const c of cases) {
    test(JSON.stringify(c.name.length > 40 ? `${c.name.slice(0, 20)}...(${c.name.length})` : c.name), () => {
      const problem = nodeNameProblem(c.name);
      assert.ok(problem, "must be rejected");
      assert.match(problem, c.problem);
      assert.equal(isValidNodeName(c.name), false);
    });
  }

  test("the problem text never contains a raw control character", () => {
    for (const name of ["a\u001b[2Jb", "a\u0000", "x\u0007y", "a\r\nb"]) {
      const problem = nodeNameProblem(name) ?? "";
      assert.ok(!/\p{Cc}/u.test(problem), JSON.stringify(problem));
    }
  });

  test("a too-long name is not echoed in full", () => {
    const name = "z".repeat(10_000);
    assert.ok((nodeNameProblem(name) ?? "").length < 200);
  });
});

describe("printable", () => {
  const cases: Array<[string, string]> = [
    ["plain", "plain"],
    ["a\nb", "a\\nb"],
    ["\u001b[31m", "\\u001b[31m"],
    ['quote"', 'quote\\"'],
  ];
  for (const [input, expected] of cases) {
    test(JSON.stringify(input), () => {
      assert.equal(printable(input), expected);
    });
  }
});

describe("parseNodeName: the one parse at a boundary", () => {
  test("returns the same text, typed NodeName, for a valid name", () => {
    const name: NodeName = parseNodeName("web-1.eu");
    assert.equal(name, "web-1.eu");
    assert.equal(nodeNameOrUndefined("LAPTOP-UMVK4LFU"), "LAPTOP-UMVK4LFU");
    assert.deepEqual(checkNodeName("db_primary"), { ok: true, name: "db_primary" });
  });

  for (const raw of ["", "a/b", "a\u001b[2Jb", "-web", "x".repeat(MAX_NODE_NAME_LENGTH + 1)]) {
    test(`rejects ${JSON.stringify(raw.slice(0, 20))} with nodeNameProblem's sentence`, () => {
      assert.throws(
        () => parseNodeName(raw),
        (err: unknown) => {
          assert.ok(err instanceof InvalidNodeNameError);
          assert.ok(err instanceof ValidationError, "callers that catch ValidationError still catch it");
          assert.equal(err.message, nodeNameProblem(raw));
          assert.equal(err.field, "node");
          return true;
        },
      );
      assert.equal(nodeNameOrUndefined(raw), undefined);
      assert.deepEqual(checkNodeName(raw), { ok: false, problem: nodeNameProblem(raw) });
    });
  }
});
