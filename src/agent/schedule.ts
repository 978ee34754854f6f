// When the next collection runs. Pure, so the rule is table-tested with a fake clock.
//
// A new interval takes effect at once: the pending run moves to last run + new interval,
// or to now if that moment has passed. The lab slept out the old interval first, so a
// change from 1 h to 10 s could take an hour to show.

/** Milliseconds from `now` until the next run. */
export function nextRunDelay(lastRunAt: number | undefined, intervalS: number, now: number): number {
  if (lastRunAt === undefined) return 0;
  // Clamped to one interval: a wall clock stepped backwards must not stall collection.
  return Math.min(intervalS * 1000, Math.max(0, lastRunAt + intervalS * 1000 - now));
}
