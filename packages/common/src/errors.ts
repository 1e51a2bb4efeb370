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
