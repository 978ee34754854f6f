import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Timed } from "../../src/agent/collectors/collector.ts";
import { cpuUsageRatio, parseProcStatCpu } from "../../src/agent/collectors/cpu.ts";
import {
  type DiskCounters,
  diskIoSample,
  isWholeDisk,
  parseDiskstats,
} from "../../src/agent/collectors/disk-io.ts";
import type { CollectorEnv } from "../../src/agent/collectors/env.ts";
import {
  CollectorError,
  createCollectors,
  formatBytes,
  formatSample,
  UnsupportedPlatformError,
} from "../../src/agent/collectors/index.ts";
import { parseLoadavg } from "../../src/agent/collectors/load.ts";
import { memorySample, parseMeminfo } from "../../src/agent/collectors/memory.ts";
import { type NetCounters, networkSample, parseNetDev } from "../../src/agent/collectors/network.ts";
import { countProcesses } from "../../src/agent/collectors/process-count.ts";
import { counterIncrease, perSecond } from "../../src/agent/collectors/rates.ts";
import { METRIC_NAMES } from "../../src/shared/schema.ts";

// Literal kernel text, as read on a Linux 6.x VM (trimmed where long).
const PROC_STAT = `cpu  3387 0 1424 44476 187 0 34 9 0 0
cpu0 1443 0 541 22763 16 0 11 2 0 0
cpu1 1943 0 882 21713 171 0 23 6 0 0
intr 12345 0 0 0
ctxt 98765
processes 3650
`;

const MEMINFO = `MemTotal:       24684084 kB
MemFree:        24166376 kB
MemAvailable:   24365384 kB
Buffers:            5936 kB
Cached:           379836 kB
`;

const DISKSTATS = `   7       0 loop0 10 0 80 0 0 0 0 0 0 0 0 0 0 0 0 0 0
 254       0 vda 28296 5480 968938 8892 1940 10078 879824 3465 0 2716 12684 3153 61 73096 320 104 6
 254       1 vda1 28000 5480 960000 8800 1900 10078 870000 3400 0 2700 12600 3153 61 73096 320 0 0
 253       0 dm-0 500 0 4000 10 300 0 2400 5 0 10 15 0 0 0 0 0 0
 259       0 nvme0n1 100 0 2000 10 50 0 1000 5 0 10 15
 259       1 nvme0n1p1 100 0 2000 10 50 0 1000 5 0 10 15
  11       0 sr0 3 0 24 0 0 0 0 0 0 0 0
`;

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0
  eth0: 144580692    3369    0    0    0     0          0         0   216960    1974    0    0    0     0       0          0
  eth1:1234567890 10 0 0 0 0 0 0 500 5 0 0 0 0 0 0
`;

describe("parseProcStatCpu", () => {
  const cases: { name: string; text: string; want: Record<string, number> }[] = [
    {
      name: "modern kernel, 10 columns; guest columns ignored",
      text: PROC_STAT,
      want: { user: 3387, nice: 0, system: 1424, idle: 44476, iowait: 187, irq: 0, softirq: 34, steal: 9 },
    },
    {
      name: "old kernel with 4 columns: missing ones are 0",
      text: "cpu 10 20 30 40\n",
      want: { user: 10, nice: 20, system: 30, idle: 40, iowait: 0, irq: 0, softirq: 0, steal: 0 },
    },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(parseProcStatCpu(c.text), c.want));

  for (const bad of ["", "cpu0 1 2 3 4\n", "cpu 1 2\n", "cpu 1 x 3 4\n"]) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(
        () => parseProcStatCpu(bad),
        (err: Error) => err instanceof CollectorError && /^cpu: /.test(err.message),
      );
    });
  }
});

describe("cpuUsageRatio", () => {
  const base = { user: 100, nice: 0, system: 50, idle: 800, iowait: 50, irq: 0, softirq: 0, steal: 0 };
  const cases: { name: string; delta: Partial<typeof base>; want: number | undefined }[] = [
    { name: "a quarter busy", delta: { user: 20, system: 5, idle: 70, iowait: 5 }, want: 0.25 },
    { name: "all idle", delta: { idle: 100 }, want: 0 },
    { name: "all busy", delta: { user: 60, nice: 10, system: 20, irq: 5, softirq: 5 }, want: 1 },
    { name: "iowait counts as idle", delta: { user: 50, iowait: 50 }, want: 0.5 },
    { name: "steal counts as busy", delta: { steal: 30, idle: 70 }, want: 0.3 },
    {
      name: "idle stepping back contributes 0, never a negative",
      delta: { user: 10, idle: -3, iowait: 10 },
      want: 0.5,
    },
    { name: "no tick advanced: undefined", delta: {}, want: undefined },
    {
      name: "every field shrank (CPU hot-unplug): undefined",
      delta: { user: -50, system: -20, idle: -400, iowait: -20 },
      want: undefined,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const current = { ...base };
      for (const [k, v] of Object.entries(c.delta)) current[k as keyof typeof base] += v;
      const got = cpuUsageRatio(base, current);
      if (c.want === undefined) assert.equal(got, undefined);
      else assert.ok(Math.abs((got ?? Number.NaN) - c.want) < 1e-12, `${got} != ${c.want}`);
    });
  }
});

describe("memory", () => {
  test("used = total - available, as free reports", () => {
    const info = parseMeminfo(MEMINFO);
    assert.deepEqual(info, { totalBytes: 24684084 * 1024, availableBytes: 24365384 * 1024 });
    const sample = memorySample(info);
    assert.equal(sample.used_bytes, (24684084 - 24365384) * 1024);
    assert.equal(sample.total_bytes, 24684084 * 1024);
    assert.ok(Math.abs((sample.used_ratio ?? Number.NaN) - 0.012911) < 0.00001);
  });
  test("available above total gives 0 used, not negative", () => {
    assert.equal(memorySample({ totalBytes: 1000, availableBytes: 1001 }).used_bytes, 0);
  });
  test("a kernel without MemAvailable is an error, not a guess", () => {
    assert.throws(
      () => parseMeminfo("MemTotal: 100 kB\nMemFree: 50 kB\n"),
      /^CollectorError: memory: .*MemAvailable/,
    );
  });
  test("missing MemTotal is an error", () => {
    assert.throws(() => parseMeminfo("MemAvailable: 50 kB\n"), /memory: .*MemTotal/);
  });
});

describe("counterIncrease and perSecond", () => {
  const cases: [previous: number, current: number, want: number][] = [
    [100, 250, 150],
    [100, 100, 0],
    [1000, 40, 40], // reset: counted from zero again
    [0, 0, 0],
  ];
  for (const [previous, current, want] of cases) {
    test(`${previous} -> ${current} = ${want}`, () => assert.equal(counterIncrease(previous, current), want));
  }
  test("per second", () => {
    assert.equal(perSecond(500, 250), 2000);
    assert.equal(perSecond(0, 10_000), 0);
    assert.equal(perSecond(5, 0), undefined);
    assert.equal(perSecond(5, -1), undefined);
  });
});

describe("disk_io", () => {
  const wholeDisks: [string, boolean][] = [
    ["sda", true],
    ["sdab", true],
    ["sda1", false],
    ["vda", true],
    ["vda1", false],
    ["xvda", true],
    ["hdb", true],
    ["nvme0n1", true],
    ["nvme0n1p2", false],
    ["mmcblk0", true],
    ["mmcblk0p1", false],
    ["mmcblk0boot0", false],
    ["loop0", false],
    ["dm-0", false],
    ["md127", false],
    ["zram0", false],
    ["ram0", false],
    ["sr0", false],
  ];
  for (const [name, want] of wholeDisks)
    test(`isWholeDisk(${name}) = ${want}`, () => assert.equal(isWholeDisk(name), want));

  test("parses whole disks only, sectors of 512 bytes", () => {
    assert.deepEqual(
      parseDiskstats(DISKSTATS),
      new Map([
        ["vda", { readBytes: 968938 * 512, writeBytes: 879824 * 512 }],
        ["nvme0n1", { readBytes: 2000 * 512, writeBytes: 1000 * 512 }],
      ]),
    );
  });
  test("rejects a malformed disk line", () => {
    assert.throws(() => parseDiskstats(" 8 0 sda 1 2 x\n"), /^CollectorError: disk_io: /);
  });

  const snap = (at: number, disks: Record<string, [number, number]>): Timed<Map<string, DiskCounters>> => ({
    at,
    value: new Map(Object.entries(disks).map(([k, [r, w]]) => [k, { readBytes: r, writeBytes: w }])),
  });
  const cases: {
    name: string;
    previous: Timed<Map<string, DiskCounters>>;
    current: Timed<Map<string, DiskCounters>>;
    want: Record<string, number> | undefined;
  }[] = [
    {
      name: "two disks over 10 s",
      previous: snap(1_000, { sda: [0, 0], sdb: [1000, 2000] }),
      current: snap(11_000, { sda: [10_240, 0], sdb: [1000, 2000 + 122_880] }),
      want: {
        read_bytes_per_s: 1024,
        write_bytes_per_s: 12_288,
        read_bytes_total: 11_240,
        write_bytes_total: 124_880,
      },
    },
    {
      name: "a disk whose counters reset counts from zero, never negative",
      previous: snap(0, { sda: [1_000_000, 1_000_000] }),
      current: snap(2_000, { sda: [4_000, 0] }),
      want: { read_bytes_per_s: 2_000, write_bytes_per_s: 0, read_bytes_total: 4_000, write_bytes_total: 0 },
    },
    {
      name: "a hot-added disk is skipped for its first window; a removed one drops out",
      previous: snap(0, { sda: [0, 0], sdb: [500, 500] }),
      current: snap(1_000, { sda: [100, 200], sdc: [9_999_999, 9_999_999] }),
      want: {
        read_bytes_per_s: 100,
        write_bytes_per_s: 200,
        read_bytes_total: 10_000_099,
        write_bytes_total: 10_000_199,
      },
    },
    {
      name: "no disks at all is 0, not an error",
      previous: snap(0, {}),
      current: snap(1_000, {}),
      want: { read_bytes_per_s: 0, write_bytes_per_s: 0, read_bytes_total: 0, write_bytes_total: 0 },
    },
    {
      name: "no elapsed time: undefined",
      previous: snap(5_000, { sda: [0, 0] }),
      current: snap(5_000, { sda: [100, 100] }),
      want: undefined,
    },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(diskIoSample(c.previous, c.current), c.want));
});

describe("network", () => {
  test("parses /proc/net/dev, skipping loopback, including a name glued to its number", () => {
    assert.deepEqual(
      parseNetDev(NET_DEV),
      new Map([
        ["eth0", { rxBytes: 144580692, txBytes: 216960 }],
        ["eth1", { rxBytes: 1234567890, txBytes: 500 }],
      ]),
    );
  });
  test("rejects a truncated interface line", () => {
    assert.throws(() => parseNetDev("h1\nh2\n eth0: 1 2 3\n"), /^CollectorError: network: /);
  });

  const snap = (at: number, ifaces: Record<string, [number, number]>): Timed<Map<string, NetCounters>> => ({
    at,
    value: new Map(Object.entries(ifaces).map(([k, [rx, tx]]) => [k, { rxBytes: rx, txBytes: tx }])),
  });
  const cases: {
    name: string;
    previous: Timed<Map<string, NetCounters>>;
    current: Timed<Map<string, NetCounters>>;
    want: Record<string, number> | undefined;
  }[] = [
    {
      name: "interfaces summed over 10 s",
      previous: snap(0, { eth0: [1000, 1000], eth1: [0, 0] }),
      current: snap(10_000, { eth0: [11_000, 9_000], eth1: [2_000, 0] }),
      want: { rx_bytes_per_s: 1_200, tx_bytes_per_s: 800, rx_bytes_total: 13_000, tx_bytes_total: 9_000 },
    },
    {
      name: "driver reload resets one interface: no negative rate",
      previous: snap(0, { eth0: [5_000_000, 5_000_000], eth1: [100, 100] }),
      current: snap(1_000, { eth0: [300, 0], eth1: [200, 100] }),
      want: { rx_bytes_per_s: 400, tx_bytes_per_s: 0, rx_bytes_total: 500, tx_bytes_total: 100 },
    },
    {
      name: "clock did not advance: undefined",
      previous: snap(1_000, { eth0: [0, 0] }),
      current: snap(999, { eth0: [1, 1] }),
      want: undefined,
    },
  ];
  for (const c of cases) test(c.name, () => assert.deepEqual(networkSample(c.previous, c.current), c.want));
});

describe("load and process_count", () => {
  test("parses /proc/loadavg", () => {
    assert.deepEqual(parseLoadavg("0.21 0.14 0.05 1/86 3643\n"), { load1: 0.21, load5: 0.14, load15: 0.05 });
  });
  test("rejects garbage in /proc/loadavg", () => {
    assert.throws(() => parseLoadavg("nope\n"), /^CollectorError: load: /);
  });
  test("counts numeric /proc entries only", () => {
    assert.equal(countProcesses(["1", "2", "417", "self", "thread-self", "net", "stat", "3a", "sys"]), 3);
  });
});

describe("formatSample", () => {
  const cases: [Parameters<typeof formatSample>[0], Record<string, number>, string][] = [
    ["cpu", { usage_ratio: 0.1246 }, "cpu: 12.5 %"],
    [
      "memory",
      { used_bytes: 3.1 * 2 ** 30, total_bytes: 23.4 * 2 ** 30, used_ratio: 0.13248 },
      "memory: 3.1 GiB / 23.4 GiB (13.2 %)",
    ],
    ["disk_io", { read_bytes_per_s: 0, write_bytes_per_s: 12_288 }, "disk_io: read 0 B/s, write 12.0 KiB/s"],
    ["network", { rx_bytes_per_s: 1_228.8, tx_bytes_per_s: 800.2 }, "network: rx 1.2 KiB/s, tx 800 B/s"],
    ["load", { load1: 0.52, load5: 0.4, load15: 0.31 }, "load: 0.52 0.40 0.31"],
    ["process_count", { count: 213 }, "process_count: 213"],
    ["cpu", {}, "cpu: ?"],
    ["network", { rx_bytes_per_s: Number.NaN, tx_bytes_per_s: 1 }, "network: rx ?, tx 1 B/s"],
  ];
  for (const [name, sample, want] of cases) test(want, () => assert.equal(formatSample(name, sample), want));

  const bytes: [number, string][] = [
    [0, "0 B"],
    [1023.4, "1023 B"],
    [1023.6, "1.0 KiB"],
    [1024, "1.0 KiB"],
    [1024 * 1024 - 1, "1.0 MiB"],
    [1024 * 1000, "1000.0 KiB"],
    [5 * 2 ** 40, "5.0 TiB"],
  ];
  for (const [n, want] of bytes)
    test(`formatBytes(${n}) = ${want}`, () => assert.equal(formatBytes(n), want));
});

/** A fake OS: literal /proc files, a clock that only moves when a collector sleeps. */
function fakeEnv(files: Record<string, string>, platform: NodeJS.Platform = "linux") {
  const state = { now: 1_000, sleeps: [] as number[], onSleep: () => {} };
  const env: CollectorEnv = {
    platform,
    now: () => state.now,
    sleep: async (ms) => {
      state.sleeps.push(ms);
      state.now += ms;
      state.onSleep();
    },
    readText: async (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
      return text;
    },
    listDir: async () => ["1", "2", "self"],
  };
  return { env, state, files };
}

describe("stateful collectors on a fake OS", () => {
  test("first call measures over a baseline window; later calls measure since the previous call", async () => {
    const { env, state, files } = fakeEnv({ "/proc/stat": "cpu 0 0 0 0\n" });
    const collectors = createCollectors({ env, minWindowMs: 500 });
    state.onSleep = () => {
      files["/proc/stat"] = "cpu 10 0 0 40\n";
    };
    assert.deepEqual(await collectors.cpu.collect(), { usage_ratio: 0.2 });
    assert.deepEqual(state.sleeps, [500]);

    state.now += 10_000; // the agent's interval passes
    files["/proc/stat"] = "cpu 10 0 0 140\n";
    assert.deepEqual(await collectors.cpu.collect(), { usage_ratio: 0 });
    assert.deepEqual(state.sleeps, [500], "no extra wait once the window is long enough");

    state.now += 100; // called again too soon: waits the remaining 400 ms
    state.onSleep = () => {
      files["/proc/stat"] = "cpu 60 0 0 140\n";
    };
    assert.deepEqual(await collectors.cpu.collect(), { usage_ratio: 1 });
    assert.deepEqual(state.sleeps, [500, 400]);
  });

  test("cpu counters that cannot be compared trigger one fresh baseline", async () => {
    const { env, state, files } = fakeEnv({ "/proc/stat": "cpu 0 0 0 0\n" });
    const collectors = createCollectors({ env, minWindowMs: 500 });
    const sequence = ["cpu 0 0 0 0\n", "cpu 30 0 0 70\n"]; // first window: no ticks; retry: 30 %
    state.onSleep = () => {
      files["/proc/stat"] = sequence.shift() ?? "";
    };
    assert.deepEqual(await collectors.cpu.collect(), { usage_ratio: 0.3 });
    assert.deepEqual(state.sleeps, [500, 500]);
  });

  test("network rates use the fake clock", async () => {
    const header = "h1\nh2\n";
    const { env, state, files } = fakeEnv({
      "/proc/net/dev": `${header}eth0: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n`,
    });
    const collectors = createCollectors({ env, minWindowMs: 1_000 });
    state.onSleep = () => {
      files["/proc/net/dev"] = `${header}eth0: 2048 0 0 0 0 0 0 0 512 0 0 0 0 0 0 0\n`;
    };
    assert.deepEqual(await collectors.network.collect(), {
      rx_bytes_per_s: 2048,
      tx_bytes_per_s: 512,
      rx_bytes_total: 2048,
      tx_bytes_total: 512,
    });
  });

  test("an unreadable file is an error naming the metric and the file", async () => {
    const { env } = fakeEnv({});
    await assert.rejects(
      createCollectors({ env }).memory.collect(),
      /^CollectorError: memory: cannot read \/proc\/meminfo/,
    );
  });

  test("off Linux every collector refuses, naming the metric and the platform", async () => {
    const { env } = fakeEnv({}, "darwin");
    const collectors = createCollectors({ env });
    for (const name of METRIC_NAMES) {
      await assert.rejects(collectors[name].collect(), (err: Error) => {
        assert.ok(err instanceof UnsupportedPlatformError);
        assert.match(err.message, new RegExp(`^${name}: .*"darwin"`));
        return true;
      });
    }
  });
});

test("real collectors on this machine return plausible values twice", {
  skip: process.platform !== "linux",
}, async () => {
  const collectors = createCollectors({ minWindowMs: 200 });
  for (let round = 1; round <= 2; round += 1) {
    const samples = Object.fromEntries(
      await Promise.all(METRIC_NAMES.map(async (name) => [name, await collectors[name].collect()] as const)),
    );
    const at = `round ${round}: ${JSON.stringify(samples)}`;
    const cpu = samples.cpu?.usage_ratio ?? Number.NaN;
    assert.ok(cpu >= 0 && cpu <= 1, at);
    const memory = samples.memory ?? {};
    assert.ok((memory.total_bytes ?? 0) > 0, at);
    assert.ok((memory.used_bytes ?? -1) >= 0 && (memory.used_bytes ?? 0) <= (memory.total_bytes ?? 0), at);
    assert.ok((memory.used_ratio ?? -1) >= 0 && (memory.used_ratio ?? 2) <= 1, at);
    for (const key of ["load1", "load5", "load15"]) assert.ok((samples.load?.[key] ?? -1) >= 0, at);
    assert.ok((samples.process_count?.count ?? 0) > 1, at);
    for (const key of ["read_bytes_per_s", "write_bytes_per_s"])
      assert.ok((samples.disk_io?.[key] ?? -1) >= 0, at);
    for (const key of ["rx_bytes_per_s", "tx_bytes_per_s", "rx_bytes_total", "tx_bytes_total"])
      assert.ok((samples.network?.[key] ?? -1) >= 0, at);
    for (const name of METRIC_NAMES)
      assert.ok(formatSample(name, samples[name] ?? {}).startsWith(`${name}: `), at);
  }
});
