// etcd's "permission denied", turned into a message a person can act on. With RBAC on
// (docs/security.md), a client certificate's common name is the etcd user, and each
// node's user may only write that node's own heartbeat and metrics keys.
import { EtcdPermissionDeniedError } from "./cjs/etcd3.ts";
import { FleetwatchError } from "./errors.ts";

/** etcd refused an operation for the user this process authenticates as. Retrying cannot help. */
export class EtcdAccessDeniedError extends FleetwatchError {
  override name = "EtcdAccessDeniedError";
}

export function isPermissionDenied(err: unknown): boolean {
  return err instanceof EtcdPermissionDeniedError;
}

/**
 * Pure: the message for an agent whose write of `key` was refused. `certUser` is the common
 * name of its client certificate (undefined without one).
 */
export function agentAccessDeniedMessage(node: string, key: string, certUser: string | undefined): string {
  const who = certUser
    ? `etcd user "${certUser}" (the common name of --etcd-cert)`
    : "this agent's etcd user";
  const fix =
    certUser && certUser !== node
      ? `an agent may only write the keys of the node its certificate names: run it with --name ${certUser}, or give it ${node}'s certificate (fleetwatch ctl certs issue ${node})`
      : `give the user its node role with: fleetwatch ctl auth setup --nodes ${node}`;
  return `etcd denied ${who} writing ${key} (permission denied); ${fix}`;
}
