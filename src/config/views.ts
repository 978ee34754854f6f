// Text renderings of stored config, versions and compliance for the console (and the
// ctl's human output). Pure: data and `now` in, text out.

import { formatAge } from "../shared/age.ts";
import { describeConfig } from "../shared/config-merge.ts";
import { escapeControl } from "../shared/escape.ts";
import type { ConfigAck } from "../shared/schema.ts";
import { textTable } from "../shared/text-table.ts";
import { type Compliance, describeCompliance } from "./compliance.ts";
import type { ConfigTarget, ConfigVersion, Desired, StoredConfig } from "./service.ts";

/** `{"interval":5} (revision 12)`, `(none)` or `INVALID (revision 14): <reason>; stored: "..."` */
export function describeStored(stored: StoredConfig): string {
  if (!stored.exists) return "(none)";
  if (!stored.valid) {
    const raw = stored.raw ?? "";
    const shown = escapeControl(JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw));
    return `INVALID (revision ${stored.revision}): ${escapeControl(stored.reason ?? "")}; stored: ${shown}`;
  }
  return `${JSON.stringify(stored.value)} (revision ${stored.revision})`;
}

export function describeVersionValue(v: ConfigVersion): string {
  const value = v.value === null ? "(override removed)" : JSON.stringify(v.value);
  return v.rollbackOf ? `${value} (rollback to v${v.rollbackOf})` : value;
}

/** What removing a target's override means for the nodes, for messages after a remove. */
export function describeRemoval(target: ConfigTarget): string {
  return target.kind === "default"
    ? "removes the fleet default: nodes run the built-in defaults and their own overrides"
    : `removes the override: ${target.node} runs the fleet default`;
}

export function versionsTable(target: ConfigTarget, versions: ConfigVersion[], now: number): string {
  const name = target.kind === "default" ? "the fleet default" : target.node;
  if (versions.length === 0) return `No config versions recorded for ${name}.`;
  const rows = [...versions]
    .reverse()
    .map((v) => [
      `v${v.version}`,
      new Date(v.at).toISOString(),
      `${formatAge(now - v.at)} ago`,
      v.author,
      String(v.revision),
      describeVersionValue(v),
    ]);
  return `Config versions of ${name} (newest first):\n${textTable([["VERSION", "TIME", "AGE", "AUTHOR", "REVISION", "VALUE"], ...rows])}`;
}

export interface ShowInput {
  node: string;
  desired: Desired;
  ack: ConfigAck | undefined;
  state: string | undefined;
  compliance: Compliance;
  versions: ConfigVersion[];
  now: number;
}

export function showNode(input: ShowInput): string {
  const { desired, ack } = input;
  const lines = [
    `Config of ${input.node} (${input.state ?? "never seen"}):`,
    `  override  ${desired.override.key}: ${describeStored(desired.override)}`,
    `  default   ${desired.fleetDefault.key}: ${describeStored(desired.fleetDefault)}`,
    `  desired   ${describeConfig(desired.config)} (override rev ${desired.nodeRevision}, default rev ${desired.defaultRevision})`,
    `  applied   ${ack ? `${describeConfig(ack)} (override rev ${ack.nodeRevision}, default rev ${ack.defaultRevision})` : "-"}`,
    `  status    ${describeCompliance(input.compliance)}`,
  ];
  const newest = input.versions[input.versions.length - 1];
  lines.push(
    newest
      ? `  versions  ${input.versions.length} kept; newest v${newest.version} by ${escapeControl(newest.author)} ${formatAge(input.now - newest.at)} ago (history ${input.node}, rollback ${input.node} <version>)`
      : "  versions  none recorded",
  );
  return lines.join("\n");
}

export function showDefault(stored: StoredConfig, versions: ConfigVersion[], now: number): string {
  return [
    `Fleet default ${stored.key}: ${describeStored(stored)}`,
    versionsTable({ kind: "default" }, versions, now),
  ].join("\n");
}
