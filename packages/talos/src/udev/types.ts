/** The parsed form of a udev rules file and what is wrong with it. */

/** `==`, `!=`, `=`, `+=`, `-=`, `:=` (udev(7)). */
export type UdevOperator = '==' | '!=' | '=' | '+=' | '-=' | ':=';

/** One `KEY{attr}op"value"` pair. */
export interface UdevToken {
  readonly key: string;
  /** The text between `{` and `}`, when the key has one. */
  readonly attr?: string;
  readonly op: UdevOperator;
  /** The value after unquoting (and unescaping for `e"…"`). */
  readonly value: string;
  /** `i"…"`: match case-insensitively. */
  readonly caseInsensitive: boolean;
  /** `e"…"`: C escapes were applied. */
  readonly escaped: boolean;
}

/** One rule: a logical line (continuations joined). */
export interface UdevRule {
  /** First physical line of the rule, 1-based. */
  readonly line: number;
  readonly tokens: readonly UdevToken[];
}

/** A problem udevd would log for the file; `error` means the rule (or file part) is dropped. */
export interface UdevDiagnostic {
  readonly line: number;
  readonly severity: 'error' | 'warning';
  readonly message: string;
}

/** The parse of one file. */
export interface UdevRulesFile {
  /** Rules udevd would keep (lines with errors are left out, as udevd ignores them). */
  readonly rules: readonly UdevRule[];
  readonly diagnostics: readonly UdevDiagnostic[];
}
