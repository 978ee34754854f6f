// `fleetwatch ctl nodes [--state S] [--selector glob]` and `ctl nodes forget`: the fleet table
// with since / last-seen columns, and forgetting DEAD or LEFT nodes (src/manager/forget.ts).
import { hostname, userInfo } from "node:os";
import { describeCompliance } from "../../config/compliance.ts";
import { forgetNode } from "../../manager/forget.ts";
import { formatAge } from "../../shared/age.ts";
import { describeConfig } from "../../shared/config-merge.ts";
import { parseDuration } from "../../shared/duration.ts";
import { ConflictError, ValidationError } from "../../shared/errors.ts";
import { type NodeName, parseNodeName } from "../../shared/node-name.ts";
import { textTable } from "../../shared/text-table.ts";
import { type FleetNode, readFleet } from "./fleet.ts";
import { globToRegExp } from "./glob.ts";
import { nodeJson } from "./json.ts";
import { type CtlContext, CtlExit, EXIT } from "./run.ts";

const STATES = ["ALIVE", "DEAD", "LEFT", "UNKNOWN"] as const;
type FleetState = (typeof STATES)[number];

export interface NodeFilter {
  state?: string;
  selector?: string;
  /** Only nodes whose current state began at least this long ago, e.g. "1h". */
  olderThan?: string;
}

/** The nodes matching every given filter (pure: `now` in). ValidationError names the bad filter. */
export function filterNodes(nodes: FleetNode[], filter: NodeFilter, now: number): FleetNode[] {
  const states = filter.state?.split(",").map((s) => s.trim().toUpperCase());
  for (const s of states ?? []) {
    if (!STATES.includes(s as FleetState)) {
      throw new ValidationError(`--state ${JSON.stringify(s)} is not one of ${STATES.join(", ")}`, "state");
    }
  }
  const re = filter.selector === undefined ? undefined : globToRegExp(filter.selector);
  const minAge = filter.olderThan === undefined ? undefined : parseDuration(filter.olderThan, "older-than");
  return nodes.filter(
    (n) =>
      (!states || states.includes(n.state)) &&
      (!re || re.test(n.node)) &&
      (minAge === undefined || (n.registry !== undefined && now - n.registry.since >= minAge)),
  );
}

export async function ctlNodes(ctx: CtlContext, opts: NodeFilter & { json?: boolean }): Promise<number> {
  const fleet = await readFleet(ctx.client);
  const now = Date.now();
  const nodes = filterNodes(fleet.nodes, opts, now);
  if (opts.json) {
    ctx.out(JSON.stringify({ revision: fleet.snapshot.revision, nodes: nodes.map(nodeJson) }, null, 2));
    return EXIT.ok;
  }
  if (fleet.nodes.length === 0) {
    ctx.out("No nodes known yet. Start one with: fleetwatch agent");
    return EXIT.ok;
  }
  if (nodes.length === 0) {
    ctx.out(`No node matches (${fleet.nodes.length} known).`);
    return EXIT.ok;
  }
  const ago = (t: number | undefined) => (t === undefined ? "-" : `${formatAge(now - t)} ago`);
  const rows = nodes.map((n) => [
    n.node,
    n.state,
    ago(n.alive && n.registry?.state !== "ALIVE" ? undefined : n.registry?.since),
    n.alive ? "now (lease live)" : ago(n.registry?.lastSeen),
    n.alive && n.heartbeat?.config ? describeConfig(n.heartbeat.config) : "-",
    describeConfig(n.desired.config),
    describeCompliance(n.compliance),
  ]);
  ctx.out(textTable([["NODE", "STATE", "SINCE", "LAST SEEN", "APPLIED", "DESIRED", "STATUS"], ...rows]));
  return EXIT.ok;
}

export interface ForgetCliOptions extends NodeFilter {
  purgeConfig?: boolean;
  json?: boolean;
}

/**
 * Forgets one node, or every node a --selector matches, narrowed by --state (default DEAD,LEFT)
 * and --older-than. ALIVE nodes are never forgotten: named one is exit 3, matched ones are skipped.
 */
export async function ctlNodesForget(
  ctx: CtlContext,
  node: string | undefined,
  opts: ForgetCliOptions,
): Promise<number> {
  if ((node === undefined) === (opts.selector === undefined)) {
    throw new ValidationError("name one node, or pass --selector <glob> (not both)", "node");
  }
  const state = opts.state ?? "DEAD,LEFT";
  if (state.toUpperCase().split(",").includes("ALIVE")) {
    throw new ValidationError("--state ALIVE: an ALIVE node cannot be forgotten", "state");
  }
  // The ctl boundary: a named node is parsed before anything is read.
  const named = node === undefined ? undefined : parseNodeName(node);
  const fleet = await readFleet(ctx.client);
  const now = Date.now();
  let targets: NodeName[];
  if (named !== undefined) {
    const known = fleet.nodes.find((n) => n.node === named);
    if (known?.alive) {
      throw new CtlExit(`node "${node}" is ALIVE: only DEAD or LEFT nodes can be forgotten`, EXIT.conflict);
    }
    targets = known && filterNodes([known], { ...opts, state }, now).length === 0 ? [] : [named];
  } else {
    targets = filterNodes(fleet.nodes, { ...opts, state }, now).map((n) => n.node);
  }
  const by = `ctl:${userInfo().username}@${hostname()}`;
  const done: { node: string; removed: boolean; configPurged: boolean; revision: number }[] = [];
  const refused: string[] = [];
  for (const name of targets) {
    try {
      done.push(await forgetNode(ctx.client, name, { by, now: Date.now(), purgeConfig: opts.purgeConfig }));
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      refused.push(name); // came back between the read and the forget
    }
  }
  if (opts.json) ctx.out(JSON.stringify({ forgotten: done, refusedAlive: refused }, null, 2));
  else {
    for (const r of done) {
      const purged = r.configPurged ? ", config override deleted" : "";
      ctx.out(
        `Forgot ${r.node}${r.removed ? "" : " (nothing stored: already forgotten)"}${purged} (revision ${r.revision})`,
      );
    }
    if (done.length === 0 && refused.length === 0) ctx.out("No node matches; nothing forgotten.");
    for (const name of refused) ctx.out(`Not forgotten: ${name} is ALIVE again`);
  }
  return refused.length > 0 ? EXIT.conflict : EXIT.ok;
}
