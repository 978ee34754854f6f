// `fleetwatch sim` flags, declared here and wired into src/cli/main.ts with one call.

import { integerArg, secondsArg } from "../cli/args.ts";
import { type Command, InvalidArgumentError, Option } from "../shared/cjs/commander.ts";
import type { CommonOptions } from "../shared/options.ts";
import type { SimOptions } from "./main.ts";

function rateArg(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1000)
    throw new InvalidArgumentError(`"${value}" is not a rate 0-1000 per second`);
  return n;
}

export function registerSimCommand(program: Command, withEtcdOptions: (cmd: Command) => Command): void {
  withEtcdOptions(
    program
      .command("sim")
      .description("simulate N agents in one process (same agent code, synthetic samples) for load tests"),
  )
    .addOption(
      new Option("--nodes <n>", "number of simulated nodes").default(100).argParser(integerArg(1, 100_000)),
    )
    .addOption(
      new Option("--ttl <seconds>", "lease TTL of every node").default(5).argParser(integerArg(2, 3600)),
    )
    .option("--name-prefix <prefix>", "node names are <prefix><number>", "sim-")
    .addOption(
      new Option("--start-index <n>", "number of the first node").default(1).argParser(integerArg(0, 1e9)),
    )
    .addOption(
      new Option("--crash-rate <per-second>", "crash random nodes (stop renewing, no revoke)")
        .default(0)
        .argParser(rateArg),
    )
    .addOption(
      new Option("--leave-rate <per-second>", "random nodes leave gracefully (revoke)")
        .default(0)
        .argParser(rateArg),
    )
    .addOption(
      new Option("--restart-after <seconds>", "restart a crashed or departed node after this long").argParser(
        secondsArg(86_400),
      ),
    )
    .addOption(
      new Option(
        "--config-watch <mode>",
        "per-node: two watches per node, as the agent; shared: one prefix watch feeding every node's ConfigWatch",
      )
        .choices(["per-node", "shared"])
        .default("shared"),
    )
    .addOption(
      new Option("--batch <n>", "lease grants in flight at once").default(250).argParser(integerArg(1, 250)),
    )
    .option("--no-metrics", "do not publish synthetic metrics samples")
    .addOption(
      new Option("--duration <seconds>", "stop by itself after this long (0: run until interrupted)")
        .default(0)
        .argParser(secondsArg(86_400)),
    )
    .option("--events", "print one JSON line per event (EV {...}) for the benchmark", false)
    .option("--control", "read commands from stdin: crash|leave|restart <node>, stop", false)
    .option(
      "--leave-on-exit",
      "revoke every lease when stopping (LEFT), instead of letting them expire",
      false,
    )
    .action(async (opts: CommonOptions & SimOptions) => {
      const { runSim } = await import("./main.ts");
      await runSim(opts);
    });
}
