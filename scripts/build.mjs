// `npm run build`: compiles src/ into dist/ (tsc, one .js per .ts, same layout), copies
// the files read at run time next to their modules (the dashboard), and records the
// version and git commit in dist/build-info.json. `ensureBuild` rebuilds only when dist/
// is missing or stale, so `npm test`, `npm run demo` and the test harness always run the
// code of this checkout. Node built-ins only: it runs from scripts that start before a build.
//
// Why tsc and not an esbuild bundle: measured on this machine (bench/RESULTS.md, "Build"),
// the per-file tsc output started the agent as fast as a split esbuild bundle or faster
// and held less memory; it keeps src/'s layout, so paths relative to a module
// (import.meta.url) work unchanged from dist/.
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BUILD_INFO = "build-info.json";
/** Files other than TypeScript that modules read at run time, relative to src/. */
const RUNTIME_ASSET = /\.(html|css|js|png|svg|ico|json)$/;

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

function mtimeMs(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * The checkout's commit (short), with "-dirty" when src/ has uncommitted changes;
 * FLEETWATCH_COMMIT when set (an image build has no .git); undefined when neither.
 */
export function gitCommit(root = REPO_ROOT) {
  const given = process.env.FLEETWATCH_COMMIT?.trim();
  if (given && /^[0-9a-f]{7,40}(-dirty)?$/.test(given)) return given.slice(0, 12);
  const git = (args) =>
    execFileSync("git", args, {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 5000,
    }).trim();
  try {
    const commit = git(["rev-parse", "--short=12", "HEAD"]);
    const dirty = git(["status", "--porcelain", "--", "src", "package.json"]).length > 0;
    return dirty ? `${commit}-dirty` : commit;
  } catch {
    return undefined;
  }
}

function readBuildInfo(root) {
  try {
    const info = JSON.parse(readFileSync(join(root, "dist", BUILD_INFO), "utf8"));
    return typeof info === "object" && info !== null ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why dist/ must be rebuilt, or undefined when it is current: missing, or older than a
 * source or build input (git gives a file it changes on checkout or merge a new mtime).
 * @param {string} root
 * @returns {string | undefined}
 */
export function buildStaleReason(root = REPO_ROOT) {
  const built = mtimeMs(join(root, "dist", BUILD_INFO));
  if (built === undefined) return "dist/ is missing";
  const inputs = [
    ...walk(join(root, "src")),
    join(root, "package.json"),
    join(root, "tsconfig.json"),
    join(root, "tsconfig.build.json"),
    fileURLToPath(import.meta.url),
  ];
  const newer = inputs.find((path) => (mtimeMs(path) ?? 0) > built);
  if (newer) return `${relative(root, newer)} is newer than dist/`;
  return undefined;
}

/**
 * Records the checkout's commit in dist/build-info.json when only the commit changed
 * (a commit of the sources dist/ was built from): same code, no recompile needed.
 * @param {string} root
 * @param {(line: string) => void} log
 */
function refreshCommit(root, log) {
  const info = readBuildInfo(root);
  const current = gitCommit(root);
  if (!info || current === undefined || info.commit === current) return;
  writeFileSync(join(root, "dist", BUILD_INFO), `${JSON.stringify({ ...info, commit: current }, null, 2)}\n`);
  log(`build: dist/ is current; recorded commit ${current} (was ${info.commit ?? "none"})`);
}

/**
 * Builds into a temporary directory and swaps it in, so a process started from the old
 * dist/ while this runs never sees a half-written tree. Throws when tsc fails.
 * @param {{ root?: string, log?: (line: string) => void }} [options]
 */
export function build({ root = REPO_ROOT, log = (line) => console.error(line) } = {}) {
  const started = Date.now();
  const tmp = join(root, `dist.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  if (!existsSync(tsc)) throw new Error("typescript is not installed; run npm ci first");
  // Types are checked by `npm run typecheck`; the build only emits (3-4x faster).
  const result = spawnSync(
    process.execPath,
    [tsc, "-p", "tsconfig.build.json", "--noCheck", "--outDir", tmp],
    {
      cwd: root,
      stdio: "inherit",
    },
  );
  if (result.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`tsc failed (exit ${result.status ?? result.signal}); see its output above`);
  }
  const src = join(root, "src");
  for (const path of walk(src)) {
    if (!RUNTIME_ASSET.test(path)) continue;
    const target = join(tmp, relative(src, path));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(path, target);
  }
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const info = { version: pkg.version, commit: gitCommit(root) ?? null, builtAt: new Date().toISOString() };
  writeFileSync(join(tmp, BUILD_INFO), `${JSON.stringify(info, null, 2)}\n`);
  const dist = join(root, "dist");
  const old = join(root, `dist.old-${process.pid}`);
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(tmp, dist);
  rmSync(old, { recursive: true, force: true });
  log(`build: dist/ ${info.version}${info.commit ? ` (${info.commit})` : ""} in ${Date.now() - started} ms`);
}

/**
 * Builds when dist/ is missing or stale; silent and fast (no tsc) otherwise.
 * @param {{ root?: string, log?: (line: string) => void }} [options]
 * @returns {boolean} whether it built
 */
export function ensureBuild({ root = REPO_ROOT, log = (line) => console.error(line) } = {}) {
  const reason = buildStaleReason(root);
  if (!reason) {
    refreshCommit(root, log);
    return false;
  }
  log(`build: ${reason}; compiling src/ into dist/`);
  build({ root, log });
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    if (process.argv.includes("--if-stale")) ensureBuild();
    else build();
  } catch (err) {
    console.error(`build: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
