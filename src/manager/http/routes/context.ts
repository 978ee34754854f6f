// What every route handler may use: the server's shared parts, passed in rather than reached
// through the server object, so each handler module depends on exactly this interface.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ConfigService, ConfigTarget } from "../../../config/service.ts";
import type { Clock } from "../../../shared/clock.ts";
import type { NodeView } from "../../liveness.ts";
import type { Manager } from "../../manager.ts";
import type { ConfigView } from "../config-view.ts";
import type { NodeSummary } from "../fleet-view.ts";
import { HttpError } from "../http-util.ts";
import { decodeNode } from "../params.ts";
import type { FleetMetrics } from "../prom.ts";
import type { SampleIntake } from "../sample-intake.ts";
import type { StaticFile } from "../static-files.ts";
import type { StreamHub } from "../stream.ts";

export type Params = string[];
export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: Params,
  url: URL,
) => Promise<void> | void;
export type Route = [method: string, pattern: RegExp, handler: Handler];

export interface ServerStatus {
  ready: boolean;
  connected: boolean;
  now: number;
  writable: boolean;
}

export interface RouteContext {
  manager: Manager;
  clock: Clock;
  config: ConfigService;
  configView: ConfigView;
  intake: SampleIntake;
  hub: StreamHub;
  metrics: FleetMetrics;
  files: Map<string, StaticFile>;
  /** Bearer token for writes; undefined disables writes (403). */
  token: string | undefined;
  status(): ServerStatus;
  summary(view: NodeView): NodeSummary;
  /**
   * Every node's summary as a new stream starts from it: pending patches are sent to the open
   * streams first, and later patches are computed against this.
   */
  snapshot(): NodeSummary[];
}

/** A known node's view, or 400 (bad name) / 404 (never seen). */
export function knownNode(ctx: RouteContext, params: Params): NodeView {
  const node = decodeNode(params[0]);
  const view = ctx.manager.state.nodes.get(node);
  if (!view)
    throw new HttpError(404, `unknown node "${node}": the manager has never seen its heartbeat`, "node");
  return view;
}

/** Config routes accept nodes the manager knows or that already have a stored override. */
export function nodeTarget(ctx: RouteContext, params: Params, mustExist: boolean): ConfigTarget {
  const node = decodeNode(params[0]);
  if (mustExist && !ctx.manager.state.nodes.has(node) && !ctx.configView.entry(node)) {
    throw new HttpError(
      404,
      `unknown node "${node}": the manager has never seen it and it has no stored config (pre-provision with fleetwatch ctl)`,
      "node",
    );
  }
  return { kind: "node", node };
}
