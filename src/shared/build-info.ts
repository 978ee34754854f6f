// What this fleetwatch is: package.json's version and, when it was built from a git
// checkout, the commit scripts/build.mjs recorded in dist/build-info.json. Read by
// `fleetwatch --version` / `fleetwatch version` and by the fleetwatch_build_info metric.
// Both files are found relative to this module, which sits at the same depth in src/
// and dist/ (and in an installed package), so no path is configured.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { FleetwatchError } from "./errors.ts";

export interface BuildInfo {
  /** package.json's version, e.g. "0.1.0". */
  version: string;
  /** Short git commit, "-dirty" when src/ had uncommitted changes; undefined when unknown. */
  commit?: string;
}

const PACKAGE_JSON = new URL("../../package.json", import.meta.url);
const BUILD_INFO_JSON = new URL("../build-info.json", import.meta.url);
/** Short commit as scripts/build.mjs writes it. */
const COMMIT = /^[0-9a-f]{7,40}(-dirty)?$/;

function readJson(url: URL): unknown {
  try {
    return JSON.parse(readFileSync(url, "utf8"));
  } catch {
    return undefined;
  }
}

function field(value: unknown, name: string): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

/** Run from the TypeScript sources (tests, tsx): no build recorded a commit, so ask git. */
function commitFromGit(): string | undefined {
  try {
    const out = execFileSync("git", ["rev-parse", "--short=12", "HEAD"], {
      cwd: new URL("..", import.meta.url),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 5000,
    }).trim();
    return COMMIT.test(out) ? out : undefined;
  } catch {
    return undefined;
  }
}

let cached: BuildInfo | undefined;

/** Read once: the files do not change under a running process. */
export function buildInfo(): BuildInfo {
  if (cached) return cached;
  const version = field(readJson(PACKAGE_JSON), "version");
  if (typeof version !== "string" || version.length === 0 || version.length > 64) {
    throw new FleetwatchError(`${PACKAGE_JSON.pathname} has no usable "version" field`);
  }
  const recorded = field(readJson(BUILD_INFO_JSON), "commit");
  const fromSources = import.meta.url.endsWith(".ts");
  const commit =
    typeof recorded === "string" && COMMIT.test(recorded)
      ? recorded
      : fromSources
        ? commitFromGit()
        : undefined;
  cached = commit ? { version, commit } : { version };
  return cached;
}

/** `fleetwatch 0.1.0 (commit 0123456789ab)`: what --version prints. */
export function versionLine(info: BuildInfo = buildInfo()): string {
  return `fleetwatch ${info.version}${info.commit ? ` (commit ${info.commit})` : ""}`;
}
