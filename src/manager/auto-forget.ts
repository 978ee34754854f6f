// `fleetwatch server --forget-after <duration>`: the leader forgets DEAD and LEFT nodes that
// stayed so for longer than the duration (off by default: a DEAD node is a finding until a
// person decides otherwise). Only the leader acts, so HA managers do not race each other;
// every manager then drops the node through the forget record (forget-watch.ts).
import type { Clock } from "../shared/clock.ts";
import { errorMessage } from "../shared/errors.ts";
import type { Logger } from "../shared/log.ts";
import type { NodeName } from "../shared/node-name.ts";
import type { NodeView } from "./liveness.ts";
import type { Manager } from "./manager.ts";

/** Nodes DEAD or LEFT for at least `afterMs` at `now` (pure). */
export function dueForForget(views: Iterable<NodeView>, now: number, afterMs: number): NodeName[] {
  const due: NodeName[] = [];
  for (const v of views) if (v.state !== "ALIVE" && now - v.since >= afterMs) due.push(v.node);
  return due;
}

/** Checks a few times per period, at most once a minute; returns a stop function. */
export function startAutoForget(manager: Manager, afterMs: number, clock: Clock, log: Logger): () => void {
  let running = false;
  const check = async () => {
    if (running || !manager.isLeader || !manager.ready) return;
    running = true;
    try {
      for (const node of dueForForget(manager.state.nodes.values(), clock.now(), afterMs)) {
        await manager.forgetAsLeader(node, "forget-after").catch((err: unknown) => {
          log.warn({ node, err: errorMessage(err) }, "automatic forget failed; trying again later");
        });
      }
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void check(), Math.min(60_000, Math.max(1_000, afterMs / 4)));
  timer.unref();
  return () => clearInterval(timer);
}
