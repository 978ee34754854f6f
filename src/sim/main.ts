// `fleetwatch sim`: N simulated agents in one process (see fleet.ts), with optional
// churn: crashes (stop renewing, no revoke), graceful leaves (revoke) and restarts at
// given rates. It stops by itself after --duration, on SIGINT/SIGTERM, or on "stop"
// from stdin with --control. Load is bounded: N nodes, rates given by the user.
import { createInterface } from "node:readline";
import { systemClock } from "../shared/clock.ts";
import { errorMessage, ValidationError } from "../shared/errors.ts";
import { createEtcdClient } from "../shared/etcd.ts";
import { LeaseKeeper } from "../shared/lease-keeper.ts";
import { Limiter } from "../shared/limiter.ts";
import { createLogger } from "../shared/log.ts";
import { checkNodeName, type NodeName } from "../shared/node-name.ts";
import type { CommonOptions } from "../shared/options.ts";
import { loadEtcdTls } from "../shared/tls-files.ts";
import { type ConfigWatchMode, type SimEvent, SimFleet } from "./fleet.ts";
import { SharedConfigWatch } from "./shared-config-watch.ts";

export interface SimOptions extends CommonOptions {
  nodes: number;
  ttl: number;
  namePrefix: string;
  /** First node number (names are <prefix><n>). */
  startIndex: number;
  crashRate: number;
  leaveRate: number;
  /** Seconds after a crash or leave the node starts again; undefined: never. */
  restartAfter?: number;
  configWatch: ConfigWatchMode;
  batch: number;
  metrics: boolean;
  /** Seconds until the simulator stops by itself; 0: until interrupted. */
  duration: number;
  /** One JSON line per event on stdout, prefixed "EV " (for the benchmark). */
  events: boolean;
  /** Read commands from stdin: crash|leave|restart <node>, stop. */
  control: boolean;
  leaveOnExit: boolean;
}

/** `<prefix><n>` for every simulated node, parsed once here (the prefix is the user's). */
function simNodeNames(opts: SimOptions): NodeName[] {
  return Array.from({ length: opts.nodes }, (_, i) => {
    const checked = checkNodeName(`${opts.namePrefix}${opts.startIndex + i}`);
    if (!checked.ok) throw new ValidationError(`${checked.problem} (check --name-prefix)`, "name-prefix");
    return checked.name;
  });
}

export async function runSim(opts: SimOptions): Promise<void> {
  const names = simNodeNames(opts);

  const log = createLogger(opts.logFormat, opts.logLevel, "sim");
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const clock = systemClock;
  const client = createEtcdClient({ endpoints: opts.etcd, tls: loadEtcdTls(opts) });
  const keeper = new LeaseKeeper(client, {
    clock,
    onStreamState: (state, detail) => log.info({ state, detail }, "keepalive stream"),
  });
  const startedAt = clock.now();
  const shared = opts.configWatch === "shared" ? new SharedConfigWatch(client) : undefined;
  const counts = { lost: 0, errors: 0, acked: 0 };
  const emit = (event: SimEvent) => {
    if (event.ev === "lost") counts.lost++;
    if (event.ev === "acked") counts.acked++;
    if (opts.events) say(`EV ${JSON.stringify(event)}`);
  };
  const fleet = new SimFleet({
    client,
    keeper,
    clock,
    ttlS: opts.ttl,
    publishMetrics: opts.metrics,
    configWatch: opts.configWatch,
    shared,
    batchSize: opts.batch,
    writes: new Limiter(opts.batch),
    onEvent: emit,
    onProgress: (phase, done, total) =>
      log.debug({ phase, done, total, ms: clock.now() - startedAt }, "start-up"),
    onError: (node, what, err) => {
      counts.errors++;
      log.warn({ node, err: errorMessage(err) }, `could not ${what}`);
    },
  });

  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const scheduleRestart = (node: NodeName) => {
    if (opts.restartAfter === undefined) return;
    later(opts.restartAfter * 1000, () => {
      if (stopping) return;
      fleet
        .restart(node)
        .catch((err: unknown) => log.warn({ node, err: errorMessage(err) }, "restart failed"));
    });
  };
  const crash = (node: NodeName) => {
    const ev = fleet.crash(node);
    if (!ev) return say(`[Sim] ${node} is not running; nothing to crash`);
    emit(ev);
    if (!opts.events) say(`[Sim] Crashed ${node} (lease left to expire)`);
    scheduleRestart(node);
  };
  const leave = async (node: NodeName) => {
    const ev = await fleet.leave(node).catch((err: unknown) => {
      log.warn({ node, err: errorMessage(err) }, "leave failed");
      return undefined;
    });
    if (!ev) return;
    emit(ev);
    if (!opts.events) say(`[Sim] ${node} left (lease revoked)`);
    scheduleRestart(node);
  };
  const randomAlive = () => {
    const alive = fleet.alive();
    return alive[Math.floor(Math.random() * alive.length)]?.name;
  };
  /** Calls `fn` about `rate` times a second, with ±50% jitter so events do not line up. */
  const atRate = (rate: number, fn: () => void) => {
    if (rate <= 0) return;
    const tick = () =>
      later((1000 / rate) * (0.5 + Math.random()), () => {
        if (stopping) return;
        fn();
        tick();
      });
    tick();
  };

  let stopping = false;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    for (const t of timers) clearTimeout(t);
    say(`[Sim] Stopping (${why}); ${opts.leaveOnExit ? "revoking every lease" : "leases left to expire"}`);
    await fleet.stopAll(opts.leaveOnExit).catch(() => undefined);
    await shared?.stop().catch(() => undefined);
    keeper.close();
    client.close();
    resolveDone();
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  if (opts.control) {
    const rl = createInterface({ input: process.stdin });
    rl.on("line", (line) => {
      const [cmd, raw] = line.trim().split(/\s+/);
      // The stdin boundary: a node argument is parsed once, here.
      const checked = raw === undefined ? undefined : checkNodeName(raw);
      const node = checked?.ok ? checked.name : undefined;
      const takesNode = cmd === "crash" || cmd === "leave" || cmd === "restart";
      if (takesNode && checked && !checked.ok) say(`[Sim] ${checked.problem}`);
      else if (cmd === "stop") void stop("stop command");
      else if (cmd === "crash" && node) crash(node);
      else if (cmd === "leave" && node) void leave(node);
      else if (cmd === "restart" && node)
        void fleet.restart(node).catch((err: unknown) => say(`[Sim] restart failed: ${errorMessage(err)}`));
      else if (cmd) say(`[Sim] unknown command: ${line.trim()} (crash|leave|restart <node>, stop)`);
    });
  }

  say(
    `[Sim] Starting ${opts.nodes} nodes ${names[0]}..${names[names.length - 1]} ` +
      `(TTL ${opts.ttl}s, one keepalive stream, grants in batches of ${opts.batch}, config watch: ${opts.configWatch})`,
  );
  await shared?.start();
  await fleet.start(names);
  const up = fleet.alive().length;
  say(
    `[Sim] ${up}/${opts.nodes} nodes up in ${clock.now() - startedAt} ms; ` +
      `rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB`,
  );

  atRate(opts.crashRate, () => {
    const node = randomAlive();
    if (node) crash(node);
  });
  atRate(opts.leaveRate, () => {
    const node = randomAlive();
    if (node) void leave(node);
  });
  const status = setInterval(() => {
    const all = [...fleet.nodes.values()];
    const by = (s: string) => all.filter((n) => n.state === s).length;
    log.info(
      {
        alive: by("alive"),
        crashed: by("crashed"),
        left: by("left"),
        leasesLost: counts.lost,
        acked: counts.acked,
        errors: counts.errors,
        rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
      },
      "sim status",
    );
  }, 10_000);
  status.unref();
  if (opts.duration > 0) later(opts.duration * 1000, () => void stop(`--duration ${opts.duration}s`));
  await done;
  clearInterval(status);
  process.exit(0);
}
