/**
 * Reads a step's output the way the GitHub runner does, to find the workflow commands it would
 * run: lines end at `\n`, `\r\n` or `\r`; a line is a command when, after leading blanks, it
 * starts with `::name props::data` (v2) or when it holds `##[name props]data` anywhere (the
 * legacy form), `name` being a registered command; `::stop-commands::TOKEN` ignores every
 * command until `::TOKEN::`. After actions/runner src/Runner.Common/ActionCommand.cs and
 * src/Runner.Worker/ActionCommandManager.cs at 079cdb1d05fe0ec50f8c51de5a4fa51d0eb189b0.
 */

/** Command names the runner registers (names are compared without case). */
const registered = [
  'add-mask',
  'add-matcher',
  'add-path',
  'debug',
  'echo',
  'endgroup',
  'error',
  'group',
  'notice',
  'remove-matcher',
  'save-state',
  'set-env',
  'set-output',
  'stop-commands',
  'warning',
];

/** One command the runner would act on. */
export interface WorkflowCommand {
  /** Lower-cased command name. */
  name: string;
  /** The data after the command, unescaped as the runner does. */
  data: string;
  /** The line it was read from. */
  line: string;
}

const unescapeData = (s: string): string =>
  s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeLegacy = (s: string): string =>
  s
    .replace(/%3B/g, ';')
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%5D/g, ']')
    .replace(/%25/g, '%');

function parseLine(
  line: string,
  names: ReadonlySet<string>,
): { name: string; data: string } | undefined {
  const trimmed = line.trimStart();
  if (trimmed.startsWith('::')) {
    const end = trimmed.indexOf('::', 2);
    if (end >= 0) {
      const info = trimmed.slice(2, end);
      const name = (info.split(' ')[0] ?? '').toLowerCase();
      if (names.has(name)) return { name, data: unescapeData(trimmed.slice(end + 2)) };
    }
  }
  const at = line.indexOf('##[');
  if (at < 0) return undefined;
  const close = line.indexOf(']', at);
  if (close < 0) return undefined;
  const info = line.slice(at + 3, close);
  const name = (info.split(' ')[0] ?? '').toLowerCase();
  return names.has(name) ? { name, data: unescapeLegacy(line.slice(close + 1)) } : undefined;
}

/** The commands the runner would act on in `output`, in order (stop/resume markers excluded). */
export function workflowCommands(output: string): WorkflowCommand[] {
  const names = new Set(registered);
  const found: WorkflowCommand[] = [];
  let stopToken: string | undefined;
  for (const line of output.split(/\r\n|\r|\n/)) {
    const parsed = parseLine(line, names);
    if (!parsed) continue;
    if (stopToken !== undefined) {
      if (parsed.name === stopToken) {
        names.delete(stopToken);
        stopToken = undefined;
      }
      continue;
    }
    if (parsed.name === 'stop-commands') {
      stopToken = parsed.data.toLowerCase();
      names.add(stopToken);
      continue;
    }
    found.push({ ...parsed, line });
  }
  return found;
}
