/** What an editor did to one file's text. */

/** A value the file already has that differs from what `new-module` would write. */
export interface EditConflict {
  /** What differs, e.g. `hailort_version is 4.21.0`. */
  readonly what: string;
  /** 1-based line of the existing value. */
  readonly line: number;
  readonly existing: string;
  readonly wanted: string;
}

/** The edited text, plus conflicts the editor left alone (they need `force`). */
export interface EditResult {
  readonly text: string;
  readonly conflicts: readonly EditConflict[];
}

/** Options every editor takes. */
export interface EditOptions {
  /** Replace differing existing values instead of reporting them as conflicts. */
  readonly force?: boolean;
}
