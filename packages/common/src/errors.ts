/**
 * A failure the user can act on: bad input, missing credentials, a check that failed. Its message
 * is printed as is, so it must say what happened, the value involved, and what to do next.
 */
export class UserError extends Error {
  override readonly name: string = 'UserError';
  /** Lines to show after the message (a report excerpt, the tail of a build log). */
  readonly details: readonly string[];

  constructor(message: string, options: { cause?: unknown; details?: readonly string[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.details = options.details ?? [];
  }
}

/**
 * A {@link UserError} about the input itself rather than the work: a value that is not valid (an
 * image reference, a platform), a file, directory or image that does not exist, a registry that
 * cannot be reached or refuses the credentials. The CLI exits 2 for these and 1 for failed work.
 */
export class InputError extends UserError {
  /** Marks the error across bundles, where `instanceof` may not hold. */
  readonly inputError = true;
}

/** True when `e` is an {@link InputError}. */
export function isInputError(e: unknown): e is InputError {
  return isUserError(e) && (e as { inputError?: unknown }).inputError === true;
}

/** True when `e` is a {@link UserError} (or any error marked as one by name). */
export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError || (e instanceof Error && e.name === 'UserError');
}

/** The message of any thrown value, without assuming it is an Error. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}
