// Collector failures a user can act on. They name the metric, so a line in the agent's log says which
// collector broke and why, not just "ENOENT".
import { FleetwatchError } from "../../shared/errors.ts";

/** A metric could not be read or its kernel text did not look as expected. */
export class CollectorError extends FleetwatchError {
  override name = "CollectorError";
  constructor(
    readonly metric: string,
    message: string,
  ) {
    super(`${metric}: ${message}`);
  }
}

/** The collectors read Linux /proc; elsewhere they refuse instead of returning made-up numbers. */
export class UnsupportedPlatformError extends CollectorError {
  override name = "UnsupportedPlatformError";
  constructor(
    metric: string,
    readonly platform: string,
  ) {
    super(metric, `not supported on platform "${platform}"; fleetwatch reads this metric from Linux /proc`);
  }
}
