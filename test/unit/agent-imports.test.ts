// `fleetwatch agent` runs on every machine: its start loads only the agent. Checked on the
// compiled dist/ (what bin/fleetwatch runs): the static import closure of the CLI entry
// plus the agent's runner must not reach the manager, HTTP, ctl, sim, security, local etcd
// or YAML code, which the CLI imports lazily inside the commands that need them, nor zod
// (the manager's decoder; the agent checks its config by hand, shared/config-value.ts).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const DIST = resolve(ROOT, "dist");
/** Everything `fleetwatch agent` loads: the CLI, the agent, and what it loads once registered. */
const AGENT_ENTRIES = ["cli/main.js", "agent/main.js", "agent/monitor.js"].map((f) => resolve(DIST, f));

/** Specifiers of static `import ... from "x"`, `import "x"` and `export ... from "x"` (not `import(...)`). */
function esmImports(source: string): string[] {
  return [...source.matchAll(/^(?:import|export)\s+(?:[^;]*?\sfrom\s+)?"([^"]+)";/gm)].map(
    (m) => m[1] as string,
  );
}

/** Packages loaded with `requireCjs("x")` (shared/cjs/require.ts), which stand for static imports. */
function cjsRequires(source: string): string[] {
  return [...source.matchAll(/\brequireCjs\(\s*"([^"]+)"/g)].map((m) => m[1] as string);
}

function staticImports(source: string): string[] {
  return [...esmImports(source), ...cjsRequires(source)];
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = resolve(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.name.endsWith(".js")) yield path;
  }
}

function packageName(spec: string): string {
  return spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] as string);
}

/** A package Node can only load as CommonJS: no `"type": "module"`, no `import` condition. */
function isCommonJs(name: string): boolean {
  const pkg = JSON.parse(readFileSync(resolve(ROOT, "node_modules", name, "package.json"), "utf8"));
  if (pkg.type === "module" || typeof pkg.module === "string") return false;
  return !JSON.stringify(pkg.exports ?? {}).includes('"import"');
}

/** Files of dist/ and bare package names reached from `entries` through static imports. */
function closure(entries: string[]): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of staticImports(readFileSync(file, "utf8"))) {
      if (spec.startsWith("node:")) continue;
      if (spec.startsWith(".")) queue.push(resolve(dirname(file), spec));
      else packages.add(packageName(spec));
    }
  }
  return { files, packages };
}

describe("the agent's start loads only the agent", () => {
  before(() => {
    const build = spawnSync(process.execPath, [resolve(ROOT, "scripts/build.mjs"), "--if-stale"], {
      cwd: ROOT,
      stdio: "inherit",
    });
    assert.equal(build.status, 0, "scripts/build.mjs --if-stale");
  });

  it("reaches no manager, HTTP, ctl, sim, security or local-etcd module, nor yaml or prom-client", () => {
    const { files, packages } = closure(AGENT_ENTRIES);
    const reached = [...files].map((f) => relative(DIST, f));
    assert.ok(
      reached.includes("agent/heartbeat.js"),
      "the closure is computed (it holds the agent's heartbeat)",
    );
    // Flag declarations stay static so src/cli/main.ts reads as one list of commands and flags.
    const flagDeclarations = new Set([
      "manager/http/options.js",
      "manager/alerts/options.js",
      "cli/ctl/register.js",
      "sim/register.js",
    ]);
    const forbidden = reached.filter(
      (f) => /^(manager|cli\/ctl|sim|security|local-etcd|config)\//.test(f) && !flagDeclarations.has(f),
    );
    assert.deepEqual(forbidden, [], "modules the agent does not need are loaded at its start");
    for (const name of ["yaml", "prom-client", "uplot"]) assert.ok(!packages.has(name), `${name} is loaded`);
  });

  it("the manager and the simulator read the descriptor table without the collectors' I/O", () => {
    for (const entry of ["manager/main.js", "sim/main.js", "shared/metric-descriptors.js"]) {
      const reached = [...closure([resolve(DIST, entry)]).files].map((f) => relative(DIST, f));
      assert.ok(reached.includes("agent/collectors/registry.js"), `${entry} reaches the registry`);
      // The simulator runs agent code (heartbeat, config watch) but, like the manager, never reads /proc.
      const collectorModules = reached.filter((f) => f.startsWith("agent/collectors/"));
      assert.ok(!collectorModules.includes("agent/collectors/system-env.js"), `${entry} loads system-env`);
      if (entry !== "sim/main.js") {
        const outside = reached.filter((f) => f.startsWith("agent/") && !f.startsWith("agent/collectors/"));
        assert.deepEqual(outside, [], `${entry} loads agent code beyond the collector definitions`);
      }
      // The collector definitions are pure: none of them imports a Node built-in (fs, timers, ...).
      for (const f of collectorModules) {
        const builtins = staticImports(readFileSync(resolve(DIST, f), "utf8")).filter((s) =>
          s.startsWith("node:"),
        );
        assert.deepEqual(builtins, [], `${f} imports ${builtins.join(", ")}`);
      }
    }
  });

  it("does not load zod (~7 MB and 150-300 ms of start): the agent's config goes through config-value.ts", () => {
    const { files, packages } = closure(AGENT_ENTRIES);
    const importers = [...files]
      .filter((f) => staticImports(readFileSync(f, "utf8")).includes("zod"))
      .map((f) => relative(DIST, f));
    assert.deepEqual(importers, [], "these modules on the agent's start import zod");
    assert.ok(!packages.has("zod"), "zod is loaded");
    assert.ok(
      [...files].some((f) => relative(DIST, f) === "shared/config-value.js"),
      "the agent decodes its config with the hand checks of shared/config-value.js",
    );
  });

  it("the manager's start does not load yaml (only ctl reads YAML files)", () => {
    const { files, packages } = closure([resolve(DIST, "cli/main.js"), resolve(DIST, "manager/main.js")]);
    assert.ok(files.has(resolve(DIST, "config/input.js")), "the closure holds the console's config parser");
    assert.ok(!packages.has("yaml"), "yaml is loaded at the manager's start");
  });

  it("the flag declarations themselves import nothing heavy", () => {
    const { packages } = closure([resolve(DIST, "cli/main.js")]);
    assert.deepEqual([...packages].sort(), ["commander"]);
  });

  it("loads CommonJS packages with require(), never by ES import (no cjs-module-lexer pass at start)", () => {
    const { packages } = closure(AGENT_ENTRIES);
    assert.ok(packages.has("etcd3") && isCommonJs("etcd3"), "etcd3 is reached, and is CommonJS");
    const offenders: string[] = [];
    for (const file of walk(DIST)) {
      for (const spec of esmImports(readFileSync(file, "utf8"))) {
        if (/^(\.|\/|node:)/.test(spec)) continue;
        if (isCommonJs(packageName(spec))) offenders.push(`${relative(DIST, file)}: ${spec}`);
      }
    }
    assert.deepEqual(offenders, [], "use shared/cjs/require.ts for these");
  });
});
