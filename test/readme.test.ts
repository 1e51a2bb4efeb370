/**
 * The README's action tables and CLI table are generated; this fails when they are stale. The
 * shell examples are checked against the CLI itself.
 */
import { expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createProgram } from '@talos-kmod/cli';
import { renderReadme } from '../scripts/readme';
import { repoRoot } from './support/action';

it('has action and CLI tables that match action.yml files and the CLI (run npm run readme)', async () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  expect(await renderReadme(readme)).toBe(readme);
});

it('documents every action and the quick start commands', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  for (const name of ['build-kernel-pkg', 'build-extension', 'build-installer', 'verify-image']) {
    expect(readme).toMatch(new RegExp(`<!-- action:${name}:start -->\\n+\\| input +\\|`));
  }
  for (const cmd of ['./scripts/setup.sh', 'npm test', 'npm run demo'])
    expect(readme).toContain(cmd);
});

/** The shell commands of the ```sh blocks in `markdown`, continuation lines joined. */
function shellCommands(markdown: string): { command: string; raw: string }[] {
  const out: { command: string; raw: string }[] = [];
  for (const block of markdown.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
    const lines = (block[1] ?? '').split('\n');
    for (let i = 0; i < lines.length; i++) {
      let raw = lines[i] ?? '';
      while (raw.endsWith('\\') && !raw.endsWith('\\\\') && i + 1 < lines.length) {
        raw = `${raw.slice(0, -1)}${lines[++i] ?? ''}`;
      }
      if (raw.trim() && !raw.trim().startsWith('#')) out.push({ command: raw.trim(), raw });
    }
  }
  return out;
}

it('shows only talos-kmod commands and flags that exist, with working line continuations', () => {
  const program = createProgram(
    { stdout: process.stdout, stderr: process.stderr, env: {}, cwd: repoRoot },
    { exitCode: 0 },
  );
  const flagsOf = new Map(
    program.commands.map((c) => [c.name(), new Set(c.options.map((o) => o.long ?? ''))]),
  );
  const docs = [
    'README.md',
    ...['build-installer', 'verify-image'].map((a) => `actions/${a}/README.md`),
  ];
  let checked = 0;
  for (const doc of docs) {
    for (const { command, raw } of shellCommands(readFileSync(join(repoRoot, doc), 'utf8'))) {
      // a doubled backslash at a line end is a literal backslash, not a continuation
      expect({ doc, raw, doubled: raw.endsWith('\\\\') }).toEqual({ doc, raw, doubled: false });
      const m = /(?:^|\s)(?:npx )?talos-kmod\s+([a-z-]+)(.*)$/.exec(command);
      if (!m) continue;
      const [, sub = '', rest = ''] = m;
      const known = flagsOf.get(sub);
      expect({ doc, command, subcommand: known !== undefined }).toEqual({
        doc,
        command,
        subcommand: true,
      });
      for (const flag of rest.match(/(?<=\s)--[a-z][a-z-]*/g) ?? []) {
        expect({ doc, command, flag, known: known?.has(flag) }).toEqual({
          doc,
          command,
          flag,
          known: true,
        });
      }
      checked++;
    }
  }
  expect(checked).toBeGreaterThanOrEqual(5);
});
