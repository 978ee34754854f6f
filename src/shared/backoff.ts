// Exponential backoff with "equal jitter" (the AWS architecture blog's name for it: half the
// ceiling fixed, half random): when a thousand agents lose etcd at once they must not all
// come back in the same 100 ms, and none may retry in ~0 ms as full jitter allows.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 5000 };

/** Delay before retry number `attempt` (0-based); `random` in [0, 1) is injected for tests. */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random = Math.random(),
): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  // Never below half the ceiling: full jitter can pick ~0 ms, which turns a retry loop hot.
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/**
 * Resolves after `ms` unless `signal` aborts first. The timer is ref'd on purpose: a
 * retry loop waiting for etcd may be the only thing keeping an agent process alive.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
