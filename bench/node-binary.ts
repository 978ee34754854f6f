// `npm run bench -- --node <path>`: the Node binary the measured fleetwatch processes run
// on (the footprint scenario's floors and agents, and the bench's manager), so Node 22
// can be measured from a bench driven by another Node (scripts/fetch-node.mjs fetches one).
import { execFileSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { resolve } from "node:path";

export interface NodeBinary {
  /** Absolute path of the binary. */
  path: string;
  /** What it answers to --version, e.g. "v22.23.5". */
  version: string;
}

/** The Node running the bench: the default. */
export const BENCH_NODE: NodeBinary = { path: process.execPath, version: process.version };

/**
 * Checks that `path` is an executable file answering `node --version` (`vN.N.N`).
 * A directory is taken as a bin/ dir holding `node` (what fetch-node.mjs prints).
 */
export function resolveNodeBinary(path: string): NodeBinary {
  let file = resolve(path);
  try {
    if (statSync(file).isDirectory()) file = resolve(file, "node");
    accessSync(file, constants.X_OK);
  } catch (err) {
    throw new Error(`--node ${path}: not an executable file (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  let answer: string;
  try {
    answer = execFileSync(file, ["--version"], { encoding: "utf8", timeout: 30_000 }).trim();
  } catch (err) {
    throw new Error(`--node ${path}: \`${file} --version\` failed: ${(err as Error).message.split("\n")[0]}`);
  }
  if (!/^v\d+\.\d+\.\d+/.test(answer)) {
    throw new Error(
      `--node ${path}: \`${file} --version\` printed ${JSON.stringify(answer.slice(0, 80))}, not a Node version`,
    );
  }
  return { path: file, version: answer };
}
