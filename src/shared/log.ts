// Structured logs for machines (pino, JSON on stderr with --log-format json) and a
// terse one-line text form for humans. The lab's console lines are not logs: they
// are printed on stdout by the console modules.
//
// pino itself is loaded at the first message at or above the level, not at start: a healthy
// agent logs nothing, and pino is ~13 ms and ~1.3 MB of its start (bench/RESULTS.md section 8).
import type * as Pino from "pino";
import { requireCjs } from "./cjs/require.ts";
import { escapeControl } from "./escape.ts";

export type LogFormat = "text" | "json";
export type LogLevel = "debug" | "info" | "warn" | "error";

/** The part of pino's logger fleetwatch uses: `log.warn({ err }, "message")`. */
export type Logger = Pick<Pino.Logger, LogLevel>;

const SEVERITY: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

function isLogLevel(level: string): level is LogLevel {
  return Object.hasOwn(SEVERITY, level);
}

export function createLogger(format: LogFormat, level: string, name: string): Logger {
  if (!isLogLevel(level)) throw new Error(`unknown log level "${level}" (debug, info, warn or error)`);
  let logger: Pino.Logger | undefined;
  const method = (at: LogLevel): Pino.LogFn => {
    if (SEVERITY[at] < SEVERITY[level]) return () => undefined;
    return ((...args: Parameters<Pino.LogFn>) => {
      logger ??= createPinoLogger(format, level, name);
      logger[at](...args);
    }) as Pino.LogFn;
  };
  return { debug: method("debug"), info: method("info"), warn: method("warn"), error: method("error") };
}

function createPinoLogger(format: LogFormat, level: LogLevel, name: string): Pino.Logger {
  const { pino } = requireCjs("pino") as typeof Pino;
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
