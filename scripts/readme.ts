/**
 * Keeps the README's action reference true: for each `actions/<name>/action.yml`, renders its
 * inputs and outputs as tables between `<!-- action:<name>:start -->` and
 * `<!-- action:<name>:end -->` markers; the CLI table from the program; and the one-job example
 * between `<!-- example:steps:start -->` and `<!-- example:steps:end -->` as the whole of
 * `.github/workflows/examples/steps.yml`, so the README shows exactly the file it names. `npm run readme` rewrites the README; `--check` exits 1 when
 * it is stale (a test calls the same function).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { parse } from 'yaml';
import { createProgram } from '@talos-kmod/cli';

const root = resolve(import.meta.dirname, '..');

interface ActionSpec {
  description?: string;
  inputs?: Record<string, { description?: string; required?: boolean; default?: unknown }>;
  outputs?: Record<string, { description?: string }>;
}

const cell = (text: string): string =>
  text
    .trim()
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|');

/** Markdown tables for one action's inputs and outputs. */
export function renderActionTables(spec: ActionSpec): string {
  const lines = ['| input | required | default | description |', '|---|---|---|---|'];
  for (const [name, def] of Object.entries(spec.inputs ?? {})) {
    const dflt =
      def.default === undefined || def.default === '' ? '' : `\`${cell(String(def.default))}\``;
    lines.push(
      `| \`${name}\` | ${def.required ? 'yes' : 'no'} | ${dflt} | ${cell(def.description ?? '')} |`,
    );
  }
  lines.push('', '| output | description |', '|---|---|');
  for (const [name, def] of Object.entries(spec.outputs ?? {})) {
    lines.push(`| \`${name}\` | ${cell(def.description ?? '')} |`);
  }
  return lines.join('\n');
}

/** Names of the actions in `actions/` (folders with an action.yml). */
export function listActions(): string[] {
  return readdirSync(join(root, 'actions'))
    .filter((n) => existsSync(join(root, 'actions', n, 'action.yml')))
    .sort();
}

/** A table of the CLI's commands, from the commander program itself. */
export async function renderCliTable(): Promise<string> {
  const io = { stdout: process.stdout, stderr: process.stderr, env: {}, cwd: root };
  const program = await createProgram(io, { exitCode: 0 });
  const lines = ['| command | what it does |', '|---|---|'];
  for (const c of program.commands) {
    const args = c.registeredArguments.map((a) => {
      const name = `${a.name()}${a.variadic ? '…' : ''}`;
      return a.required ? `<${name}>` : `[${name}]`;
    });
    const usage = [c.name(), ...args].join(' ');
    lines.push(`| \`talos-kmod ${usage}\` | ${cell(c.description())} |`);
  }
  return lines.join('\n');
}

function replaceBetween(text: string, start: string, end: string, body: string): string {
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) return text;
  return `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`;
}

/**
 * The README with every action's tables and the CLI table regenerated, formatted by Prettier with
 * the repository's settings (so `npm run lint` and this agree).
 */
export async function renderReadme(readme: string): Promise<string> {
  let out = replaceBetween(
    readme,
    '<!-- cli:start -->',
    '<!-- cli:end -->',
    await renderCliTable(),
  );
  const steps = readFileSync(join(root, '.github', 'workflows', 'examples', 'steps.yml'), 'utf8');
  out = replaceBetween(
    out,
    '<!-- example:steps:start -->',
    '<!-- example:steps:end -->',
    `\n\`\`\`yaml\n${steps.trimEnd()}\n\`\`\`\n`,
  );
  for (const name of listActions()) {
    const spec = parse(
      readFileSync(join(root, 'actions', name, 'action.yml'), 'utf8'),
    ) as ActionSpec;
    out = replaceBetween(
      out,
      `<!-- action:${name}:start -->`,
      `<!-- action:${name}:end -->`,
      renderActionTables(spec),
    );
  }
  const path = join(root, 'README.md');
  return format(out, { ...(await resolveConfig(path)), filepath: path });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = join(root, 'README.md');
  const current = readFileSync(path, 'utf8');
  const fresh = await renderReadme(current);
  if (process.argv.includes('--check')) {
    if (fresh !== current) {
      console.error('README.md action tables are stale: run `npm run readme` and commit.');
      process.exit(1);
    }
  } else if (fresh !== current) {
    writeFileSync(path, fresh);
    console.log('README.md updated');
  }
}
