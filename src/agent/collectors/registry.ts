// Every metric fleetwatch knows, one line each: adding a metric is its collector module (descriptor
// + collect code, see collector.ts) and its line here. The order is the order of the console lines,
// the dashboard's charts and the config's metric list. src/shared/metric-descriptors.ts derives the
// descriptor table from this list; the agent builds its collectors from it (index.ts).
import { cpu } from "./cpu.ts";
import { diskIo } from "./disk-io.ts";
import { load } from "./load.ts";
import { memory } from "./memory.ts";
import { network } from "./network.ts";
import { processCount } from "./process-count.ts";

export const COLLECTORS = [cpu, memory, diskIo, network, load, processCount] as const;
