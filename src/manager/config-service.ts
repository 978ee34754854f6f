// The lab's `update <node> <interval>`, kept as a thin wrapper over the config service
// (src/config/service.ts) so it is validated, CAS-guarded and recorded as a version like
// every other write. A lost race is retried by re-reading, since the change is a merge
// of one field, not a whole-value replacement.
import type { ConfigService } from "../config/service.ts";
import type { NodeName } from "../shared/node-name.ts";

export interface WriteResult {
  key: string;
  value: string;
  revision: number;
  /** The config version recorded for this write. */
  version: number;
  /** The previous stored value did not validate and was replaced. */
  replacedInvalid: boolean;
}

/** Who the console's writes are recorded as in the config history. */
export const CONSOLE_AUTHOR = "console";

export async function updateNodeInterval(
  config: ConfigService,
  node: NodeName,
  interval: number,
): Promise<WriteResult> {
  const result = await config.setDetailed(
    { kind: "node", node },
    { interval },
    { author: CONSOLE_AUTHOR, merge: true },
  );
  return {
    key: result.key,
    value: JSON.stringify(result.value),
    revision: result.revision,
    version: result.version,
    replacedInvalid: result.replacedInvalid,
  };
}
