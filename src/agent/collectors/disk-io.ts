// Disk throughput from /proc/diskstats: bytes read and written per second, summed over whole physical disks.
import { type ByteCounter, byteCounterFields, byteCounterSample } from "./byte-counters.ts";
import { defineCollector, type Sample, type Timed } from "./collector.ts";
import { CollectorError } from "./errors.ts";
import { createWindowedCollector } from "./window.ts";

export interface DiskCounters {
  readBytes: number;
  writeBytes: number;
}

/** /proc/diskstats counts 512-byte sectors whatever the device's real sector size (see iostats.rst). */
const SECTOR_BYTES = 512;

/**
 * Whole physical disks only. Partitions (sda1, nvme0n1p2) repeat their disk's traffic, and stacked devices
 * (dm-*, md*) repeat the traffic of the disks below them, so counting them too would double the sum.
 * Virtual devices with no disk behind them (loop*, ram*, zram*, sr*) are left out as well. Anything not
 * recognised here is not counted; an allow-list cannot double-count, a deny-list can.
 */
const WHOLE_DISK = /^(?:[shv]d[a-z]+|xvd[a-z]+|nvme\d+n\d+|mmcblk\d+)$/;

export function isWholeDisk(name: string): boolean {
  return WHOLE_DISK.test(name);
}

/**
 * Parses /proc/diskstats lines such as
 * "254  0 vda 28296 5480 968938 8892 1940 10078 879824 3465 0 2716 12684 ..." (major, minor, name, then
 * reads completed, reads merged, sectors read, ms reading, writes completed, writes merged, sectors written).
 * Keeps whole disks only (see isWholeDisk).
 */
export function parseDiskstats(text: string): Map<string, DiskCounters> {
  const disks = new Map<string, DiskCounters>();
  for (const line of text.split("\n")) {
    const parts = line.trim().split(/\s+/);
    const name = parts[2];
    if (name === undefined || !isWholeDisk(name)) continue;
    const sectorsRead = Number(parts[5]);
    const sectorsWritten = Number(parts[9]);
    if (!Number.isFinite(sectorsRead) || !Number.isFinite(sectorsWritten)) {
      throw new CollectorError("disk_io", `unexpected /proc/diskstats line: ${JSON.stringify(line.trim())}`);
    }
    disks.set(name, { readBytes: sectorsRead * SECTOR_BYTES, writeBytes: sectorsWritten * SECTOR_BYTES });
  }
  return disks;
}

const COUNTERS: readonly ByteCounter<keyof DiskCounters>[] = [
  {
    counter: "readBytes",
    perSecond: { field: "read_bytes_per_s", label: "read" },
    total: {
      field: "read_bytes_total",
      label: "read",
      prom: "fleetwatch_node_disk_read_bytes_total",
      help: "Bytes read from whole disks",
    },
  },
  {
    counter: "writeBytes",
    perSecond: { field: "write_bytes_per_s", label: "write" },
    total: {
      field: "write_bytes_total",
      label: "written",
      prom: "fleetwatch_node_disk_written_bytes_total",
      help: "Bytes written to whole disks",
    },
  },
];

export function diskIoSample(
  previous: Timed<ReadonlyMap<string, DiskCounters>>,
  current: Timed<ReadonlyMap<string, DiskCounters>>,
): Sample | undefined {
  return byteCounterSample(previous, current, COUNTERS);
}

export const diskIo = defineCollector({
  descriptor: {
    name: "disk_io",
    title: "Disk I/O",
    fields: byteCounterFields(COUNTERS),
    format: "read {read_bytes_per_s}, write {write_bytes_per_s}",
    chart: { fields: ["read_bytes_per_s", "write_bytes_per_s"], unit: "bytes_per_second" },
  },
  create: (context) =>
    createWindowedCollector(
      { name: "disk_io", path: "/proc/diskstats", parse: parseDiskstats, compute: diskIoSample },
      context,
    ),
});
