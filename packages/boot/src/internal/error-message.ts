/** Error text for problem lists. */

/**
 * The message of a thrown value. Errors from Node's own modules can come from another realm (under
 * a test runner's VM context), where `instanceof Error` is false, so this checks the shape.
 */
export function errorMessage(e: unknown): string {
  if (typeof e === 'object' && e !== null) {
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return String(e);
}
