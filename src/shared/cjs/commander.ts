// commander's runtime values, loaded with require() (./require.ts says why), exported as
// value and type under one name, as `import { Command } from "commander"` would.
import type * as CommanderModule from "commander";
import { requireCjs } from "./require.ts";

const commander = requireCjs("commander") as typeof CommanderModule;

export const { Command, InvalidArgumentError, Option } = commander;
export type Command = CommanderModule.Command;
export type Option = CommanderModule.Option;
