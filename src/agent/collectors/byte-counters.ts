// The shape disk_io and network share: two byte counters summed over devices (read/written,
// received/sent), each reported as a per-second rate for the console and charts and as a
// cumulative total that Prometheus exports as a `_total` counter. One spec per counter gives
// both the sample and the descriptor's fields, so the two metrics cannot drift apart.
import type { FieldDescriptor } from "../../shared/metric-descriptors.ts";
import { nodeHelp, type Sample, type Timed } from "./collector.ts";
import { keyedRates, keyedTotals } from "./rates.ts";

export interface ByteCounter<F extends string> {
  /** The counter's key in the parsed per-device record. */
  readonly counter: F;
  /** Sample field of the rate (`read_bytes_per_s`) and its chart legend. */
  readonly perSecond: { readonly field: string; readonly label: string };
  /** Sample field of the total (`read_bytes_total`), its legend, and its Prometheus counter. */
  readonly total: {
    readonly field: string;
    readonly label: string;
    readonly prom: string;
    readonly help: string;
  };
}

/** The rates first, then the totals (the order of the descriptor's fields). */
export function byteCounterFields(counters: readonly ByteCounter<string>[]): FieldDescriptor[] {
  return [
    ...counters.map((c): FieldDescriptor => ({ ...c.perSecond, unit: "bytes_per_second" })),
    ...counters.map(
      (c): FieldDescriptor => ({
        field: c.total.field,
        label: c.total.label,
        unit: "bytes_total",
        prom: { name: c.total.prom, type: "counter", help: nodeHelp(c.total.help) },
      }),
    ),
  ];
}

/** The window's rates and the current totals; undefined when the two reads cannot be compared. */
export function byteCounterSample<F extends string>(
  previous: Timed<ReadonlyMap<string, Readonly<Record<F, number>>>>,
  current: Timed<ReadonlyMap<string, Readonly<Record<F, number>>>>,
  counters: readonly ByteCounter<F>[],
): Sample | undefined {
  const keys = counters.map((c) => c.counter);
  const rates = keyedRates(previous, current, keys);
  if (!rates) return undefined;
  const totals = keyedTotals(current.value, keys);
  const sample: Sample = {};
  for (const c of counters) sample[c.perSecond.field] = rates[c.counter];
  for (const c of counters) sample[c.total.field] = totals[c.counter];
  return sample;
}
