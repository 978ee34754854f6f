// Pure rate arithmetic for monotonic kernel counters (bytes read, bytes received). No I/O, no clock:
// callers pass timestamps, so tests state time explicitly.
import type { Timed } from "./collector.ts";

/**
 * How much a monotonic counter grew between two reads. A smaller new value means the counter restarted
 * from zero (interface driver reloaded, device detached and re-attached, or a 32-bit counter wrapped), so
 * the new value itself is the best estimate of the growth since then; it is never negative. This is the
 * rule Prometheus' rate() uses.
 */
export function counterIncrease(previous: number, current: number): number {
  return current >= previous ? current - previous : current;
}

/** Growth per second over `elapsedMs`; undefined when no time passed, since any number would be invented. */
export function perSecond(increase: number, elapsedMs: number): number | undefined {
  if (!(elapsedMs > 0)) return undefined;
  return (increase * 1000) / elapsedMs;
}

/**
 * Per-second rates of named counter fields, summed over devices (disks, interfaces) keyed by name.
 * Only devices present in both reads count: a device that appeared in between has no earlier reading to
 * subtract (its counter may also hold traffic from before a rename or hot-plug), and one that vanished
 * has no later reading. Each device's reset is handled on its own, so one device resetting cannot
 * make the sum go negative.
 * Returns undefined when `current.at` is not after `previous.at`.
 */
export function keyedRates<F extends string>(
  previous: Timed<ReadonlyMap<string, Readonly<Record<F, number>>>>,
  current: Timed<ReadonlyMap<string, Readonly<Record<F, number>>>>,
  fields: readonly F[],
): Record<F, number> | undefined {
  const elapsedMs = current.at - previous.at;
  if (!(elapsedMs > 0)) return undefined;
  const result = {} as Record<F, number>;
  for (const field of fields) {
    let increase = 0;
    for (const [key, now] of current.value) {
      const before = previous.value.get(key);
      if (before !== undefined) increase += counterIncrease(before[field], now[field]);
    }
    result[field] = (increase * 1000) / elapsedMs;
  }
  return result;
}

/**
 * Sums of named counter fields over every device in one read: the cumulative totals exported to
 * Prometheus as `_total` counters. A device that vanishes makes the sum drop, which Prometheus'
 * rate() reads as a counter reset, as it does for a rebooted node.
 */
export function keyedTotals<F extends string>(
  current: ReadonlyMap<string, Readonly<Record<F, number>>>,
  fields: readonly F[],
): Record<F, number> {
  const result = {} as Record<F, number>;
  for (const field of fields) {
    let sum = 0;
    for (const counters of current.values()) sum += counters[field];
    result[field] = sum;
  }
  return result;
}
