/**
 * Text that a GitHub Actions runner must print, not run. The runner reads a step's output line by
 * line (a line ends at `\n` or `\r`) and acts on a line when, after leading blanks, it starts with
 * `::name …::` or when it holds `##[name …]` anywhere (the legacy form); see `TryParseV2` and
 * `TryParse` in actions/runner src/Runner.Common/ActionCommand.cs at
 * 079cdb1d05fe0ec50f8c51de5a4fa51d0eb189b0. Names from an image or a registry's answer can hold
 * either. The runner's own way to print such text is to put it between
 * `::stop-commands::<token>` and `::<token>::`: nothing in between runs.
 */
import { randomBytes } from 'node:crypto';

/**
 * What the runner could take for a command: `::` first in a line after blanks (the runner's
 * `TrimStart` drops every Unicode white space, U+0085 included), or `##[` anywhere. A chunk of
 * text is taken to start a line.
 */
const commandLike = /(?:^|[\r\n])[\s\u0085]*::|##\[/;

/** True when some line of `text` could be read as a workflow command. */
export function mayHoldWorkflowCommand(text: string): boolean {
  return commandLike.test(text);
}

/**
 * `text` as it can be printed in a step's log: unchanged when it cannot hold a command, else
 * between `::stop-commands::<token>` and `::<token>::` lines with a fresh random token (one the
 * text cannot know). A final new line of `text` is kept.
 */
export function guardWorkflowCommands(text: string): string {
  if (!mayHoldWorkflowCommand(text)) return text;
  const token = `talos-kmod-${randomBytes(16).toString('hex')}`;
  const body = text.endsWith('\n') ? text : `${text}\n`;
  return `::stop-commands::${token}\n${body}::${token}::${text.endsWith('\n') ? '\n' : ''}`;
}

/**
 * JSON text in which no line can be read as a workflow command, and which every JSON parser reads
 * as the same value: `::` and `##[` occur in JSON text only inside strings (a structural `:` is
 * followed by a value, never by `:`), where `:\u003a` and `#\u0023[` are escapes of the same
 * characters.
 */
export function jsonWithoutWorkflowCommands(json: string): string {
  return json.replace(/::/g, ':\\u003a').replace(/##\[/g, '#\\u0023[');
}
