// Config targets: a node's override or the fleet default, and the keys each is stored at.
// Pure: names in, keys and words out.
import { configHistoryPrefix, configKey, configVersionKey, DEFAULT_CONFIG_KEY } from "../shared/keys.ts";
import { type NodeName, parseNodeName } from "../shared/node-name.ts";

export type ConfigTarget = { kind: "node"; node: NodeName } | { kind: "default" };

/** A target typed by a user (ctl argument, HTTP path); InvalidNodeNameError says what is wrong. */
export function parseTarget(text: string): ConfigTarget {
  if (text === "--default" || text === "_default") return { kind: "default" };
  return { kind: "node", node: parseNodeName(text) };
}

export function targetKey(target: ConfigTarget): string {
  return target.kind === "default" ? DEFAULT_CONFIG_KEY : configKey(target.node);
}

export function targetName(target: ConfigTarget): NodeName | "_default" {
  return target.kind === "default" ? "_default" : target.node;
}

/** "node web-1" / "the fleet default" - for messages. */
export function describeTarget(target: ConfigTarget): string {
  return target.kind === "default" ? "the fleet default" : `node ${target.node}`;
}

export function historyPrefix(target: ConfigTarget): string {
  return configHistoryPrefix(targetName(target));
}

export function versionKey(target: ConfigTarget, version: number): string {
  return configVersionKey(targetName(target), version);
}

/** [1,2,3,5,7,8] -> "1-3, 5, 7-8" */
export function versionRanges(versions: number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < versions.length) {
    let j = i;
    while (j + 1 < versions.length && (versions[j + 1] as number) === (versions[j] as number) + 1) j++;
    parts.push(i === j ? String(versions[i]) : `${versions[i]}-${versions[j]}`);
    i = j + 1;
  }
  return parts.join(", ");
}
