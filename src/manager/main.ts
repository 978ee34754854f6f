import type { CommonOptions } from "../cli/main.ts";

export async function runServer(_opts: CommonOptions): Promise<void> {}
