// Structured logs for machines (pino, JSON on stderr with --log-format json) and a
// terse one-line text form for humans. The lab's console lines are not logs: they
// are printed on stdout by the console modules.
import type * as Pino from "pino";
import type { Logger } from "pino";
import { requireCjs } from "./cjs/require.ts";
import { escapeControl } from "./escape.ts";

export type LogFormat = "text" | "json";
export type { Logger };

const { pino } = requireCjs("pino") as typeof Pino;

export function createLogger(format: LogFormat, level: string, name: string): Logger {
  if (format === "json") return pino({ name, level }, pino.destination(2));
  const stream = {
    write(line: string) {
      const entry = JSON.parse(line) as { level: number; msg?: string; err?: { message?: string } } & Record<
        string,
        unknown
      >;
      const { level: lvl, msg, err, time: _t, pid: _p, hostname: _h, name: _n, ...rest } = entry;
      const extra = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join(" ");
      const reason = err?.message ? ` (${err.message})` : "";
      // Log fields carry stored data (keys, reasons): no control character reaches the terminal.
      const text = `${levelName(lvl)} ${msg ?? ""}${reason}${extra ? ` ${extra}` : ""}`;
      process.stderr.write(`${escapeControl(text)}\n`);
    },
  };
  return pino({ name, level }, stream);
}

function levelName(level: number): string {
  if (level >= 50) return "error:";
  if (level >= 40) return "warn:";
  if (level >= 30) return "info:";
  return "debug:";
}
