import type { CommonOptions } from "../cli/main.ts";

export async function runAgent(
  _opts: CommonOptions & { name?: string; ttl: number; quiet: boolean; leaveOnExit: boolean },
): Promise<void> {}
