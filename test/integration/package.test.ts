// The operator's install path: `npm pack`, `npm i -g ./fleetwatch-*.tgz`, `fleetwatch`.
// Installed into a temporary prefix (never the machine's global one); dependencies come
// from npm's cache or registry as for any install.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { REPO_ROOT } from "./harness/index.ts";

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
const built = JSON.parse(readFileSync(join(REPO_ROOT, "dist", "build-info.json"), "utf8")) as {
  commit: string | null;
};

describe("npm pack -> npm i -g ./fleetwatch-*.tgz -> fleetwatch", { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "fleetwatch-pack-"));
  const prefix = join(dir, "prefix");
  let files: string[] = [];
  let bin = "";

  before(() => {
    // The harness built dist/ for this checkout; --ignore-scripts keeps npm from printing
    // a second build into the JSON answer.
    const packed = JSON.parse(
      execFileSync(npm, ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], {
        cwd: REPO_ROOT,
        encoding: "utf8",
      }),
    ) as { filename: string; files: { path: string }[] }[];
    const [tarball] = packed;
    assert.ok(tarball, "npm pack wrote a tarball");
    files = tarball.files.map((f) => f.path);
    execFileSync(
      npm,
      [
        "install",
        "--global",
        "--prefix",
        prefix,
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        join(dir, tarball.filename),
      ],
      { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    bin = join(prefix, "bin", "fleetwatch");
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it("ships what runs and nothing else", () => {
    for (const path of ["bin/fleetwatch", "dist/cli/main.js", "dist/agent/main.js", "dist/build-info.json"])
      assert.ok(files.includes(path), `${path} is in the package`);
    assert.ok(files.includes("dist/manager/dashboard/index.html"), "the dashboard's static files");
    const unwanted = files.filter((f) =>
      /^(src|test|bench|scripts|\.ci|deploy\/k8s)\/|\.ts$|tsconfig/.test(f),
    );
    assert.deepEqual(unwanted, []);
  });

  it("fleetwatch --version and fleetwatch version print package.json's version and the build's commit", () => {
    const expected = `fleetwatch ${pkg.version}${built.commit ? ` (commit ${built.commit})` : ""}`;
    assert.equal(execFileSync(bin, ["--version"], { encoding: "utf8" }).trim(), expected);
    assert.equal(execFileSync(bin, ["version"], { encoding: "utf8" }).trim(), expected);
  });

  it("bin/fleetwatch --version in the checkout says the same", () => {
    const expected = `fleetwatch ${pkg.version}${built.commit ? ` (commit ${built.commit})` : ""}`;
    const out = execFileSync(process.execPath, [join(REPO_ROOT, "bin", "fleetwatch"), "--version"], {
      encoding: "utf8",
    });
    assert.equal(out.trim(), expected);
  });

  it("fleetwatch agent --help runs from the installed package", () => {
    const help = execFileSync(bin, ["agent", "--help"], { encoding: "utf8" });
    assert.match(help, /^Usage: fleetwatch agent \[options\]/);
    assert.match(help, /--etcd <host:port/);
  });
});
