// The operator's install path: `npm pack`, `npm i -g ./fleetwatch-*.tgz`, `fleetwatch`.
// Installed into a temporary prefix (never the machine's global one); dependencies come
// from npm's cache or registry as for any install.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { REPO_ROOT } from "./harness/index.ts";

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
// npm (#!/usr/bin/env node) and the installed fleetwatch find `node` on PATH: put the Node
// running this test first, so the install path is tested on that Node (.ci/run runs the
// suite on Node 22 and on the machine's Node) and not on whichever node PATH has.
const env = { ...process.env, PATH: [dirname(process.execPath), process.env.PATH].join(delimiter) };
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
const built = JSON.parse(readFileSync(join(REPO_ROOT, "dist", "build-info.json"), "utf8")) as {
  commit: string | null;
};

describe("npm pack -> npm i -g ./fleetwatch-*.tgz -> fleetwatch", { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "fleetwatch-pack-"));
  const prefix = join(dir, "prefix");
  let files: string[] = [];
  let bin = "";
  let installWarnings = "";

  before(() => {
    // The harness built dist/ for this checkout; --ignore-scripts keeps npm from printing
    // a second build into the JSON answer.
    const packed = JSON.parse(
      execFileSync(npm, ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], {
        cwd: REPO_ROOT,
        encoding: "utf8",
        env,
      }),
    ) as { filename: string; files: { path: string }[] }[];
    const [tarball] = packed;
    assert.ok(tarball, "npm pack wrote a tarball");
    files = tarball.files.map((f) => f.path);
    const install = spawnSync(
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
      { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env },
    );
    assert.equal(install.status, 0, `npm install failed:\n${install.stderr}`);
    installWarnings = install.stderr;
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
    assert.equal(execFileSync(bin, ["--version"], { encoding: "utf8", env }).trim(), expected);
    assert.equal(execFileSync(bin, ["version"], { encoding: "utf8", env }).trim(), expected);
  });

  it("bin/fleetwatch --version in the checkout says the same", () => {
    const expected = `fleetwatch ${pkg.version}${built.commit ? ` (commit ${built.commit})` : ""}`;
    const out = execFileSync(process.execPath, [join(REPO_ROOT, "bin", "fleetwatch"), "--version"], {
      encoding: "utf8",
    });
    assert.equal(out.trim(), expected);
  });

  it("the installed fleetwatch and npm run on the Node running this test", () => {
    // The installed bin starts with `#!/usr/bin/env node`: the node it gets is PATH's.
    assert.match(readFileSync(bin, "utf8").split("\n")[0] ?? "", /^#!\/usr\/bin\/env node$/);
    const viaPath = execFileSync("/usr/bin/env", ["node", "-p", "process.execPath"], {
      encoding: "utf8",
      env,
    });
    assert.equal(viaPath.trim(), process.execPath);
    const npmNode = execFileSync(npm, ["exec", "--offline", "-c", "node -p process.execPath"], {
      cwd: dir,
      encoding: "utf8",
      env,
    });
    assert.equal(npmNode.trim(), process.execPath);
  });

  it("npm warns EBADENGINE below Node 22 (engines says >=22) and not on 22 or newer", () => {
    const major = Number(process.versions.node.split(".")[0]);
    if (major >= 22) assert.doesNotMatch(installWarnings, /EBADENGINE/);
    else assert.match(installWarnings, /EBADENGINE/);
  });

  it("fleetwatch agent --help runs from the installed package", () => {
    const help = execFileSync(bin, ["agent", "--help"], { encoding: "utf8", env });
    assert.match(help, /^Usage: fleetwatch agent \[options\]/);
    assert.match(help, /--etcd <host:port/);
  });
});
