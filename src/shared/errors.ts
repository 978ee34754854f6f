// A small set of errors whose messages a user can act on. They are thrown inside
// and caught at the boundary (console, CLI, HTTP), never swallowed.

export class FleetwatchError extends Error {
  override name = "FleetwatchError";
}

/** Input that fails validation; `field` names what was wrong. */
export class ValidationError extends FleetwatchError {
  override name = "ValidationError";
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** etcd could not be reached or answered with an error. */
export class EtcdUnavailableError extends FleetwatchError {
  override name = "EtcdUnavailableError";
}

/** A compare-and-swap write lost to a concurrent writer. */
export class ConflictError extends FleetwatchError {
  override name = "ConflictError";
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
