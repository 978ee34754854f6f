// Left-aligned text tables for the console and `ctl`: columns as wide as their widest cell.
// Cells often hold stored strings (ack reasons, authors): each is escaped here, once.
import { escapeControl } from "./escape.ts";

export function textTable(raw: string[][]): string {
  const rows = raw.map((r) => r.map(escapeControl));
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
