// The one executable. Flags and environment variables are read here and only here;
// each subcommand receives one typed options object (shared/ARCHITECTURE.md rule 2).
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type AlertCliOptions, withAlertOptions } from "../manager/alerts/options.ts";
import { type HttpCliOptions, withHttpOptions } from "../manager/http/options.ts";
import { Command, InvalidArgumentError, Option } from "../shared/cjs/commander.ts";
import { DEFAULT_ETCD_ENDPOINTS, type Endpoint, parseEndpoints } from "../shared/endpoints.ts";
import { errorMessage, FleetwatchError } from "../shared/errors.ts";
import { installPrecompiledEtcdProto } from "../shared/etcd-proto.ts";
import { InvalidNodeNameError, type NodeName, parseNodeName } from "../shared/node-name.ts";
import type { CommonOptions } from "../shared/options.ts";
import { registerSimCommand } from "../sim/register.ts";
import { durationArg, integerArg } from "./args.ts";
import { surviveClosedOutput } from "./closed-stdout.ts";
import { registerConfigCommands } from "./ctl/register.ts";

// Before any command loads etcd3: no .proto text is parsed at start (shared/etcd-proto.ts).
installPrecompiledEtcdProto();

function endpointsArg(value: string): Endpoint[] {
  try {
    return parseEndpoints(value);
  } catch (err) {
    throw new InvalidArgumentError(errorMessage(err).replace(/^--etcd: /, ""));
  }
}

/** The CLI boundary for node names: parsed here, carried inward as a NodeName. */
export function nodeNameArg(value: string): NodeName {
  try {
    return parseNodeName(value);
  } catch (err) {
    if (err instanceof InvalidNodeNameError) throw new InvalidArgumentError(err.message);
    throw err;
  }
}

/** Options every subcommand that talks to etcd takes. */
function withEtcdOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--etcd <host:port[,host:port...]>", "etcd endpoints")
        .env("ETCD_ENDPOINTS")
        .default(parseEndpoints(DEFAULT_ETCD_ENDPOINTS), DEFAULT_ETCD_ENDPOINTS)
        .argParser(endpointsArg),
    )
    .addOption(
      new Option(
        "--etcd-ca <file>",
        "CA certificate (PEM) that signed etcd's server certificate; turns on TLS",
      ).env("FLEETWATCH_ETCD_CA"),
    )
    .addOption(
      new Option("--etcd-cert <file>", "client certificate (PEM); its common name is the etcd user").env(
        "FLEETWATCH_ETCD_CERT",
      ),
    )
    .addOption(new Option("--etcd-key <file>", "private key (PEM) of --etcd-cert").env("FLEETWATCH_ETCD_KEY"))
    .addOption(
      new Option("--log-format <format>", "format of structured logs on stderr")
        .choices(["text", "json"])
        .env("FLEETWATCH_LOG_FORMAT")
        .default("text"),
    )
    .addOption(
      new Option(
        "--log-level <level>",
        "least severe structured log level shown (the console lines are always shown)",
      )
        .choices(["debug", "info", "warn", "error"])
        .env("FLEETWATCH_LOG_LEVEL")
        .default("warn"),
    );
}

async function printVersion(): Promise<void> {
  const { buildInfo, versionLine } = await import("../shared/build-info.ts");
  console.log(versionLine(buildInfo()));
}

export function buildProgram(): Command {
  const program = new Command("fleetwatch")
    .description("Node liveness and live configuration for a fleet of machines, built on etcd")
    .showHelpAfterError("(run with --help for usage)")
    // Answered by main() before parsing, so the version files are read only when asked.
    .option("-V, --version", "print the version (and git commit) and exit");

  program.command("version").description("print the version (and git commit)").action(printVersion);

  withAlertOptions(
    withHttpOptions(
      withEtcdOptions(
        program.command("server").description("watch every node's heartbeat and push configuration"),
      ),
    ),
  )
    .addOption(
      new Option(
        "--forget-after <duration>",
        "forget DEAD and LEFT nodes after this long (30m, 7d; default: never)",
      )
        .env("FLEETWATCH_FORGET_AFTER")
        .argParser(durationArg),
    )
    .action(async (opts: CommonOptions & HttpCliOptions & AlertCliOptions & { forgetAfter?: number }) => {
      const { runServer } = await import("../manager/main.ts");
      await runServer(opts);
    });

  withEtcdOptions(
    program.command("agent").description("keep this node's heartbeat alive and collect its metrics"),
  )
    .addOption(
      new Option("--name <node>", "node name (default: the hostname)")
        .env("FLEETWATCH_NODE_NAME")
        .argParser(nodeNameArg),
    )
    .addOption(
      new Option("--ttl <seconds>", "lease TTL: how long after a crash the node is declared DEAD")
        .env("FLEETWATCH_TTL")
        .default(5)
        .argParser(integerArg(2, 3600)),
    )
    .option("--quiet", "do not print a line per heartbeat", false)
    .option("--leave-on-exit", "on SIGINT/SIGTERM revoke the lease so the node shows LEFT, not DEAD", false)
    .action(
      async (
        opts: CommonOptions & { name?: NodeName; ttl: number; quiet: boolean; leaveOnExit: boolean },
      ) => {
        // Before the agent's modules (etcd3, gRPC) are loaded: see agent/v8-flags.ts.
        const { sizeV8ForAgent } = await import("../agent/v8-flags.ts");
        sizeV8ForAgent();
        const { runAgent } = await import("../agent/main.ts");
        await runAgent(opts);
      },
    );

  program
    .command("etcd")
    .description("run a local single-member etcd in the foreground (for demos and laptops)")
    .addOption(new Option("--port <port>", "client port").default(2379).argParser(integerArg(1, 65535)))
    .addOption(new Option("--peer-port <port>", "peer port").default(2380).argParser(integerArg(1, 65535)))
    .option("--data-dir <dir>", "where etcd keeps its data", ".data/etcd")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option(
      "--tls",
      "serve clients over TLS with client-certificate auth (certificates made if missing)",
      false,
    )
    .option("--certs-dir <dir>", "certificates for --tls (see fleetwatch ctl certs)", ".data/certs")
    .action(
      async (opts: {
        port: number;
        peerPort: number;
        dataDir: string;
        host: string;
        tls: boolean;
        certsDir: string;
      }) => {
        const { runLocalEtcd } = await import("../local-etcd/main.ts");
        process.exitCode = await runLocalEtcd(opts);
      },
    );

  const ctl = program.command("ctl").description("administer a fleet: configuration, nodes, security");
  registerConfigCommands(ctl, withEtcdOptions);
  const csvArg = (value: string): string[] => value.split(",").filter((v) => v.length > 0);
  const certs = ctl.command("certs").description("make certificates for etcd client TLS (uses openssl)");
  certs
    .command("init")
    .description("create a CA, etcd's server certificate and the root and manager client certificates")
    .option("--certs-dir <dir>", "where the certificates are kept", ".data/certs")
    .addOption(
      new Option("--server-san <names>", "extra DNS names/IPs for etcd's server certificate, comma-separated")
        .argParser(csvArg)
        .default([]),
    )
    .action(async (opts: { certsDir: string; serverSan: string[] }) => {
      const { runCertsInit } = await import("../security/main.ts");
      runCertsInit(opts);
    });
  certs
    .command("issue")
    .description("create a client certificate whose common name (the etcd user) is each name given")
    .argument("<user...>", "node names (or root, fleetwatch-manager)")
    .option("--certs-dir <dir>", "where the certificates are kept", ".data/certs")
    .option("--force", "replace an existing certificate", false)
    .action(async (users: string[], opts: { certsDir: string; force: boolean }) => {
      const { runCertsIssue } = await import("../security/main.ts");
      runCertsIssue(users, opts);
    });
  certs
    .command("revoke")
    .description("revoke client certificates: add them to <certs-dir>/crl.pem (etcd --client-crl-file)")
    .argument("<user...>", "node names whose certificates to revoke")
    .option("--certs-dir <dir>", "where the certificates are kept", ".data/certs")
    .action(async (users: string[], opts: { certsDir: string }) => {
      const { runCertsRevoke } = await import("../security/main.ts");
      runCertsRevoke(users, opts);
    });
  const auth = ctl.command("auth").description("etcd users, roles and auth (RBAC)");
  withEtcdOptions(
    auth.command("setup").description("create the root, manager and per-node users and roles; enable auth"),
  )
    .addOption(
      new Option("--nodes <names>", "nodes to create users for, comma-separated")
        .argParser(csvArg)
        .default([]),
    )
    .action(async (opts: CommonOptions & { nodes: string[] }) => {
      const { runAuthSetup } = await import("../security/main.ts");
      await runAuthSetup(opts);
    });
  withEtcdOptions(
    auth.command("remove").description("delete nodes' etcd users and roles (revoke their certificates too)"),
  )
    .addOption(
      new Option("--nodes <names>", "nodes to remove, comma-separated").argParser(csvArg).default([]),
    )
    .action(async (opts: CommonOptions & { nodes: string[] }) => {
      const { runAuthRemove } = await import("../security/main.ts");
      await runAuthRemove(opts);
    });

  registerSimCommand(program, withEtcdOptions);

  return program;
}

/** Runs the CLI; bin/fleetwatch calls this with process.argv. */
export async function main(argv: string[]): Promise<void> {
  surviveClosedOutput();
  try {
    const [first] = argv.slice(2);
    if (first === "--version" || first === "-V") return await printVersion();
    await buildProgram().parseAsync(argv);
  } catch (err: unknown) {
    // Known errors carry a message the user can act on; anything else is a bug.
    if (err instanceof FleetwatchError) console.error(`fleetwatch: ${err.message}`);
    else console.error(err);
    process.exit(1);
  }
}

// `node --import tsx src/cli/main.ts ...` (development) runs it too.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main(process.argv);
}
