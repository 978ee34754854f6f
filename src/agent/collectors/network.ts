// Network throughput from /proc/net/dev: bytes received and sent per second, summed over every interface
// except loopback (traffic a node sends to itself never leaves it).
//
// /proc/net/dev describes the network namespace of the reading process: in a container the agent sees the
// node's interfaces only when it runs in the host network namespace (hostNetwork: true in Kubernetes).
// Bridges and veth pairs are included as asked ("all non-loopback interfaces"), so on a node that routes
// container traffic the same bytes can be counted on the veth and again on the uplink.
import { type ByteCounter, byteCounterFields, byteCounterSample } from "./byte-counters.ts";
import { defineCollector, type Sample, type Timed } from "./collector.ts";
import { CollectorError } from "./errors.ts";
import { createWindowedCollector } from "./window.ts";

export interface NetCounters {
  rxBytes: number;
  txBytes: number;
}

/** Loopback is recognised by the kernel's fixed name for it. */
export function isLoopback(name: string): boolean {
  return name === "lo";
}

/**
 * Parses /proc/net/dev: two header lines, then "  eth0: <8 receive columns> <8 transmit columns>" where the
 * first receive column is bytes and the first transmit column (the 9th number) is bytes. Old kernels print
 * no space after the colon once the number is wide ("eth0:1234567890"), so the split is on the colon.
 */
export function parseNetDev(text: string): Map<string, NetCounters> {
  const interfaces = new Map<string, NetCounters>();
  for (const line of text.split("\n").slice(2)) {
    const colon = line.indexOf(":");
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim();
    if (isLoopback(name)) continue;
    const numbers = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    const rxBytes = numbers[0];
    const txBytes = numbers[8];
    if (rxBytes === undefined || txBytes === undefined || !Number.isFinite(rxBytes + txBytes)) {
      throw new CollectorError("network", `unexpected /proc/net/dev line: ${JSON.stringify(line.trim())}`);
    }
    interfaces.set(name, { rxBytes, txBytes });
  }
  return interfaces;
}

const COUNTERS: readonly ByteCounter<keyof NetCounters>[] = [
  {
    counter: "rxBytes",
    perSecond: { field: "rx_bytes_per_s", label: "rx" },
    total: {
      field: "rx_bytes_total",
      label: "received",
      prom: "fleetwatch_node_network_receive_bytes_total",
      help: "Bytes received on non-loopback interfaces",
    },
  },
  {
    counter: "txBytes",
    perSecond: { field: "tx_bytes_per_s", label: "tx" },
    total: {
      field: "tx_bytes_total",
      label: "sent",
      prom: "fleetwatch_node_network_transmit_bytes_total",
      help: "Bytes sent on non-loopback interfaces",
    },
  },
];

export function networkSample(
  previous: Timed<ReadonlyMap<string, NetCounters>>,
  current: Timed<ReadonlyMap<string, NetCounters>>,
): Sample | undefined {
  return byteCounterSample(previous, current, COUNTERS);
}

export const network = defineCollector({
  descriptor: {
    name: "network",
    title: "Network",
    fields: byteCounterFields(COUNTERS),
    format: "rx {rx_bytes_per_s}, tx {tx_bytes_per_s}",
    chart: { fields: ["rx_bytes_per_s", "tx_bytes_per_s"], unit: "bytes_per_second" },
  },
  create: (context) =>
    createWindowedCollector(
      { name: "network", path: "/proc/net/dev", parse: parseNetDev, compute: networkSample },
      context,
    ),
});
