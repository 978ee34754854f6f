// Writes node configuration. Every write is a compare-and-swap on the key's
// mod_revision, so two operators cannot silently overwrite each other, and every value
// is validated with the same schema the agent uses before anything is stored.
import type { Etcd3 } from "etcd3";
import { ConflictError, ValidationError } from "../shared/errors.ts";
import { configKey } from "../shared/keys.ts";
import { nodeNameProblem } from "../shared/node-name.ts";
import { type ConfigOverride, parseConfigText, validateConfig } from "../shared/schema.ts";

export interface WriteResult {
  key: string;
  value: string;
  revision: number;
  /** The previous stored value did not validate and was replaced. */
  replacedInvalid: boolean;
}

/**
 * The lab's `update <node> <interval>`: changes the interval of the node's override and
 * keeps any other field it has. Retries a lost race by re-reading, since the change is
 * a merge of one field, not a whole-value replacement.
 */
export async function updateNodeInterval(
  client: Etcd3,
  node: string,
  interval: number,
): Promise<WriteResult> {
  return mergeNodeOverride(client, node, { interval });
}

export async function mergeNodeOverride(
  client: Etcd3,
  node: string,
  patch: ConfigOverride,
): Promise<WriteResult> {
  const problem = nodeNameProblem(node);
  if (problem) throw new ValidationError(problem, "node");
  const key = configKey(node);
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await client.get(key).exec();
    const kv = current.kvs[0];
    const stored = kv ? parseConfigText(kv.value.toString()) : undefined;
    const base = stored?.ok ? stored.value : {};
    const checked = validateConfig({ ...base, ...patch });
    if (!checked.ok) throw new ValidationError(checked.reason);
    const value = JSON.stringify(checked.value);
    const modRevision = kv ? kv.mod_revision : "0";
    const res = await client.if(key, "Mod", "==", modRevision).then(client.put(key).value(value)).commit();
    if (res.succeeded) {
      return { key, value, revision: Number(res.header.revision), replacedInvalid: stored?.ok === false };
    }
  }
  throw new ConflictError(`${key} kept changing while we tried to update it; try again`);
}
