// Carries out console commands against the manager. Returns the text to print, so the
// same handler serves the console and tests.
import { errorMessage, FleetwatchError } from "../shared/errors.ts";
import { type Command, HELP_TEXT } from "./commands.ts";
import { updateNodeInterval } from "./config-service.ts";
import type { Manager } from "./manager.ts";
import { historyTable, nodesTable } from "./views.ts";

export interface CommandContext {
  manager: Manager;
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
    case "nodes":
      return nodesTable(manager.state.nodes.values(), ctx.now());
    case "history": {
      const view = manager.state.nodes.get(cmd.node);
      return view ? historyTable(cmd.node, view.history, ctx.now()) : `Unknown node "${cmd.node}".`;
    }
    case "update":
      try {
        const unseen = manager.state.nodes.has(cmd.node)
          ? ""
          : ` (node ${cmd.node} has not been seen yet; it will apply this when it starts)`;
        const result = await updateNodeInterval(manager.client, cmd.node, cmd.interval);
        const replaced = result.replacedInvalid ? " (replaced an invalid stored value)" : "";
        return `[Config] Updated ${result.key} = ${result.value} (revision ${result.revision})${replaced}${unseen}`;
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
