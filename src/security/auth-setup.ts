// `fleetwatch ctl auth setup`: etcd users and roles for fleetwatch, then auth on.
// Idempotent: "already exists" is success, permissions are (re)granted every run, and
// enabling auth that is already on is a no-op in etcd. Once auth is on, run it with the
// root certificate (CN=root) to add nodes. The roles are tabled in docs/security.md.
import { randomBytes } from "node:crypto";
import type { IPermissionRequest } from "etcd3";
import {
  type Etcd3,
  EtcdPermissionDeniedError,
  EtcdRoleExistsError,
  EtcdRoleNotFoundError,
  EtcdUserExistsError,
  EtcdUserNotFoundError,
  Range,
} from "../shared/cjs/etcd3.ts";
import { FleetwatchError, ValidationError } from "../shared/errors.ts";
import { configKey, DEFAULT_CONFIG_KEY, heartbeatKey, metricsKey, PREFIX } from "../shared/keys.ts";
import { type NodeName, nodeNameProblem, parseNodeName } from "../shared/node-name.ts";
import { MANAGER_USER, ROOT_USER } from "./certs.ts";

export const MANAGER_ROLE = "fleetwatch-manager";
export const nodeRole = (node: string): string => `fleetwatch-node-${node}`;

export interface RoleSpec {
  role: string;
  user: string;
  permissions: { permission: "Read" | "Write" | "Readwrite"; key?: string; prefix?: string }[];
}

/** Pure: the manager's role and one role per node, as granted in etcd. */
export function fleetRoles(nodes: NodeName[]): RoleSpec[] {
  return [
    {
      role: MANAGER_ROLE,
      user: MANAGER_USER,
      permissions: [{ permission: "Readwrite", prefix: PREFIX }],
    },
    ...nodes.map(
      (node): RoleSpec => ({
        role: nodeRole(node),
        user: node,
        permissions: [
          { permission: "Write", key: heartbeatKey(node) },
          { permission: "Write", key: metricsKey(node) },
          { permission: "Read", key: configKey(node) },
          { permission: "Read", key: DEFAULT_CONFIG_KEY },
        ],
      }),
    ),
  ];
}

/** The `--nodes` boundary: every name parsed, or a ValidationError naming the first bad one. */
function parseNodeUsers(nodes: string[]): NodeName[] {
  return nodes.map((node) => {
    const problem = nodeUserProblem(node);
    if (problem !== undefined) throw new ValidationError(`--nodes: ${problem}`, "nodes");
    return parseNodeName(node); // cannot throw: nodeUserProblem checked the name first
  });
}

/** Pure: why `node` cannot get an etcd user of its own, if it cannot. */
export function nodeUserProblem(node: string): string | undefined {
  const problem = nodeNameProblem(node);
  if (problem) return problem;
  if (node === ROOT_USER || node === MANAGER_USER)
    return `"${node}" is reserved for fleetwatch's own etcd user and cannot be a node name`;
  return undefined;
}

/**
 * Creates users and roles and enables auth. Returns one line per change for the console.
 * Users get a random password nobody keeps: they authenticate with certificates only.
 */
export async function setupAuth(client: Etcd3, rawNodes: string[]): Promise<string[]> {
  const nodes = parseNodeUsers(rawNodes);
  const lines: string[] = [];
  try {
    if (await createUser(client, ROOT_USER)) lines.push(`created user ${ROOT_USER}`);
    await client.user(ROOT_USER).addRole("root");
    for (const spec of fleetRoles(nodes)) {
      if (await createRole(client, spec.role)) lines.push(`created role ${spec.role}`);
      await client.role(spec.role).grant(spec.permissions.map(toRequest));
      if (await createUser(client, spec.user)) lines.push(`created user ${spec.user}`);
      await client.user(spec.user).addRole(spec.role);
      lines.push(`${spec.user}: ${describePermissions(spec)}`);
    }
    await client.auth.authEnable();
  } catch (err) {
    if (err instanceof EtcdPermissionDeniedError) {
      throw new FleetwatchError(
        "etcd denied changing users and roles: auth is already on and this is not the root user; " +
          "run it with the root certificate (--etcd-cert <certs>/clients/root.crt --etcd-key <certs>/clients/root.key)",
      );
    }
    throw err;
  }
  lines.push("auth enabled: clients are now the user named by their certificate's common name");
  return lines;
}

/**
 * Deletes each node's etcd user and role (a node that left). Idempotent: one already gone is
 * reported, not an error. Run with the root certificate. Revoking the certificate is
 * `ctl certs revoke` (src/security/crl.ts): without it the certificate still connects.
 */
export async function removeNodeAuth(client: Etcd3, rawNodes: string[]): Promise<string[]> {
  const nodes = parseNodeUsers(rawNodes);
  const lines: string[] = [];
  try {
    for (const node of nodes) {
      lines.push(
        (await ignoreNotFound(() => client.user(node).delete()))
          ? `deleted user ${node}`
          : `user ${node} did not exist`,
      );
      lines.push(
        (await ignoreNotFound(() => client.role(nodeRole(node)).delete()))
          ? `deleted role ${nodeRole(node)}`
          : `role ${nodeRole(node)} did not exist`,
      );
    }
  } catch (err) {
    if (err instanceof EtcdPermissionDeniedError) {
      throw new FleetwatchError(
        "etcd denied deleting users and roles: run it with the root certificate (--etcd-cert <certs>/clients/root.crt --etcd-key <certs>/clients/root.key)",
      );
    }
    throw err;
  }
  return lines;
}

async function ignoreNotFound(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (err) {
    if (err instanceof EtcdUserNotFoundError || err instanceof EtcdRoleNotFoundError) return false;
    throw err;
  }
}

export function describePermissions(spec: RoleSpec): string {
  return spec.permissions.map((p) => `${p.permission.toLowerCase()} ${p.key ?? `${p.prefix}*`}`).join(", ");
}

function toRequest(p: RoleSpec["permissions"][number]): IPermissionRequest {
  if (p.prefix !== undefined) return { permission: p.permission, range: Range.prefix(p.prefix) };
  return { permission: p.permission, key: p.key as string };
}

async function createUser(client: Etcd3, name: string): Promise<boolean> {
  try {
    await client.user(name).create(randomBytes(32).toString("base64url"));
    return true;
  } catch (err) {
    if (err instanceof EtcdUserExistsError) return false;
    throw err;
  }
}

async function createRole(client: Etcd3, name: string): Promise<boolean> {
  try {
    await client.role(name).create();
    return true;
  } catch (err) {
    if (err instanceof EtcdRoleExistsError) return false;
    throw err;
  }
}
