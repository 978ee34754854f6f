// Console lines go to stdout, which a pager, `| head`, or a log pipe that dies can close. Node
// ignores SIGPIPE, so the next write fails with EPIPE as an 'error' event nobody handles, and
// the process dies: an agent would drop its lease and its node be reported DEAD while the
// machine is fine (Restart=on-failure would then bring it back under a new lease). The
// console is a courtesy; the lease is the product. A closed stdout makes the process stop
// printing, say so once on stderr, and go on; a closed stderr is ignored the same way.
import type { Writable } from "node:stream";

export function surviveClosedOutput(
  stdout: Writable = process.stdout,
  stderr: Writable = process.stderr,
): void {
  let reported = false;
  stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (reported) return;
    reported = true;
    stderr.write(
      `fleetwatch: stdout is closed (${err.code ?? err.message}); console lines are no longer printed\n`,
    );
  });
  stderr.on("error", () => undefined);
}
