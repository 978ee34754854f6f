// Parsing of the manager console's commands. Pure: a line in, a command or an error
// out, so every bad input has a table test and nothing is written on a parse error.
// This is the console's boundary for node names: they leave here parsed, as NodeName.
import { parseAssignments } from "../config/input.ts";
import { type ConfigTarget, parseTarget } from "../config/service.ts";
import { errorMessage } from "../shared/errors.ts";
import { checkNodeName, type NodeName } from "../shared/node-name.ts";
import { type ConfigOverride, MAX_INTERVAL_S, MIN_INTERVAL_S } from "../shared/schema.ts";

export type Command =
  | { type: "empty" }
  | { type: "help" }
  | { type: "quit" }
  | { type: "nodes" }
  | { type: "history"; node: NodeName }
  | { type: "forget"; node: NodeName; purgeConfig: boolean }
  | { type: "update"; node: NodeName; interval: number }
  /** Merges the named fields into the node's override (or the fleet default). */
  | { type: "set"; target: ConfigTarget; patch: ConfigOverride }
  | { type: "show"; target: ConfigTarget }
  | { type: "rollback"; target: ConfigTarget; version: number }
  | { type: "error"; message: string; usage?: string };

export const USAGE: Record<string, string> = {
  update: "update <node> <interval>   set a node's collection interval in seconds (1-86400)",
  nodes: "nodes                      table of every node: state, since when, last seen, config",
  set: "set <node|--default> interval=<n> metrics=cpu,memory   change only the named fields of an override",
  show: "show <node|--default>      override, fleet default, desired vs applied config, status",
  history: "history <node>             the node's recent state transitions and config versions",
  rollback: "rollback <node|--default> <version>   re-apply a kept config version as a new version",
  forget: "forget <node> [--purge-config]   drop a DEAD or LEFT node from the registry, views and /metrics",
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
      // `quit web-1` is more likely a slip than a wish to stop the server.
      return args.length === 0 ? { type: "quit" } : usageError("quit", `quit takes no arguments`);
    case "nodes":
      return args.length === 0 ? { type: "nodes" } : usageError("nodes", `nodes takes no arguments`);
    case "history":
      return parseHistory(args);
    case "forget":
      return parseForget(args);
    case "update":
      return parseUpdate(args);
    case "set":
      return parseSet(args);
    case "show":
      return parseShow(args);
    case "rollback":
      return parseRollback(args);
    default:
      return {
        type: "error",
        message: `unknown command "${name}"; type "help" for the list`,
        usage: HELP_TEXT,
      };
  }
}

function parseForget(args: string[]): Command {
  const purgeConfig = args.includes("--purge-config");
  const rest = args.filter((a) => a !== "--purge-config");
  if (rest.length !== 1)
    return usageError("forget", `forget needs exactly one node name, got ${rest.length}`);
  const node = checkNodeName(rest[0] as string);
  return node.ok ? { type: "forget", node: node.name, purgeConfig } : usageError("forget", node.problem);
}

function parseHistory(args: string[]): Command {
  if (args.length !== 1)
    return usageError("history", `history needs exactly one node name, got ${args.length}`);
  const node = checkNodeName(args[0] as string);
  return node.ok ? { type: "history", node: node.name } : usageError("history", node.problem);
}

function parseUpdate(args: string[]): Command {
  if (args.length === 0) return usageError("update", "update needs a node name and an interval");
  if (args.length === 1)
    return usageError("update", `update needs an interval after the node name "${args[0]}"`);
  if (args.length > 2)
    return usageError("update", `update takes 2 arguments (node, interval), got ${args.length}`);
  const [rawNode, rawInterval] = args as [string, string];
  const node = checkNodeName(rawNode);
  if (!node.ok) return usageError("update", node.problem);
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
  return { type: "update", node: node.name, interval };
}

function targetOrError(command: keyof typeof USAGE, text: string): ConfigTarget | Command {
  try {
    return parseTarget(text);
  } catch (err) {
    return usageError(command, errorMessage(err));
  }
}

function isCommand(value: ConfigTarget | Command): value is Command {
  return "type" in value;
}

function parseSet(args: string[]): Command {
  const [first, ...fields] = args;
  if (first === undefined)
    return usageError("set", "set needs a node name (or --default) and field=value pairs");
  const target = targetOrError("set", first);
  if (isCommand(target)) return target;
  try {
    return { type: "set", target, patch: parseAssignments(fields) };
  } catch (err) {
    return usageError("set", errorMessage(err));
  }
}

function parseShow(args: string[]): Command {
  if (args.length !== 1)
    return usageError("show", `show needs exactly one node name (or --default), got ${args.length}`);
  const target = targetOrError("show", args[0] as string);
  return isCommand(target) ? target : { type: "show", target };
}

function parseRollback(args: string[]): Command {
  if (args.length !== 2) {
    return usageError("rollback", `rollback takes 2 arguments (node, version), got ${args.length}`);
  }
  const [first, rawVersion] = args as [string, string];
  const target = targetOrError("rollback", first);
  if (isCommand(target)) return target;
  if (!/^\d+$/.test(rawVersion) || Number(rawVersion) < 1 || !Number.isSafeInteger(Number(rawVersion))) {
    return usageError("rollback", `version "${rawVersion}" is not a positive whole number`);
  }
  return { type: "rollback", target, version: Number(rawVersion) };
}

function usageError(command: keyof typeof USAGE, message: string): Command {
  return { type: "error", message, usage: `usage: ${USAGE[command]}` };
}
