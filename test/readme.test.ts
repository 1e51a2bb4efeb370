/**
 * The README's action tables and CLI table are generated; this fails when they are stale. The
 * shell examples are checked against the CLI itself.
 */
import { expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
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

it('shows only talos-kmod commands and flags that exist, with working line continuations', async () => {
  const program = await createProgram(
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
      const m = /(?:^|\s)(?:npx )?talos-kmod\s+([a-z][a-z-]*)(.*)$/.exec(command);
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

it('shows the reusable workflow called with declared inputs, the permissions it needs and secrets', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const wf = parseYaml(
    readFileSync(join(repoRoot, '.github/workflows/kmod-pipeline.yml'), 'utf8'),
  ) as { on: { workflow_call: { inputs: Record<string, { required?: boolean }> } } };
  const declared = wf.on.workflow_call.inputs;
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m) => m[1] ?? '')
    .filter((b) => b.includes('/.github/workflows/kmod-pipeline.yml@'));
  expect(blocks.length).toBeGreaterThan(0);
  for (const block of blocks) {
    const doc = parseYaml(block) as {
      jobs: Record<
        string,
        {
          uses?: string;
          with?: Record<string, unknown>;
          secrets?: unknown;
          permissions?: Record<string, string>;
        }
      >;
    };
    for (const job of Object.values(doc.jobs)) {
      if (!job.uses?.includes('kmod-pipeline.yml')) continue;
      const given = Object.keys(job.with ?? {});
      expect(given.filter((k) => !(k in declared))).toEqual([]);
      const required = Object.entries(declared)
        .filter(([, d]) => d.required)
        .map(([k]) => k);
      expect(required.filter((k) => !given.includes(k))).toEqual([]);
      expect(job.permissions?.packages).toBe('write');
      expect(job.secrets).toBe('inherit');
    }
  }
});

it('shows in the one-job example a verification of the extension modules against the kernel', () => {
  const steps = parseYaml(
    readFileSync(join(repoRoot, '.github/workflows/examples/steps.yml'), 'utf8'),
  ) as { jobs: { build: { steps: { uses?: string; with?: Record<string, string> }[] } } };
  const verifies = steps.jobs.build.steps.filter((s) => s.uses?.includes('/verify-image@'));
  expect(verifies.map((v) => v.with?.image)).toEqual([
    '${{ steps.extension.outputs.extension-image }}',
    '${{ steps.installer.outputs.installer-image }}',
  ]);
  expect(verifies[0]?.with?.modules).toBeTruthy();
  expect(
    verifies.every((v) => v.with?.['kernel-image'] === '${{ steps.kernel.outputs.kernel-image }}'),
  ).toBe(true);
});
