// Finds an executable on PATH before spawning it, so a missing etcd is reported
// with install instructions instead of a bare ENOENT.
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

/** The paths to try for `name`, in PATH order. Pure. */
export function pathCandidates(name: string, pathVar: string | undefined, sep = delimiter): string[] {
  if (name.includes("/")) return [name];
  return (pathVar ?? "")
    .split(sep)
    .filter((dir) => dir.length > 0)
    .map((dir) => join(dir, name));
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findOnPath(
  name: string,
  pathVar: string | undefined,
  isExecutable: (path: string) => boolean = isExecutableFile,
): string | undefined {
  return pathCandidates(name, pathVar).find(isExecutable);
}
