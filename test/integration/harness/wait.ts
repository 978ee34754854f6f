// Polling for conditions that have no event to await (etcd cluster state, leader changes, a
// request that starts succeeding again). Anything that does emit an event should be awaited
// directly instead; this is the fallback, with a bound and a message that says what was awaited.

export interface WaitForOptions {
  /** Give up after this long. */
  timeoutMs?: number;
  /** Time between attempts; a condition is never run concurrently with itself. */
  intervalMs?: number;
  /** What was being waited for, used in the timeout error. */
  message?: string;
  /** Stops waiting at once (rejecting with the signal's reason), e.g. when the awaited process died. */
  signal?: AbortSignal;
}

/**
 * Resolves as soon as `condition` returns true. A condition that throws counts as "not yet"
 * (e.g. a request to a member that is still restarting); the last error is reported on timeout.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  options: WaitForOptions = {},
): Promise<void> {
  const { timeoutMs = 10_000, intervalMs = 50, message = "condition", signal } = options;
  const started = Date.now();
  let lastError: unknown;
  let attempts = 0;
  for (;;) {
    signal?.throwIfAborted();
    attempts++;
    try {
      if (await condition()) return;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    const elapsed = Date.now() - started;
    if (elapsed >= timeoutMs) {
      const cause = lastError === undefined ? "" : `; last error: ${describe(lastError)}`;
      const what = `waited ${elapsed} ms (${attempts} attempts) for ${message}`;
      throw new Error(`waitFor: timed out: ${what}${cause}`, { cause: lastError });
    }
    await delay(Math.min(intervalMs, timeoutMs - elapsed), signal);
  }
}

/** Like waitFor, but returns the first non-undefined value produced by `probe`. */
export async function waitForValue<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  options: WaitForOptions = {},
): Promise<T> {
  let value: T | undefined;
  await waitFor(async () => {
    value = await probe();
    return value !== undefined;
  }, options);
  return value as T;
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
