// What `fleetwatch etcd` tells a person when something is in the way. Pure: each
// function turns a fact (platform, errno, etcd's last log lines) into a sentence
// that says what to do next.

export function installHint(platform: NodeJS.Platform): string {
  const debian = "  Debian/Ubuntu:  sudo apt-get install -y etcd-server   (etcdctl is in etcd-client)";
  const mac = "  macOS:          brew install etcd";
  return [
    "no `etcd` binary found on PATH. Install etcd (3.4 or newer), then run this again:",
    // The user's own platform first: that is the line they will copy.
    ...(platform === "darwin" ? [mac, debian] : [debian, mac]),
    "  anywhere:       download a release tarball from https://github.com/etcd-io/etcd/releases",
    "                  and put `etcd` (and `etcdctl`) in a directory on PATH",
  ].join("\n");
}

export type PortRole = "client" | "peer";

export interface PortProblem {
  role: PortRole;
  host: string;
  port: number;
  /** errno code from trying to listen, e.g. EADDRINUSE. */
  code: string;
  /** Whether an etcd answers /health on that port (only probed for the client port). */
  etcdAnswers?: boolean;
}

const FLAG: Record<PortRole, string> = { client: "--port", peer: "--peer-port" };

export function portProblemMessage(p: PortProblem): string {
  const where = `${p.host}:${p.port}`;
  const flag = FLAG[p.role];
  switch (p.code) {
    case "EADDRINUSE":
      if (p.etcdAnswers) {
        return (
          `an etcd is already running on ${where} (it answers /health). Use it as it is ` +
          `(--etcd ${where}), stop it, or start another one with a different ${flag} and --peer-port/--data-dir.`
        );
      }
      return (
        `${p.role} port ${p.port} on ${p.host} is already taken by another process ` +
        `(maybe an etcd is already running there). Choose another with ${flag} <port>, ` +
        `or find the owner with: ss -ltnp 'sport = :${p.port}'`
      );
    case "EACCES":
      return `not allowed to listen on ${p.role} port ${p.port} (ports below 1024 need root); choose another with ${flag} <port>.`;
    case "EADDRNOTAVAIL":
      return `${p.host} is not an address of this machine, so etcd cannot listen on it; use --host 127.0.0.1 (or 0.0.0.0 for every interface).`;
    default:
      return `cannot listen on ${p.role} port ${where} (${p.code}); choose another with ${flag} <port>.`;
  }
}

/**
 * Lines etcd prints on every healthy start or stop that need no action: the default
 * auth token type (auth is off here) and its internal gateway's gRPC client
 * reconnecting while the server shuts down. Hiding them keeps real warnings visible.
 */
const NOISE = [
  /simple token is not cryptographically signed/,
  /grpc: addrConn\.createTransport failed to connect/,
];

export function isNoise(line: string): boolean {
  return NOISE.some((pattern) => pattern.test(line));
}

const QUIET_ZAP_LEVELS = new Set(["debug", "info"]);
/** capnslog (etcd's older logger, still used by some packages): "<date> <time> I | pkg: msg". */
const CAPNSLOG = /^\d{4}-\d{2}-\d{2} [\d:.]+ ([DINWEC]) \| /;

/**
 * Whether a line of etcd's stderr is worth a person's attention: warnings and worse,
 * and anything not in a known log format (a Go panic, a flag error). etcd prints
 * ~60 info lines on every start; those are kept only to explain failures.
 */
export function isWorthShowing(line: string): boolean {
  if (isNoise(line)) return false;
  if (line.startsWith("{")) {
    try {
      const level = (JSON.parse(line) as { level?: unknown }).level;
      return !(typeof level === "string" && QUIET_ZAP_LEVELS.has(level));
    } catch {
      return true;
    }
  }
  const capnslog = CAPNSLOG.exec(line);
  if (capnslog) return !["D", "I", "N"].includes(capnslog[1] as string);
  return true;
}

/** Known etcd failure lines and what to do about them. First match wins. */
const LOG_HINTS: Array<{ pattern: RegExp; hint: (dataDir: string) => string }> = [
  {
    pattern: /address already in use/i,
    hint: () =>
      "a port was taken between the check and etcd starting (is another etcd starting?); choose others with --port/--peer-port.",
  },
  {
    pattern: /flocked by another process|file already locked|resource temporarily unavailable/i,
    hint: (dataDir) =>
      `the data dir ${dataDir} is in use by another etcd; stop that one or use another --data-dir.`,
  },
  {
    pattern: /permission denied/i,
    hint: (dataDir) => `etcd may not write to ${dataDir}; fix its permissions or use another --data-dir.`,
  },
  {
    pattern: /member .* has already been bootstrapped|cluster ID mismatch|inconsistent/i,
    hint: (dataDir) =>
      `the data in ${dataDir} belongs to a different cluster; use another --data-dir (or delete it to start empty).`,
  },
  {
    pattern: /expected IP in URL for binding/i,
    hint: () => "etcd binds only to IP addresses or localhost; use --host 127.0.0.1 or 0.0.0.0.",
  },
];

/** Reads etcd's last log lines (JSON or plain) and returns advice, if any is known. */
export function interpretEtcdLog(lines: readonly string[], dataDir: string): string | undefined {
  for (const { pattern, hint } of LOG_HINTS) {
    if (lines.some((line) => pattern.test(line))) return hint(dataDir);
  }
  return undefined;
}

/** Pulls the human part out of a zap JSON log line so tails are readable. */
export function readableLogLine(line: string): string {
  if (!line.startsWith("{")) return line;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const { level, msg, ts: _ts, caller: _caller, ...rest } = entry;
    const extra = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join(" ");
    return `${String(level ?? "?")}: ${String(msg ?? "")}${extra ? ` ${extra}` : ""}`;
  } catch {
    return line;
  }
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGKILL: 9,
  SIGTERM: 15,
};

/**
 * Our exit code for etcd's end. etcd re-raises SIGINT/SIGTERM on itself after a clean
 * shutdown, so a stop we asked for shows up as "killed by signal": that is success.
 * Any other death by signal follows the shell convention 128 + signal number.
 */
export function exitCodeFor(
  code: number | null,
  signal: NodeJS.Signals | null,
  stopRequested: boolean,
): number {
  if (code !== null) return code;
  if (signal === null) return 1;
  if (stopRequested && (signal === "SIGINT" || signal === "SIGTERM")) return 0;
  return 128 + (SIGNAL_NUMBERS[signal] ?? 0);
}
