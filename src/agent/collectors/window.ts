// The measurement window shared by the rate collectors (cpu, disk_io, network): each keeps its previous
// counter snapshot and reports the change since then.
//
// First call: there is no previous snapshot, and the kernel's counters since boot would report an average
// over days, not the present. So the first call takes a snapshot, waits `minWindowMs` (default 500 ms, see
// index.ts) and measures over that short baseline. The same rule keeps any window from being shorter than
// `minWindowMs`: a call soon after the previous one waits for the remainder, because a few milliseconds
// hold too few CPU ticks (10 ms each) to give a meaningful percentage. At the agent's usual 10 s interval
// the window is already longer, so later calls never wait.
import type { Collector, CollectorContext, Sample, Timed } from "./collector.ts";
import { readProc, requireLinux } from "./env.ts";
import { CollectorError } from "./errors.ts";

/** A rate metric read from one kernel file: each snapshot reads and parses it. */
export interface WindowedSpec<S> {
  readonly name: string;
  /** The kernel file, e.g. /proc/stat. */
  readonly path: string;
  readonly parse: (text: string) => S;
  /** Pure: the sample for the window between two snapshots, or undefined when they cannot be compared. */
  readonly compute: (previous: Timed<S>, current: Timed<S>) => Sample | undefined;
}

export function createWindowedCollector<S>(spec: WindowedSpec<S>, context: CollectorContext): Collector {
  const { env, minWindowMs } = context;
  let previous: Timed<S> | undefined;
  // Calls are serialised: two overlapping calls would otherwise both measure from the same snapshot
  // and race to replace it.
  let tail: Promise<unknown> = Promise.resolve();

  async function snapshot(): Promise<Timed<S>> {
    const at = env.now();
    return { at, value: spec.parse(await readProc(spec.name, env, spec.path)) };
  }

  async function measure(): Promise<Sample> {
    // Before any read, so that a non-Linux host fails fast and clearly.
    requireLinux(spec.name, env);
    previous ??= await snapshot();
    const waited = env.now() - previous.at;
    if (waited < minWindowMs) await env.sleep(minWindowMs - waited);
    const current = await snapshot();
    const sample = spec.compute(previous, current);
    previous = current;
    if (sample) return sample;
    // The two snapshots could not be compared (e.g. a CPU went offline and the totals shrank):
    // measure once more over a fresh baseline rather than report a made-up value.
    await env.sleep(minWindowMs);
    const next = await snapshot();
    const retry = spec.compute(current, next);
    previous = next;
    if (retry) return retry;
    throw new CollectorError(spec.name, `kernel counters did not advance over a ${minWindowMs} ms window`);
  }

  return {
    name: spec.name,
    collect() {
      const result = tail.then(measure);
      // The chain only orders calls; each caller still receives its own rejection through `result`.
      tail = result.catch(() => undefined);
      return result;
    },
  };
}
