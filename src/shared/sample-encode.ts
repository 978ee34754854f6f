// The agent's half of the metrics sample contract (sample.ts): building the stored value.
// Apart from the decoder so that the agent, which only writes samples, does not load zod.

/** What `/monitor/metrics/<node>` holds; sample.ts's MetricsSampleSchema decodes it. */
export interface StoredSample {
  /** Seconds since the epoch on the node's clock. */
  ts: number;
  /** The collection interval the sample was taken at (s). */
  interval: number;
  values: Record<string, Record<string, number>>;
  /** Set by `fleetwatch sim`: the numbers are invented. */
  synthetic?: boolean;
}

/** The value an agent stores: `ts` in seconds, one record of fields per metric. */
export function encodeSample(
  now: number,
  interval: number,
  values: Record<string, Record<string, number>>,
  synthetic = false,
): string {
  const sample: StoredSample = { ts: Math.floor(now / 1000), interval, values };
  if (synthetic) sample.synthetic = true;
  return JSON.stringify(sample);
}
