// The one age formatter ("42s", "3m07s", "2h05m", "3d04h") for the console, ctl and views.
// Two units, so a glance tells both the scale and roughly where within it. The dashboard's
// src/manager/dashboard/common.js keeps a browser copy with the same output
// (test/unit/views.test.ts compares the two).

/** `ms` as at most two units, rounded to whole seconds; never more than the age itself. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86_400)}d${String(Math.floor((s % 86_400) / 3600)).padStart(2, "0")}h`;
}
