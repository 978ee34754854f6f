// Parsing of the manager console's commands. Pure: a line in, a command or an error
// out, so every bad input has a table test and nothing is written on a parse error.
import { nodeNameProblem } from "../shared/node-name.ts";
import { MAX_INTERVAL_S, MIN_INTERVAL_S } from "../shared/schema.ts";

export type Command =
  | { type: "empty" }
  | { type: "help" }
  | { type: "quit" }
  | { type: "nodes" }
  | { type: "history"; node: string }
  | { type: "update"; node: string; interval: number }
  | { type: "error"; message: string; usage?: string };

export const USAGE: Record<string, string> = {
  update: "update <node> <interval>   set a node's collection interval in seconds (1-86400)",
  nodes: "nodes                      table of every node: state, since when, last seen, config",
  history: "history <node>             the node's recent state transitions",
  help: "help                       this list",
  quit: "quit                       stop the server",
};

export const HELP_TEXT = ["Commands:", ...Object.values(USAGE).map((u) => `  ${u}`)].join("\n");

export function parseCommand(line: string): Command {
  const words = line.trim().split(/\s+/).filter(Boolean);
  const [name, ...args] = words;
  if (name === undefined) return { type: "empty" };
  switch (name.toLowerCase()) {
    case "help":
    case "?":
      return { type: "help" };
    case "quit":
    case "exit":
      return { type: "quit" };
    case "nodes":
      return args.length === 0 ? { type: "nodes" } : usageError("nodes", `nodes takes no arguments`);
    case "history":
      return parseHistory(args);
    case "update":
      return parseUpdate(args);
    default:
      return {
        type: "error",
        message: `unknown command "${name}"; type "help" for the list`,
        usage: HELP_TEXT,
      };
  }
}

function parseHistory(args: string[]): Command {
  if (args.length !== 1)
    return usageError("history", `history needs exactly one node name, got ${args.length}`);
  const node = args[0] as string;
  const problem = nodeNameProblem(node);
  return problem ? usageError("history", problem) : { type: "history", node };
}

function parseUpdate(args: string[]): Command {
  if (args.length === 0) return usageError("update", "update needs a node name and an interval");
  if (args.length === 1)
    return usageError("update", `update needs an interval after the node name "${args[0]}"`);
  if (args.length > 2)
    return usageError("update", `update takes 2 arguments (node, interval), got ${args.length}`);
  const [node, rawInterval] = args as [string, string];
  const problem = nodeNameProblem(node);
  if (problem) return usageError("update", problem);
  if (!/^\d+$/.test(rawInterval)) {
    return usageError("update", `interval "${rawInterval}" is not a positive whole number of seconds`);
  }
  const interval = Number(rawInterval);
  if (interval < MIN_INTERVAL_S || interval > MAX_INTERVAL_S) {
    return usageError(
      "update",
      `interval ${interval} is out of range ${MIN_INTERVAL_S}-${MAX_INTERVAL_S} seconds`,
    );
  }
  return { type: "update", node, interval };
}

function usageError(command: keyof typeof USAGE, message: string): Command {
  return { type: "error", message, usage: `usage: ${USAGE[command]}` };
}
