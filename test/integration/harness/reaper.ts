// Safety net: no etcd or fleetwatch process and no temp folder may outlive the test run, even
// when a test forgets its after() hook or throws before registering it. 'exit' handlers must be
// synchronous, which is enough for SIGKILL and rmSync.
import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";

const children = new Set<ChildProcess>();
const folders = new Set<string>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  process.once("exit", reapAll);
}

function reapAll(): void {
  for (const child of children) {
    // exitCode/signalCode are null while the process is still running.
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone between the check and the kill: nothing left to clean.
      }
    }
  }
  children.clear();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  folders.clear();
}

/** Kill `child` on process exit unless it has exited by then. */
export function trackChild(child: ChildProcess): void {
  install();
  children.add(child);
  child.once("exit", () => children.delete(child));
}

/** Remove `folder` on process exit unless untrackFolder() was called first. */
export function trackFolder(folder: string): void {
  install();
  folders.add(folder);
}

export function untrackFolder(folder: string): void {
  folders.delete(folder);
}
