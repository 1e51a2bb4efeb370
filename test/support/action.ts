/**
 * Runs a bundled action the way the GitHub runner does: `node actions/<name>/dist/index.cjs` with
 * inputs as `INPUT_<NAME>` variables and file commands (`GITHUB_OUTPUT`, `GITHUB_ENV`,
 * `GITHUB_STEP_SUMMARY`, `GITHUB_STATE`) in a temporary directory.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { interpolate } from './expressions';

/** Repository root. */
export const repoRoot = resolve(import.meta.dirname, '..', '..');

/** What one action run produced. */
export interface ActionRun {
  exitCode: number;
  outputs: Record<string, string>;
  env: Record<string, string>;
  summary: string;
  stdout: string;
  stderr: string;
  /** Lines of the form `::error::…` (and `::error file=…::…`). */
  errors: string[];
  /** The `core.setFailed` message, when the step failed. */
  failure?: string;
}

/** Options for {@link runAction}. */
export interface RunActionOptions {
  /** Extra environment (e.g. DOCKER_CONFIG, GITHUB_REPOSITORY_OWNER). */
  env?: Record<string, string>;
  cwd?: string;
  /**
   * The folder holding `actions/<name>` (default this repository): a workflow that checks out
   * talos-kmod-actions and runs `uses: ./<path>/actions/<name>` runs the copy there.
   */
  actionsRoot?: string;
  /** Kill after this long (default 15 min); a killed run fails the test with its output. */
  timeoutMs?: number;
}

/** The `INPUT_*` variable name the runner uses for an input: upper case, spaces to `_`. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** Parses a `GITHUB_OUTPUT`/`GITHUB_ENV` file: `k=v` lines and `k<<DELIM` heredocs. */
export function parseFileCommands(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, key, delim] = heredoc as unknown as [string, string, string];
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i] ?? '');
      result[key] = value.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) result[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return result;
}

/**
 * The runner sets `INPUT_<NAME>` for every input that has a default in `action.yml`, after
 * evaluating `${{ github.* }}` expressions in it; so does this harness.
 */
export function actionDefaults(
  name: string,
  env: Record<string, string>,
  actionsRoot = repoRoot,
): Record<string, string> {
  const spec = parse(readFileSync(join(actionsRoot, 'actions', name, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, { default?: unknown }>;
  };
  const github = {
    repository: env.GITHUB_REPOSITORY ?? '',
    repository_owner: env.GITHUB_REPOSITORY_OWNER ?? '',
    workspace: env.GITHUB_WORKSPACE ?? '',
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    token: env.GITHUB_TOKEN ?? '',
    server_url: 'https://github.com',
  };
  const result: Record<string, string> = {};
  for (const [input, def] of Object.entries(spec.inputs ?? {})) {
    if (def.default === undefined || def.default === null) continue;
    result[input] = interpolate(String(def.default), { github });
  }
  return result;
}

/** Runs `actions/<name>/dist/index.cjs` with `inputs` and returns what it wrote. */
export async function runAction(
  name: string,
  inputs: Record<string, string>,
  options: RunActionOptions = {},
): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), `action-${name}-`));
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_PATH: join(dir, 'path'),
  };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    RUNNER_TEMP: join(dir, 'runner-temp'),
    GITHUB_WORKSPACE: options.cwd ?? repoRoot,
    GITHUB_REPOSITORY: 'Example-Owner/talos-pkgs',
    GITHUB_REPOSITORY_OWNER: 'Example-Owner',
    GITHUB_ACTIONS: 'true',
    ...files,
    ...options.env,
  };
  const actionsRoot = options.actionsRoot ?? repoRoot;
  for (const [k, v] of Object.entries(actionDefaults(name, env, actionsRoot))) {
    env[inputEnvName(k)] = v;
  }
  for (const [k, v] of Object.entries(inputs)) env[inputEnvName(k)] = v;
  const script = join(actionsRoot, 'actions', name, 'dist', 'index.cjs');
  try {
    const { exitCode, stdout, stderr } = await new Promise<{
      exitCode: number;
      stdout: string;
      stderr: string;
    }>((resolvePromise, reject) => {
      const child = spawn(process.execPath, [script], { cwd: options.cwd ?? repoRoot, env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15 * 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolvePromise({ exitCode: code ?? 1, stdout, stderr });
      });
    });
    const errors = stdout.split('\n').filter((l) => l.startsWith('::error'));
    const failureLine = errors.at(-1);
    return {
      exitCode,
      outputs: parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
      env: parseFileCommands(readFileSync(files.GITHUB_ENV, 'utf8')),
      summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
      stdout,
      stderr,
      errors,
      ...(exitCode !== 0 && failureLine
        ? { failure: decodeCommandValue(failureLine.replace(/^::error[^:]*::/, '')) }
        : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Undoes the runner's escaping of workflow command values (`%0A` etc.). */
export function decodeCommandValue(value: string): string {
  return value.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%');
}

/**
 * Fails with the step's own log tail when it did not succeed, so that a failure seen only in CI
 * (under the full suite's load) says what make or docker printed.
 */
export function expectSucceeded(run: ActionRun): void {
  if (run.failure === undefined && run.exitCode === 0) return;
  throw new Error(
    `the step failed (exit ${run.exitCode}): ${run.failure ?? '(no failure message)'}\n--- stdout (last 6000 chars)\n${run.stdout.slice(-6000)}\n--- stderr (last 3000 chars)\n${run.stderr.slice(-3000)}`,
  );
}

/** Expects the step to have failed with `pattern`; otherwise fails with the step's log tail. */
export function expectFailedWith(run: ActionRun, pattern: RegExp): void {
  if (run.exitCode !== 0 && run.failure !== undefined && pattern.test(run.failure)) return;
  throw new Error(
    `expected the step to fail with ${String(pattern)}, got exit ${run.exitCode}: ${run.failure ?? '(no failure message)'}\n--- stdout (last 6000 chars)\n${run.stdout.slice(-6000)}\n--- stderr (last 3000 chars)\n${run.stderr.slice(-3000)}`,
  );
}
