/**
 * The bundled CLI (packages/cli/dist, `npm run build:cli`) whose reader stops early, as
 * `talos-kmod ls … | head` does: it stops quietly, with no EPIPE stack trace on stderr.
 */
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newDir } from '../support/images';

const bundle = join(import.meta.dirname, '../../packages/cli/dist/talos-kmod.cjs');

describe('talos-kmod with its stdout closed early', () => {
  it('stops without a stack trace when the reader goes away (modinfo … | head)', async () => {
    const dir = newDir('closed-stdout');
    // one report written per file, far more than a pipe buffer (64 KiB) in all, so writes go on
    // after the reader left
    const files: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const file = join(dir, `not-a-module-${i}.ko`);
      writeFileSync(file, 'not an ELF file\n');
      files.push(file);
    }
    const child = spawn(process.execPath, [bundle, 'modinfo', '--json', ...files], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|Unhandled|\n {4}at /);
  }, 120_000);
});
