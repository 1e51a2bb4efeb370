/**
 * Errors about a named field (an action input, a CLI flag). The step that finds the bad value
 * knows the field; the front end knows how the user spelled it. So the error keeps the field
 * names and a function that words the message with any spelling: the action says
 * `input 'make-args'`, the CLI `'--make-arg'`. No front end rewrites another's message text.
 */
import { InputError } from './errors';

/** Spells a field's name for one front end (`make-args` → `input 'make-args'` or `'--make-arg'`). */
export type FieldNamer = (field: string) => string;

/** The action's spelling, also the default message of every {@link FieldError}. */
export const actionInputName: FieldNamer = (field) => `input '${field}'`;

/** A bad value of one or more named fields; its message is worded per front end. */
export class FieldError extends InputError {
  /** Marks the error across bundles, where `instanceof` may not hold. */
  readonly fieldError = true;
  /** The fields involved, by their contract (action input) names. */
  readonly fields: readonly string[];
  private readonly words: (name: FieldNamer) => string;

  constructor(
    fields: string | readonly string[],
    words: (name: FieldNamer) => string,
    options: { cause?: unknown; details?: readonly string[] } = {},
  ) {
    super(words(actionInputName), options);
    this.fields = typeof fields === 'string' ? [fields] : fields;
    this.words = words;
  }

  /** The message with every field spelled by `name`. */
  wordFor(name: FieldNamer): string {
    return this.words(name);
  }
}

/** True when `e` is a {@link FieldError}. */
export function isFieldError(e: unknown): e is FieldError {
  return (
    e instanceof FieldError ||
    (e instanceof Error &&
      (e as { fieldError?: unknown }).fieldError === true &&
      typeof (e as { wordFor?: unknown }).wordFor === 'function')
  );
}
