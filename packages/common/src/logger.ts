/** Severity of a log line. */
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

/**
 * What libraries log through. Actions adapt `@actions/core` to it, the CLI writes to stderr, tests
 * collect lines in memory.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  /** Runs `fn` inside a visible, collapsible phase (a `core.group` in actions). */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

/** A logger that drops everything. */
export const nullLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warning: () => undefined,
  error: () => undefined,
  group: (_name, fn) => fn(),
};

/** A logger writing to a stream (stderr by default); debug lines only when `verbose`. */
export function createConsoleLogger(
  options: { verbose?: boolean; stream?: NodeJS.WritableStream } = {},
): Logger {
  const stream = options.stream ?? process.stderr;
  const write = (prefix: string, message: string): void => {
    stream.write(`${prefix}${message}\n`);
  };
  return {
    debug: (m) => {
      if (options.verbose) write('debug: ', m);
    },
    info: (m) => write('', m),
    warning: (m) => write('warning: ', m),
    error: (m) => write('error: ', m),
    group: async (name, fn) => {
      write('▶ ', name);
      return fn();
    },
  };
}

/** A logger that keeps every line, for tests and for the tail of a failed command. */
export interface MemoryLogger extends Logger {
  readonly lines: { level: LogLevel | 'group'; message: string }[];
  text(): string;
}

/** Creates a {@link MemoryLogger}. */
export function createMemoryLogger(): MemoryLogger {
  const lines: MemoryLogger['lines'] = [];
  const push = (level: LogLevel | 'group') => (message: string) => {
    lines.push({ level, message });
  };
  return {
    lines,
    text: () => lines.map((l) => `${l.level}: ${l.message}`).join('\n'),
    debug: push('debug'),
    info: push('info'),
    warning: push('warning'),
    error: push('error'),
    group: async (name, fn) => {
      push('group')(name);
      return fn();
    },
  };
}
