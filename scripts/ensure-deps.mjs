// Installs npm dependencies when they are missing or stale and builds dist/ when it is
// missing or older than src/ (scripts/build.mjs), and does nothing (fast, silently)
// otherwise, so `npm run demo|server|test` work on a fresh clone and after a pull that
// changed the lockfile or the sources. Node built-ins only: it runs before they exist.
import { spawnSync } from "node:child_process";
import { mkdirSync, statSync, utimesSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function mtimeMs(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * What to run, or undefined when node_modules is up to date. npm rewrites its own
 * node_modules/.package-lock.json on every install, so the newer of that and the
 * directory itself says when dependencies were last installed.
 * @param {string} root
 * @returns {{ command: "ci" | "install", reason: string } | undefined}
 */
export function depsAction(root = REPO_ROOT) {
  const lock = mtimeMs(join(root, "package-lock.json"));
  const manifest = lock ?? mtimeMs(join(root, "package.json"));
  const command = lock === undefined ? "install" : "ci";
  const installed = Math.max(
    mtimeMs(join(root, "node_modules")) ?? Number.NEGATIVE_INFINITY,
    mtimeMs(join(root, "node_modules", ".package-lock.json")) ?? Number.NEGATIVE_INFINITY,
  );
  if (installed === Number.NEGATIVE_INFINITY) return { command, reason: "node_modules is missing" };
  if (manifest !== undefined && manifest > installed) {
    return {
      command,
      reason: `node_modules is older than ${lock === undefined ? "package.json" : "package-lock.json"}`,
    };
  }
  return undefined;
}

/**
 * Runs `npm ci` (or `npm install` without a lockfile) when needed, with the
 * terminal attached so its progress and errors are seen. Throws when npm fails.
 * @param {{ root?: string, log?: (line: string) => void }} [options]
 * @returns {boolean} whether it installed anything
 */
export function ensureDeps({ root = REPO_ROOT, log = (line) => console.error(line) } = {}) {
  const action = depsAction(root);
  if (!action) return false;
  log(`ensure-deps: ${action.reason}; running npm ${action.command} in ${root}`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(npm, [action.command], {
    cwd: root,
    stdio: "inherit",
    shell: process.platform === "win32",
  });
  if (result.error) throw new Error(`could not run npm ${action.command}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(
      `npm ${action.command} failed (exit ${result.status ?? result.signal}); see its output above`,
    );
  }
  // `npm install` that changes nothing leaves node_modules' mtime alone; touch it so
  // the next run does not install again.
  // A project without dependencies gets no node_modules from npm; create it for the same reason.
  const now = new Date();
  mkdirSync(join(root, "node_modules"), { recursive: true });
  utimesSync(join(root, "node_modules"), now, now);
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    ensureDeps();
    const { ensureBuild } = await import("./build.mjs");
    ensureBuild();
  } catch (err) {
    console.error(`ensure-deps: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
