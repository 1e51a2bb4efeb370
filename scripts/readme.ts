/**
 * Keeps the README's action reference true: for each `actions/<name>/action.yml`, renders its
 * inputs and outputs as tables between `<!-- action:<name>:start -->` and
 * `<!-- action:<name>:end -->` markers. `npm run readme` rewrites the README; `--check` exits 1 when
 * it is stale (a test calls the same function).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

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

/** The README with every action's tables regenerated. */
export function renderReadme(readme: string): string {
  let out = readme;
  for (const name of listActions()) {
    const spec = parse(
      readFileSync(join(root, 'actions', name, 'action.yml'), 'utf8'),
    ) as ActionSpec;
    const start = `<!-- action:${name}:start -->`;
    const end = `<!-- action:${name}:end -->`;
    const i = out.indexOf(start);
    const j = out.indexOf(end);
    if (i < 0 || j < i) continue;
    out = `${out.slice(0, i + start.length)}\n${renderActionTables(spec)}\n${out.slice(j)}`;
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = join(root, 'README.md');
  const current = readFileSync(path, 'utf8');
  const fresh = renderReadme(current);
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
