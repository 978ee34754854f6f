// One consistent-enough read of the fleet for ctl: the registry the manager keeps
// (`/monitor/nodes/`), the live heartbeats (`/monitor/heartbeat/`) and every stored
// config, each read once. A node is alive exactly when its heartbeat key exists (etcd
// decides death); the registry adds nodes that are gone and when they were last seen.
import type { Etcd3 } from "etcd3";
import { type Compliance, compliance } from "../../config/compliance.ts";
import { ConfigService, type ConfigSnapshot, type Desired, desiredFrom } from "../../config/service.ts";
import type { NodeView } from "../../manager/liveness.ts";
import { loadRegistry } from "../../manager/registry.ts";
import { systemClock } from "../../shared/clock.ts";
import { decodeHeartbeatEntry } from "../../shared/heartbeat-entry.ts";
import { listOnce } from "../../shared/informer.ts";
import { HEARTBEAT_PREFIX } from "../../shared/keys.ts";
import { etcdKvSource } from "../../shared/kv-source.ts";
import type { NodeName } from "../../shared/node-name.ts";
import type { Heartbeat } from "../../shared/schema.ts";

export interface FleetNode {
  node: NodeName;
  /** ALIVE when the heartbeat key exists; otherwise the registry's last state (DEAD if it said ALIVE). */
  state: "ALIVE" | "DEAD" | "LEFT" | "UNKNOWN";
  alive: boolean;
  heartbeat: Heartbeat | undefined;
  registry: NodeView | undefined;
  desired: Desired;
  compliance: Compliance;
}

export interface Fleet {
  nodes: FleetNode[];
  snapshot: ConfigSnapshot;
}

/** Every live heartbeat, decoded as the manager's tracker decodes it (one list, no watch). */
export async function readHeartbeats(client: Etcd3): Promise<Map<NodeName, Heartbeat | undefined>> {
  const { items } = await listOnce(etcdKvSource(client), { prefix: HEARTBEAT_PREFIX }, decodeHeartbeatEntry);
  const out = new Map<NodeName, Heartbeat | undefined>();
  for (const { value } of items) if (value) out.set(value.node, value.heartbeat);
  return out;
}

export async function readFleet(client: Etcd3): Promise<Fleet> {
  const service = new ConfigService(client, systemClock);
  const [registry, heartbeats, snapshot] = await Promise.all([
    loadRegistry(client),
    readHeartbeats(client),
    service.snapshot(),
  ]);
  const byName = new Map(registry.map((v) => [v.node, v]));
  const names = new Set([...byName.keys(), ...heartbeats.keys()]);
  const nodes = [...names].sort().map((node): FleetNode => {
    const alive = heartbeats.has(node);
    const heartbeat = heartbeats.get(node);
    const view = byName.get(node);
    const state = alive ? "ALIVE" : view ? (view.state === "ALIVE" ? "DEAD" : view.state) : "UNKNOWN";
    const desired = desiredFrom(snapshot, node);
    return {
      node,
      state,
      alive,
      heartbeat,
      registry: view,
      desired,
      compliance: compliance({ desired, alive, ack: heartbeat?.config }),
    };
  });
  return { nodes, snapshot };
}

/** Known node names: the registry and live heartbeats (what --selector matches against). */
export async function knownNodeNames(client: Etcd3): Promise<NodeName[]> {
  const [registry, heartbeats] = await Promise.all([loadRegistry(client), readHeartbeats(client)]);
  return [...new Set([...registry.map((v) => v.node), ...heartbeats.keys()])].sort();
}
