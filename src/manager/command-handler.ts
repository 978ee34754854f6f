// Carries out console commands against the manager. Returns the text to print, so the
// same handler serves the console and tests.
import { compliance, describeCompliance } from "../config/compliance.ts";
import {
  type ConfigService,
  type ConfigSnapshot,
  type ConfigTarget,
  desiredFrom,
} from "../config/service.ts";
import { describeRemoval, showDefault, showNode, versionsTable } from "../config/views.ts";
import { errorMessage, FleetwatchError } from "../shared/errors.ts";
import { type Command, HELP_TEXT } from "./commands.ts";
import { CONSOLE_AUTHOR, updateNodeInterval } from "./config-service.ts";
import type { NodeView } from "./liveness.ts";
import type { Manager } from "./manager.ts";
import { historyTable, nodesTable } from "./views.ts";

export interface CommandContext {
  manager: Manager;
  /** The server's one config service (built in main.ts). */
  config: ConfigService;
  now(): number;
  /** Shown when a write fails for a reason that is not the user's input. */
  etcdHint: string;
  quit(): Promise<void>;
}

export async function handleCommand(cmd: Command, ctx: CommandContext): Promise<string | undefined> {
  const { manager } = ctx;
  switch (cmd.type) {
    case "empty":
      return undefined;
    case "help":
      return HELP_TEXT;
    case "quit":
      await ctx.quit();
      return "Stopping the server.";
    case "nodes": {
      // Desired config comes from one read of the config prefix; without etcd the table
      // is still shown, without the status column.
      const snapshot = await ctx.config.snapshot().catch(() => undefined);
      const table = nodesTable(
        manager.state.nodes.values(),
        ctx.now(),
        snapshot ? (view) => statusOf(view, snapshot) : undefined,
      );
      return snapshot ? table : `${table}\n(config status unavailable: cannot read config - ${ctx.etcdHint})`;
    }
    case "history": {
      const view = manager.state.nodes.get(cmd.node);
      const transitions = view
        ? historyTable(cmd.node, view.history, ctx.now())
        : `Unknown node "${cmd.node}".`;
      try {
        const versions = await ctx.config.history({ kind: "node", node: cmd.node });
        return `${transitions}\n${versionsTable({ kind: "node", node: cmd.node }, versions, ctx.now())}`;
      } catch (err) {
        return `${transitions}\nError: cannot read config versions: ${errorMessage(err)} - ${ctx.etcdHint}`;
      }
    }
    case "set":
    case "show":
    case "rollback":
      try {
        return await configCommand(cmd, ctx);
      } catch (err) {
        const hint = err instanceof FleetwatchError ? "" : ` - ${ctx.etcdHint}`;
        return `Error: ${errorMessage(err)}${hint}`;
      }
    case "update":
      try {
        const unseen = manager.state.nodes.has(cmd.node)
          ? ""
          : ` (node ${cmd.node} has not been seen yet; it will apply this when it starts)`;
        const result = await updateNodeInterval(ctx.config, cmd.node, cmd.interval);
        const replaced = result.replacedInvalid ? " (replaced an invalid stored value)" : "";
        return `[Config] Updated ${result.key} = ${result.value} (revision ${result.revision})${replaced}${unseen}`;
      } catch (err) {
        const hint = err instanceof FleetwatchError ? "" : ` - ${ctx.etcdHint}`;
        return `Error: ${errorMessage(err)}${hint}`;
      }
    case "forget":
      try {
        const state = manager.state.nodes.get(cmd.node)?.state;
        if (state === "ALIVE")
          return `Error: node ${cmd.node} is ALIVE; only DEAD or LEFT nodes can be forgotten`;
        const result = await manager.forget(cmd.node, "console", cmd.purgeConfig);
        const purged = result.configPurged ? "; its config override was deleted" : "";
        const what = result.removed || state ? "forgotten" : "not known; recorded as forgotten anyway";
        return `[Forget] Node ${cmd.node} ${what} (revision ${result.revision})${purged}`;
      } catch (err) {
        const hint = err instanceof FleetwatchError ? "" : ` - ${ctx.etcdHint}`;
        return `Error: ${errorMessage(err)}${hint}`;
      }
    case "error":
      return `Error: ${cmd.message}${cmd.usage ? `\n${cmd.usage}` : ""}`;
    default:
      return cmd satisfies never;
  }
}

function statusOf(view: NodeView, snapshot: ConfigSnapshot): string {
  const desired = desiredFrom(snapshot, view.node);
  return describeCompliance(
    compliance({ desired, alive: view.state === "ALIVE", ack: view.heartbeat?.config }),
  );
}

function targetLabel(target: ConfigTarget): string {
  return target.kind === "default" ? "--default" : target.node;
}

async function configCommand(
  cmd: Extract<Command, { type: "set" | "show" | "rollback" }>,
  ctx: CommandContext,
): Promise<string> {
  const service = ctx.config;
  const { manager } = ctx;
  switch (cmd.type) {
    case "set": {
      const result = await service.setDetailed(cmd.target, cmd.patch, {
        author: CONSOLE_AUTHOR,
        merge: true,
      });
      const replaced = result.replacedInvalid ? " (replaced an invalid stored value)" : "";
      const unseen =
        cmd.target.kind === "node" && !manager.state.nodes.has(cmd.target.node)
          ? ` (node ${cmd.target.node} has not been seen yet; it will apply this when it starts)`
          : "";
      return `[Config] Set ${result.key} = ${JSON.stringify(result.value)} (revision ${result.revision}, version ${result.version})${replaced}${unseen}`;
    }
    case "show": {
      if (cmd.target.kind === "default") {
        const [stored, versions] = await Promise.all([service.get(cmd.target), service.history(cmd.target)]);
        return showDefault(stored, versions, ctx.now());
      }
      const node = cmd.target.node;
      const [desired, versions] = await Promise.all([service.desired(node), service.history(cmd.target)]);
      const view = manager.state.nodes.get(node);
      const ack = view?.state === "ALIVE" ? view.heartbeat?.config : undefined;
      return showNode({
        node,
        desired,
        ack,
        state: view?.state,
        compliance: compliance({ desired, alive: view?.state === "ALIVE", ack }),
        versions,
        now: ctx.now(),
      });
    }
    case "rollback": {
      const result = await service.rollback(cmd.target, cmd.version, { author: CONSOLE_AUTHOR });
      const what = result.removed
        ? describeRemoval(cmd.target)
        : `${result.key} = ${JSON.stringify(result.value)}`;
      return `[Config] Rolled back ${targetLabel(cmd.target)} to version ${cmd.version}: ${what} (revision ${result.revision}, new version ${result.version})`;
    }
    default:
      return cmd satisfies never;
  }
}
