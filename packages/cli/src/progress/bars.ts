/**
 * Progress for blob transfers on stderr: redrawn bars on a terminal, one plain line per finished
 * blob otherwise (CI logs).
 */
import type { ProgressEvent } from '@talos-kmod/oci';

/** Receives progress events; `finish()` draws the final state. */
export interface ProgressReporter {
  onProgress(e: ProgressEvent): void;
  finish(): void;
}

/** `12.3 MB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

const verbs: Record<ProgressEvent['operation'], string> = {
  upload: 'push',
  download: 'pull',
  compress: 'gzip',
};

function describe(e: ProgressEvent): string {
  const what = `${verbs[e.operation]} ${e.digest.slice(7, 19)}`;
  if (e.status === 'exists') return `${what} already present`;
  if (e.status === 'mounted') return `${what} mounted`;
  return `${what} ${formatBytes(e.done)}${e.total ? ` / ${formatBytes(e.total)}` : ''}`;
}

function bar(e: ProgressEvent, width = 24): string {
  if (!e.total || e.status !== 'running')
    return e.status === 'running' ? ' '.repeat(width + 2) : `[${'='.repeat(width)}]`;
  const filled = Math.min(width, Math.round((e.done / e.total) * width));
  return `[${'='.repeat(filled)}${filled < width ? '>' : ''}${' '.repeat(Math.max(0, width - filled - 1))}]`;
}

/** A reporter for `stream`: bars when it is a TTY, plain lines otherwise. */
export function createProgressReporter(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
): ProgressReporter {
  if (!stream.isTTY) {
    return {
      onProgress(e) {
        if (e.status !== 'running')
          stream.write(`${describe(e)}${e.status === 'done' ? ' done' : ''}\n`);
      },
      finish: () => undefined,
    };
  }
  const rows = new Map<string, ProgressEvent>();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    timer = undefined;
    let out = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const e of rows.values()) out += `\x1b[2K${bar(e)} ${describe(e)}\n`;
    drawn = rows.size;
    stream.write(out);
  };
  return {
    onProgress(e) {
      rows.set(`${e.operation}:${e.digest}`, e);
      timer ??= setTimeout(draw, 100);
    },
    finish() {
      if (timer) clearTimeout(timer);
      if (rows.size > 0) draw();
    },
  };
}
