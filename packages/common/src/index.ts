/**
 * Small pieces every package shares: the logger and exec seams that let the actions, the CLI and
 * the tests drive the same code, the `UserError` type, and redaction of secrets in text.
 */
export type { Logger, LogLevel } from './logger';
export { nullLogger, createConsoleLogger, createMemoryLogger } from './logger';
export type { MemoryLogger } from './logger';
export { UserError, InputError, isUserError, isInputError, describeError } from './errors';
export type { FieldNamer } from './field-error';
export { FieldError, isFieldError, actionInputName } from './field-error';
export { redactUrl, redactText } from './redact';
export type { ExecFn, ExecOptions, ExecResult } from './exec';
export { spawnExec, ExecError, formatCommand } from './exec';
export type { TempDir } from './temp-dir';
export { createTempDir, tempRoot } from './temp-dir';
export type { MarkdownCodeOptions } from './markdown';
export { markdownText, markdownCode, markdownFence, visibleControls } from './markdown';
export {
  guardWorkflowCommands,
  jsonWithoutWorkflowCommands,
  mayHoldWorkflowCommand,
} from './workflow-commands';
export { cacheDirMode, talosKmodCacheDir, userCacheHome } from './cache-home';
