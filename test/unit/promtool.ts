// Runs Debian's `promtool` (package prometheus, installed by .ci/run) to completion: the
// metrics, rules and dashboard tests check their text with the real Prometheus parser.
import { spawn } from "node:child_process";

export interface PromtoolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `promtool <args>` with `stdin` piped in; bounded by `timeoutMs` (then killed, code null). */
export function promtool(args: string[], stdin = "", timeoutMs = 60_000): Promise<PromtoolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("promtool", args, { stdio: ["pipe", "pipe", "pipe"], timeout: timeoutMs });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
