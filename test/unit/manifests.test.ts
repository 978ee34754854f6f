// Static checks of everything under deploy/, the Dockerfile and skaffold.yaml: no cluster or
// Docker engine exists here (docs/deploy.md lists what this does and does not prove).
// - every YAML parses; every Kubernetes object validates against the Kubernetes schema
//   (kubernetes-models' per-kind validate(), generated from the Kubernetes OpenAPI spec);
// - each kustomization is rendered the way kustomize would for these files (resources,
//   strategic-merge patches, secretGenerator, namespace) and the rendered set is checked,
//   so the production overlay is validated as deployed, not as loose patches;
// - every flag and environment variable a fleetwatch container is given exists in the CLI
//   (introspected from buildProgram(): one source of truth for options);
// - references (ConfigMaps, Secrets, ServiceAccounts, Services) resolve, and the deployment
//   contracts hold: etcd's --initial-cluster matches its replicas and pod DNS names, PVCs
//   have no fixed storageClass, manager probes and replicas, agent node name and leave.
import assert from "node:assert/strict";
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { parseAllDocuments } from "yaml";
import { buildProgram } from "../../src/cli/main.ts";
import { etcdVersionAdvisories } from "../../src/security/etcd-advisories.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const DEPLOY = join(ROOT, "deploy");
const IMAGE = "fleetwatch";

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is untyped; checks below narrow it.
type Obj = Record<string, any>;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

function parseFile(path: string): Obj[] {
  const docs = parseAllDocuments(readFileSync(path, "utf8"));
  if (!Array.isArray(docs)) return [];
  for (const doc of docs) {
    const errors = [...doc.errors, ...doc.warnings];
    assert.equal(errors.length, 0, `${relative(ROOT, path)}: ${errors.map((e) => e.message).join("; ")}`);
  }
  return docs.map((d) => d.toJS() as Obj).filter((d) => d !== null && d !== undefined);
}

// ---- a small kustomize: the features these manifests use, with kustomize's semantics ----

const clone = <T>(v: T): T => structuredClone(v);

/** Strategic merge as kustomize does it for these fields: lists of named objects merge by name. */
function strategicMerge(base: unknown, patch: unknown): unknown {
  if (Array.isArray(base) && Array.isArray(patch)) {
    const named = (xs: unknown[]) => xs.every((x) => x !== null && typeof x === "object" && "name" in x);
    if (!named(base) || !named(patch)) return clone(patch);
    const out = (base as Obj[]).map(clone);
    for (const item of patch as Obj[]) {
      const i = out.findIndex((b) => b.name === item.name);
      if (i >= 0) out[i] = strategicMerge(out[i], item) as Obj;
      else out.push(clone(item));
    }
    return out;
  }
  if (base && patch && typeof base === "object" && typeof patch === "object" && !Array.isArray(patch)) {
    const out: Obj = clone(base as Obj);
    for (const [k, v] of Object.entries(patch as Obj))
      out[k] = k in out ? strategicMerge(out[k], v) : clone(v);
    return out;
  }
  return clone(patch);
}

interface Render {
  objects: Obj[];
  /** Files a secretGenerator reads that the operator makes (not in the repo). */
  generatedFrom: string[];
}

function kustomize(dir: string): Render {
  const file = join(dir, "kustomization.yaml");
  const [k] = parseFile(file);
  assert.ok(k, `${relative(ROOT, file)} is empty`);
  assert.equal(k.kind, "Kustomization", `${relative(ROOT, file)}: kind`);
  assert.equal(k.apiVersion, "kustomize.config.k8s.io/v1beta1");
  let objects: Obj[] = [];
  const generatedFrom: string[] = [];
  for (const res of (k.resources ?? []) as string[]) {
    const path = join(dir, res);
    assert.ok(existsSync(path), `${relative(ROOT, file)}: resource ${res} does not exist`);
    if (statSync(path).isDirectory()) {
      const sub = kustomize(path);
      objects.push(...sub.objects);
      generatedFrom.push(...sub.generatedFrom);
    } else objects.push(...parseFile(path));
  }
  for (const p of (k.patches ?? []) as { path: string }[]) {
    const path = join(dir, p.path);
    assert.ok(existsSync(path), `${relative(ROOT, file)}: patch ${p.path} does not exist`);
    for (const patch of parseFile(path)) {
      const i = objects.findIndex((o) => o.kind === patch.kind && o.metadata?.name === patch.metadata?.name);
      assert.ok(
        i >= 0,
        `${relative(ROOT, path)}: patches ${patch.kind}/${patch.metadata?.name}, which no resource defines`,
      );
      objects[i] = strategicMerge(objects[i], patch) as Obj;
    }
  }
  for (const gen of (k.secretGenerator ?? []) as { name: string; files: string[] }[]) {
    const data: Obj = {};
    for (const entry of gen.files) {
      const [key, source] = entry.includes("=") ? entry.split("=") : [entry.split("/").pop(), entry];
      generatedFrom.push(join(dir, source as string));
      data[key as string] = Buffer.from("placeholder").toString("base64");
    }
    objects.push({ apiVersion: "v1", kind: "Secret", metadata: { name: gen.name }, data });
  }
  if (k.namespace) {
    objects = objects.map((o) =>
      o.kind === "Namespace" ? o : { ...o, metadata: { ...o.metadata, namespace: k.namespace } },
    );
  }
  return { objects, generatedFrom };
}

// ---- the Kubernetes schema --------------------------------------------------------------

async function validateObject(o: Obj, where: string): Promise<void> {
  assert.ok(typeof o.apiVersion === "string" && typeof o.kind === "string", `${where}: apiVersion and kind`);
  assert.ok(o.metadata?.name, `${where}: ${o.kind} without metadata.name`);
  // "apps/v1" -> kubernetes-models/apps/v1, "v1" -> kubernetes-models/v1
  const models = (await import(`kubernetes-models/${o.apiVersion}`)) as Obj;
  const Model = models[o.kind];
  assert.ok(Model, `${where}: ${o.apiVersion} ${o.kind} is not a Kubernetes kind`);
  try {
    new Model(o).validate();
  } catch (err) {
    assert.fail(`${where}: ${o.kind}/${o.metadata.name} does not validate: ${(err as Error).message}`);
  }
}

// ---- the CLI as the single source of truth for flags and environment variables -----------

function subcommand(program: Command, words: string[]): { cmd: Command; rest: string[] } {
  let cmd = program;
  let i = 0;
  for (; i < words.length; i++) {
    const next = cmd.commands.find((c) => c.name() === words[i]);
    if (!next) break;
    cmd = next;
  }
  return { cmd, rest: words.slice(i) };
}

function cliProblems(program: Command, args: string[], envNames: string[]): string[] {
  const problems: string[] = [];
  const { cmd, rest } = subcommand(program, args);
  if (cmd === program) return [`"${args[0]}" is not a fleetwatch subcommand`];
  const longs = new Set(cmd.options.map((o) => o.long));
  for (const arg of rest) {
    if (!arg.startsWith("--")) continue;
    const flag = arg.split("=")[0] as string;
    if (!longs.has(flag)) problems.push(`${cmd.name()} has no option ${flag}`);
  }
  const envVars = new Set(cmd.options.map((o) => o.envVar).filter(Boolean));
  for (const name of envNames) {
    // Read by Node itself (V8 flags for the agent, bench/RESULTS.md section 8), not by fleetwatch.
    if (name === "NODE_OPTIONS") continue;
    if (!envVars.has(name)) problems.push(`${cmd.name()} reads no environment variable ${name}`);
  }
  return problems;
}

function podSpec(o: Obj): Obj | undefined {
  return o.spec?.template?.spec;
}

function find(objects: Obj[], kind: string, name: string): Obj {
  const o = objects.find((x) => x.kind === kind && x.metadata?.name === name);
  assert.ok(o, `no ${kind}/${name}`);
  return o;
}

const KUSTOMIZATIONS = ["deploy/k8s/base", "deploy/k8s/overlays/production"];

describe("deployment manifests", () => {
  it("every YAML file under deploy/ and skaffold.yaml parses", () => {
    const files = [...yamlFiles(DEPLOY), join(ROOT, "skaffold.yaml")];
    assert.ok(files.length >= 8, `only ${files.length} YAML files found`);
    for (const f of files) parseFile(f);
  });

  it("every Kubernetes object in deploy/ validates, loose files and patches merged alike", async () => {
    // deploy/prometheus holds Prometheus files, not Kubernetes objects (prometheus-assets.test.ts).
    for (const f of yamlFiles(join(DEPLOY, "k8s"))) {
      for (const o of parseFile(f)) {
        if (o.kind === "Kustomization") continue;
        // Prometheus Operator kinds have no kubernetes-models schema: checked by contract below.
        if (o.apiVersion === "monitoring.coreos.com/v1") continue;
        // A patch is validated as part of its rendered overlay (next loop), not alone.
        if (f.includes("/overlays/")) continue;
        await validateObject(o, relative(ROOT, f));
      }
    }
    for (const k of KUSTOMIZATIONS) {
      for (const o of kustomize(join(ROOT, k)).objects) await validateObject(o, `${k} (rendered)`);
    }
  });

  for (const k of KUSTOMIZATIONS) {
    describe(k, () => {
      const render = () => kustomize(join(ROOT, k));

      it("passes only flags and environment variables the fleetwatch CLI declares", () => {
        const program = buildProgram();
        const { objects } = render();
        const problems: string[] = [];
        let containers = 0;
        for (const o of objects) {
          for (const c of (podSpec(o)?.containers ?? []) as Obj[]) {
            if (c.image !== IMAGE) continue;
            containers++;
            const args = [...(c.command ?? []), ...(c.args ?? [])] as string[];
            const env = ((c.env ?? []) as Obj[]).map((e) => e.name as string);
            for (const from of (c.envFrom ?? []) as Obj[]) {
              const cm = find(objects, "ConfigMap", from.configMapRef?.name);
              env.push(...Object.keys(cm.data ?? {}));
            }
            problems.push(
              ...cliProblems(program, args, env).map((p) => `${o.kind}/${o.metadata.name}: ${p}`),
            );
          }
        }
        assert.ok(containers >= 2, "expected the manager and agent containers");
        assert.deepEqual(problems, []);
      });

      it("references resolve: ConfigMaps, Secrets, ServiceAccounts, Services", () => {
        const { objects, generatedFrom } = render();
        for (const o of objects) {
          const spec = podSpec(o);
          if (!spec) continue;
          const where = `${o.kind}/${o.metadata.name}`;
          if (spec.serviceAccountName) find(objects, "ServiceAccount", spec.serviceAccountName);
          for (const v of (spec.volumes ?? []) as Obj[])
            if (v.secret) find(objects, "Secret", v.secret.secretName);
          for (const c of spec.containers as Obj[]) {
            for (const f of (c.envFrom ?? []) as Obj[])
              if (f.configMapRef) find(objects, "ConfigMap", f.configMapRef.name);
            const mounts = new Set(((spec.volumes ?? []) as Obj[]).map((v) => v.name));
            for (const claim of (o.spec.volumeClaimTemplates ?? []) as Obj[]) mounts.add(claim.metadata.name);
            for (const m of (c.volumeMounts ?? []) as Obj[])
              assert.ok(mounts.has(m.name), `${where}: volumeMount ${m.name} has no volume`);
          }
          if (o.spec.serviceName) find(objects, "Service", o.spec.serviceName);
        }
        // Secret material is made by the operator and never committed.
        for (const path of generatedFrom) {
          assert.match(relative(ROOT, path), /\/certs\//, `${path}: generated secrets come from certs/`);
          const ignore = join(dirname(path).replace(/\/certs(\/.*)?$/, ""), ".gitignore");
          assert.match(readFileSync(ignore, "utf8"), /^certs\/$/m, `${ignore} must ignore certs/`);
        }
      });

      it("etcd: headless Service, --initial-cluster from the pods' DNS names, PVC on the default class", () => {
        const { objects } = render();
        const svc = find(objects, "Service", "etcd");
        assert.equal(svc.spec.clusterIP, "None");
        assert.deepEqual(svc.spec.ports.map((p: Obj) => p.port).sort(), [2379, 2380]);
        const sts = find(objects, "StatefulSet", "etcd");
        assert.equal(sts.spec.serviceName, "etcd");
        const ns = sts.metadata.namespace;
        const c = sts.spec.template.spec.containers[0];
        const initial = (c.env as Obj[]).find((e) => e.name === "INITIAL_CLUSTER")?.value as string;
        const scheme = (c.args as string[]).some((a) => a.startsWith("--listen-peer-urls=https"))
          ? "https"
          : "http";
        const expected = Array.from(
          { length: sts.spec.replicas },
          (_, i) => `etcd-${i}=${scheme}://etcd-${i}.etcd.${ns}.svc:2380`,
        ).join(",");
        assert.equal(initial, expected);
        assert.ok((c.args as string[]).includes("--initial-cluster=$(INITIAL_CLUSTER)"));
        for (const claim of sts.spec.volumeClaimTemplates as Obj[])
          assert.equal(
            claim.spec.storageClassName,
            undefined,
            "a fixed storageClassName leaves etcd Pending",
          );
        assert.ok(c.resources?.requests && c.resources?.limits, "etcd resources");
      });

      it("manager: 2 replicas, probes on /healthz and /readyz at the --http port, requests and limits", () => {
        const { objects } = render();
        const d = find(objects, "Deployment", "fleetwatch-manager");
        assert.equal(d.spec.replicas, 2);
        const c = d.spec.template.spec.containers[0];
        const args = c.args as string[];
        assert.equal(args[0], "server");
        assert.equal(args[args.indexOf("--http") + 1], "0.0.0.0:8080");
        const port = (c.ports as Obj[]).find((p) => p.name === c.livenessProbe.httpGet.port)?.containerPort;
        assert.equal(port, 8080);
        assert.equal(c.livenessProbe.httpGet.path, "/healthz");
        assert.equal(c.readinessProbe.httpGet.path, "/readyz");
        assert.ok(c.resources.requests && c.resources.limits);
        // Scrape annotations point at the same port and the /metrics route.
        const scrape = d.spec.template.metadata.annotations ?? {};
        assert.equal(scrape["prometheus.io/scrape"], "true");
        assert.equal(Number(scrape["prometheus.io/port"]), port);
        assert.equal(scrape["prometheus.io/path"], "/metrics");
      });

      it("agent: node name from spec.nodeName, --leave-on-exit, the host's PID and network namespaces", () => {
        const { objects } = render();
        const ds = find(objects, "DaemonSet", "fleetwatch-agent");
        const spec = ds.spec.template.spec;
        assert.equal(spec.hostPID, true);
        assert.equal(spec.hostNetwork, true);
        assert.equal(spec.dnsPolicy, "ClusterFirstWithHostNet", "cluster DNS with hostNetwork");
        const c = spec.containers[0];
        assert.equal(c.args[0], "agent");
        assert.ok(c.args.includes("--leave-on-exit"));
        const name = (c.env as Obj[]).find((e) => e.name === "FLEETWATCH_NODE_NAME");
        assert.equal(name?.valueFrom?.fieldRef?.fieldPath, "spec.nodeName");
        assert.ok(c.resources.requests && c.resources.limits);
      });
    });
  }

  it("monitoring: the ServiceMonitor selects the manager Service and scrapes its http port's /metrics", () => {
    const [monitor] = parseFile(join(DEPLOY, "k8s/monitoring/servicemonitor.yaml"));
    assert.equal(monitor?.kind, "ServiceMonitor");
    const k = parseFile(join(DEPLOY, "k8s/monitoring/kustomization.yaml"))[0] as Obj;
    assert.deepEqual(k.resources, ["servicemonitor.yaml"]);
    const base = kustomize(join(ROOT, "deploy/k8s/base")).objects;
    const service = find(base, "Service", "fleetwatch-manager");
    assert.equal(k.namespace, service.metadata.namespace, "same namespace as the Service");
    for (const [label, value] of Object.entries(monitor?.spec.selector.matchLabels as Obj)) {
      assert.equal(service.metadata.labels?.[label], value, `Service label ${label}`);
    }
    const [endpoint] = (monitor?.spec.endpoints ?? []) as Obj[];
    assert.ok(
      (service.spec.ports as Obj[]).some((p) => p.name === endpoint?.port),
      "a named Service port",
    );
    assert.equal(endpoint?.path, "/metrics");
  });

  it("production: 3 etcd members over TLS, manager and agents with client certificates", () => {
    const { objects } = kustomize(join(ROOT, "deploy/k8s/overlays/production"));
    const sts = find(objects, "StatefulSet", "etcd");
    assert.equal(sts.spec.replicas, 3);
    const args = sts.spec.template.spec.containers[0].args as string[];
    for (const flag of ["--client-cert-auth", "--peer-client-cert-auth"])
      assert.ok(args.includes(flag), flag);
    assert.ok(args.some((a) => a.startsWith("--listen-client-urls=https://")));
    // Revocation: etcd reads the CRL that `ctl certs revoke` writes, from the server's Secret.
    assert.ok(args.includes("--client-crl-file=/etc/etcd/tls/crl.pem"), "--client-crl-file");
    assert.ok("crl.pem" in find(objects, "Secret", "etcd-server-tls").data, "crl.pem in etcd-server-tls");
    // The pinned etcd keeps the per-node promises docs/security.md makes.
    const image = sts.spec.template.spec.containers[0].image as string;
    const version = /:v?(\d+\.\d+\.\d+)(?:-\d+)?$/.exec(image)?.[1];
    assert.equal(version, "3.5.33", `etcd image ${image}`);
    assert.deepEqual(
      etcdVersionAdvisories(version).map((a) => a.id),
      [],
      `etcd ${version} has known advisories`,
    );
    const endpoints = find(objects, "ConfigMap", "fleetwatch").data.ETCD_ENDPOINTS as string;
    assert.equal(endpoints.split(",").length, 3);
    for (const name of ["fleetwatch-manager", "fleetwatch-agent"]) {
      const o = objects.find((x) => x.metadata.name === name && podSpec(x));
      const env = ((podSpec(o as Obj)?.containers[0].env ?? []) as Obj[]).map((e) => e.name);
      for (const v of ["FLEETWATCH_ETCD_CA", "FLEETWATCH_ETCD_CERT", "FLEETWATCH_ETCD_KEY"])
        assert.ok(env.includes(v), `${name}: ${v}`);
    }
  });
});

describe("Dockerfile and skaffold.yaml", () => {
  const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");

  it("multi-stage, non-root, and its ENTRYPOINT exists and is executable", () => {
    assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 2, "multi-stage");
    const user = /^USER (\S+)/m.exec(dockerfile)?.[1];
    assert.ok(user && user !== "root" && user !== "0", "runs as a non-root user");
    const entry = /^ENTRYPOINT (\[.*\])/m.exec(dockerfile)?.[1];
    assert.ok(entry, "ENTRYPOINT in exec form");
    const [path] = JSON.parse(entry) as string[];
    const workdir = [...dockerfile.matchAll(/^WORKDIR (\S+)/gm)].pop()?.[1];
    assert.equal(workdir, "/app");
    // COPY bin ./bin puts the repo's bin/ at /app/bin: check the file the image will run.
    assert.ok(/^COPY bin \.\/bin$/m.test(dockerfile));
    accessSync(join(ROOT, path as string), constants.X_OK);
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm))
      for (const src of (m[1] as string).split(" ")) assert.ok(existsSync(join(ROOT, src)), `COPY ${src}`);
  });

  it("the image runs compiled code: dist/ from a build stage, no TypeScript compiler at run time", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Obj;
    assert.equal(pkg.dependencies.tsx, undefined, "tsx is a dev dependency: bin/fleetwatch runs dist/");
    assert.equal(pkg.dependencies.typescript, undefined);
    assert.match(dockerfile, /npm ci --omit=dev/);
    assert.match(dockerfile, /^COPY --from=build \/app\/dist \.\/dist$/m);
    const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
    assert.doesNotMatch(runtimeStage, /^COPY (src|scripts) /m, "the runtime stage ships no sources");
    assert.match(readFileSync(join(ROOT, "bin", "fleetwatch"), "utf8"), /dist\/cli\/main\.js/);
    assert.match(dockerfile, /^FROM node:22/m, "Node.js 22 LTS is the supported runtime");
  });

  it("skaffold builds the image the manifests use and deploys existing kustomizations", () => {
    const [config] = parseFile(join(ROOT, "skaffold.yaml"));
    assert.ok(config);
    assert.equal(config.kind, "Config");
    assert.match(config.apiVersion, /^skaffold\/v4/);
    const artifact = config.build.artifacts[0];
    assert.equal(artifact.image, IMAGE);
    assert.ok(existsSync(join(ROOT, artifact.docker.dockerfile)));
    const paths = [
      ...config.manifests.kustomize.paths,
      ...(config.profiles as Obj[]).flatMap((p) => p.manifests?.kustomize?.paths ?? []),
    ] as string[];
    assert.deepEqual([...new Set(paths)].sort(), [...KUSTOMIZATIONS].sort());
  });
});
