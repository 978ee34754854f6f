// Commander definitions of `fleetwatch ctl nodes` and `fleetwatch ctl config ...`. Kept
// light: the implementations are imported when a command runs.
import { type Command, Option } from "../../shared/cjs/commander.ts";
import type { CommonOptions } from "../../shared/options.ts";
import { secondsArg } from "../args.ts";

/** `withEtcdOptions` is passed in so every ctl command takes the same --etcd/TLS options. */
export function registerConfigCommands(ctl: Command, withEtcdOptions: (cmd: Command) => Command): void {
  const leaf = (cmd: Command) => withEtcdOptions(cmd).showHelpAfterError(false);
  const run = async (opts: CommonOptions, body: (ctx: import("./run.ts").CtlContext) => Promise<number>) => {
    const { runCtl } = await import("./run.ts");
    await runCtl(opts, body);
  };

  // `ctl nodes` and `ctl nodes forget` are one commander command: a nested subcommand would see
  // --etcd, --state and --selector taken by its parent when they follow it on the command line.
  leaf(
    ctl
      .command("nodes")
      .description(
        "every known node: state, since, last seen, applied vs desired config; `nodes forget` drops DEAD/LEFT nodes",
      ),
  )
    .argument("[action]", 'nothing (the table) or "forget"')
    .argument("[node]", "forget: the node to forget (or use --selector)")
    .option(
      "--state <states>",
      "only these states, comma-separated: ALIVE, DEAD, LEFT, UNKNOWN (forget: DEAD,LEFT)",
    )
    .option("--selector <glob>", "only names matching this glob (web-*, db-[12])")
    .option("--older-than <duration>", "only nodes in their state for at least this long (30m, 1h, 7d)")
    .option("--purge-config", "forget: also delete the node's config override")
    .option("--json", "machine-readable output (docs/config.md)")
    .action(
      async (
        action: string | undefined,
        node: string | undefined,
        opts: CommonOptions & import("./nodes.ts").ForgetCliOptions,
      ) => {
        const { ctlNodes, ctlNodesForget } = await import("./nodes.ts");
        if (action === undefined) await run(opts, (ctx) => ctlNodes(ctx, opts));
        else if (action === "forget") await run(opts, (ctx) => ctlNodesForget(ctx, node, opts));
        else {
          console.error(`fleetwatch: unknown nodes action "${action}" (expected: forget)`);
          process.exitCode = 2;
        }
      },
    );

  const config = ctl
    .command("config")
    .description("fleet default and per-node config: get, set, remove, history, rollback, diff");

  leaf(config.command("get").description("the stored override of a node (or the fleet default)"))
    .argument("[node]", "node name")
    .option("--default", "the fleet default (/monitor/config/_default)")
    .option("--json", "machine-readable output (docs/config.md)")
    .action(async (node: string | undefined, opts: CommonOptions & { default?: boolean; json?: boolean }) => {
      const { ctlConfigGet } = await import("./config.ts");
      await run(opts, (ctx) => ctlConfigGet(ctx, node, opts));
    });

  leaf(
    config
      .command("set")
      .description(
        "validate and write an override; --interval/--metrics change only those fields, --from-file replaces the override",
      ),
  )
    .argument("[node]", "node name")
    .option("--default", "write the fleet default (/monitor/config/_default)")
    .option("--interval <seconds>", "collection interval, 1-86400")
    .option("--metrics <list>", "comma-separated metric names, e.g. cpu,memory")
    .option("--from-file <file>", "the whole override from a .json, .yaml or .yml file")
    .option("--replace", "replace the whole override instead of merging the named fields")
    .option(
      "--expect-revision <revision>",
      "only write if the key's mod_revision is this (0: must not exist)",
    )
    .option("--selector <glob>", "every known node whose name matches, e.g. 'web-*'")
    .addOption(
      new Option("--wait <seconds>", "how long to wait for nodes to acknowledge (bulk; single with --wait)")
        .default(10)
        .argParser(secondsArg(3600)),
    )
    .option("--no-wait", "do not wait for acknowledgements")
    .option("--json", "machine-readable output (docs/config.md)")
    .action(async (node: string | undefined, opts: CommonOptions & Record<string, unknown>, cmd: Command) => {
      const { ctlConfigSet } = await import("./config.ts");
      const waitExplicit = cmd.getOptionValueSource("wait") === "cli";
      await run(opts, (ctx) =>
        ctlConfigSet(ctx, node, { ...(opts as object), wait: opts.wait as number | false, waitExplicit }),
      );
    });

  leaf(config.command("history").description("kept config versions of a node (or the fleet default)"))
    .argument("[node]", "node name")
    .option("--default", "the fleet default")
    .option("--json", "machine-readable output (docs/config.md)")
    .action(async (node: string | undefined, opts: CommonOptions & { default?: boolean; json?: boolean }) => {
      const { ctlConfigHistory } = await import("./config.ts");
      await run(opts, (ctx) => ctlConfigHistory(ctx, node, opts));
    });

  leaf(config.command("rollback").description("re-apply a kept version as a new version"))
    .argument("[node]", "node name")
    .option("--default", "the fleet default")
    .option("--to <version>", "the version to go back to (see: ctl config history)")
    .option("--expect-revision <revision>", "only write if the key's mod_revision is this")
    .option("--json", "machine-readable output (docs/config.md)")
    .action(
      async (
        node: string | undefined,
        opts: CommonOptions & { default?: boolean; to?: string; expectRevision?: string; json?: boolean },
      ) => {
        const { ctlConfigRollback } = await import("./config.ts");
        await run(opts, (ctx) => ctlConfigRollback(ctx, node, opts));
      },
    );

  leaf(
    config
      .command("remove")
      .description("delete a node's override (or the fleet default), recorded as a version"),
  )
    .argument("[node]", "node name")
    .option("--default", "remove the fleet default")
    .option("--expect-revision <revision>", "only remove if the key's mod_revision is this")
    .option("--json", "machine-readable output (docs/config.md)")
    .action(
      async (
        node: string | undefined,
        opts: CommonOptions & { default?: boolean; expectRevision?: string; json?: boolean },
      ) => {
        const { ctlConfigRemove } = await import("./config.ts");
        await run(opts, (ctx) => ctlConfigRemove(ctx, node, opts));
      },
    );

  leaf(
    config
      .command("diff")
      .description(
        "desired vs applied, and override vs fleet default, for one node; exit 6 when it is not in sync",
      ),
  )
    .argument("<node>", "node name")
    .option("--json", "machine-readable output (docs/config.md)")
    .action(async (node: string, opts: CommonOptions & { json?: boolean }) => {
      const { ctlConfigDiff } = await import("./config.ts");
      await run(opts, (ctx) => ctlConfigDiff(ctx, node, opts));
    });
}
