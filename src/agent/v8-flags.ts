// The agent is a small, long-lived daemon that runs on every machine: it spends its life
// waiting, wakes every few seconds for a keepalive and a sample, and its start is mostly code
// that runs once. V8's defaults are sized for the opposite (hot code, high allocation), so
// `fleetwatch agent` turns off what costs it memory and gives it nothing:
// - the optimizing and baseline compilers (TurboFan, Maglev, Sparkplug): their machine code,
//   and the compilers' own pages of the node binary (~4 MB of file-backed RSS), for code that
//   runs a few times a minute in the interpreter;
// - young-generation growth: start-up's allocation burst grows the new space to 8-16 MB,
//   which stays committed until V8's memory reducer happens to run (20-60 s, or never);
//   kept at its initial size it is 1-2 MB from the first second.
// Measured side by side (bench/RESULTS.md section 8): RSS 56-57 MB against 59-66 MB, and
// steady CPU within the goal. These are flags V8 reads when it tiers up a function or grows
// the new space, so setting them at run time works (unlike the heap's maximum sizes, which
// are fixed when the isolate is made); they are set before etcd3 and gRPC are loaded.
// NODE_OPTIONS=--lite-mode (the deploy files) goes further: no code generation at all.
// FLEETWATCH_AGENT_V8=default leaves V8 as it is (the bench's comparison).
import { setFlagsFromString } from "node:v8";

export const AGENT_V8_FLAGS = [
  "--no-opt",
  "--no-maglev",
  "--no-sparkplug",
  "--semi-space-growth-factor=1",
] as const;

/** Applies AGENT_V8_FLAGS unless FLEETWATCH_AGENT_V8=default; returns the flags applied. */
export function sizeV8ForAgent(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  if (env.FLEETWATCH_AGENT_V8 === "default") return [];
  for (const flag of AGENT_V8_FLAGS) setFlagsFromString(flag);
  return AGENT_V8_FLAGS;
}
