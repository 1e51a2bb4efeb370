/**
 * Commands load on demand: the command list (packages/cli/src/commands/index.ts) names and describes
 * every command, and a command's module is evaluated only when it runs or shows its own help. The
 * list must agree with the definitions, and the bundle (`npm run build:cli`) must not evaluate
 * the registry and archive code for `--help`. The launcher (bin/talos-kmod.cjs) keeps Node's
 * compile cache under the user's cache directory.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Help } from 'commander';
import { createProgram } from '@talos-kmod/cli';
import { commands } from '../../packages/cli/src/commands/index';
import { captureIo, runCliCaptured } from '../support/cli';

const cliDir = join(import.meta.dirname, '../../packages/cli');
const bundle = join(cliDir, 'dist', 'talos-kmod.cjs');
const launcher = join(cliDir, 'bin', 'talos-kmod.cjs');
const quietIo = { stdout: process.stdout, stderr: process.stderr, env: {}, cwd: process.cwd() };

describe('the command list', () => {
  it('shows each command with the usage of its loaded definition', async () => {
    const program = await createProgram(quietIo, { exitCode: 0 });
    const help = new Help();
    expect(program.commands.map((c) => help.subcommandTerm(c))).toEqual(
      commands.map((e) => `${e.name}${e.usage ? ` ${e.usage}` : ''}`),
    );
    // every definition added something: arguments, options or subcommands
    for (const c of program.commands) {
      expect({
        name: c.name(),
        defined: c.registeredArguments.length + c.options.length + c.commands.length > 0,
      }).toEqual({ name: c.name(), defined: true });
    }
  });

  it('prints the same --help as the fully loaded program', async () => {
    const io = captureIo();
    (await createProgram(io, { exitCode: 0 })).outputHelp();
    const run = await runCliCaptured(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(io.out());
    for (const e of commands) expect(run.stdout).toContain(`\n  ${e.name} `);
  });

  it('shows no empty list as the default of a repeatable flag, and keeps the other defaults', async () => {
    const helps = await Promise.all(
      [...commands.map((e) => [e.name]), ['index', 'create']].map(async (argv) => {
        const run = await runCliCaptured([...argv, '--help']);
        return { argv, code: run.code, emptyDefault: run.stdout.includes('(default: [])') };
      }),
    );
    expect(helps).toEqual(helps.map(({ argv }) => ({ argv, code: 0, emptyDefault: false })));
    const pipeline = (await runCliCaptured(['pipeline', '--help'])).stdout;
    expect(pipeline).toMatch(
      /--platform <os\/arch> +platform \(repeatable; default linux\/amd64\)\n/,
    );
    expect(pipeline).toMatch(/--registry <host> +registry to push to \(default: "ghcr\.io"\)\n/);
  });

  it.each([
    ['help kernel-cert', ['help', 'kernel-cert']],
    ['kernel-cert --help', ['kernel-cert', '--help']],
    ['-v help kernel-cert', ['-v', 'help', 'kernel-cert']],
  ])('defines the command for %s', async (_what, argv) => {
    const run = await runCliCaptured(argv);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: talos-kmod kernel-cert \[options\] <source>\n/);
    expect(run.stdout).toContain('--pem');
  });
});

/** The built-in modules Node loaded for `talos-kmod <argv>` run from `script`. */
function builtinsLoaded(script: string, argv: string[], env: NodeJS.ProcessEnv = {}) {
  const work = mkdtempSync(join(tmpdir(), 'lazy-commands-'));
  try {
    const preload = join(work, 'preload.cjs');
    writeFileSync(
      preload,
      "process.on('exit', () => require('node:fs').writeFileSync(process.env.LOADED_OUT, process.moduleLoadList.join('\\n')));\n",
    );
    const out = join(work, 'loaded.txt');
    const r = spawnSync(process.execPath, ['--require', preload, script, ...argv], {
      encoding: 'utf8',
      env: { ...process.env, ...env, LOADED_OUT: out },
      timeout: 60_000,
    });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    return readFileSync(out, 'utf8')
      .split('\n')
      .filter((m) => m.startsWith('NativeModule '))
      .map((m) => m.slice('NativeModule '.length));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

describe('the bundle', () => {
  it('does not evaluate the registry, archive and worker code for --help', () => {
    const loaded = builtinsLoaded(bundle, ['--help']);
    expect(loaded).toContain('fs'); // the list is real
    expect(loaded.filter((m) => ['http', 'https', 'zlib', 'worker_threads'].includes(m))).toEqual(
      [],
    );
  }, 120_000);

  it('evaluates them once a command needs them', () => {
    const loaded = builtinsLoaded(bundle, ['ls', '--help']);
    expect(loaded).toEqual(expect.arrayContaining(['http', 'zlib']));
  }, 120_000);
});

describe('the launcher', () => {
  const hasCompileCache =
    typeof (createRequire(import.meta.url)('node:module') as { enableCompileCache?: unknown })
      .enableCompileCache === 'function';

  it(`keeps the compile cache under XDG_CACHE_HOME/talos-kmod${hasCompileCache ? '' : ' (not on this Node: runs without)'}`, () => {
    const cache = mkdtempSync(join(tmpdir(), 'lazy-commands-cache-'));
    try {
      const r = spawnSync(process.execPath, [launcher, '--version'], {
        encoding: 'utf8',
        env: { ...process.env, XDG_CACHE_HOME: cache },
        timeout: 60_000,
      });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      expect(r.stdout).toMatch(/^\d+\.\d+\.\d+/);
      const dir = join(cache, 'talos-kmod', 'compile-cache');
      expect(existsSync(dir) && readdirSync(dir).length > 0).toBe(hasCompileCache);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  }, 120_000);

  /**
   * Node binaries to run the launcher with: this one, and Node 24 from npm's cache when it is
   * there (offline; Node 20 has no compile cache, so only a newer Node shows where it goes).
   */
  function nodes(): string[] {
    const r = spawnSync('npx', ['--offline', '--yes', 'node@24', '-p', 'process.execPath'], {
      encoding: 'utf8',
      timeout: 120_000,
      cwd: tmpdir(),
    });
    const node24 = r.status === 0 ? r.stdout.trim() : '';
    return [process.execPath, ...(node24 && existsSync(node24) ? [node24] : [])];
  }

  it('ignores a relative XDG_CACHE_HOME and makes its cache directories 0700', () => {
    for (const node of nodes()) {
      const work = mkdtempSync(join(tmpdir(), 'lazy-commands-relative-'));
      try {
        const home = join(work, 'home');
        mkdirSync(home);
        const r = spawnSync(node, [launcher, '--version'], {
          encoding: 'utf8',
          cwd: work,
          env: { PATH: process.env.PATH, HOME: home, XDG_CACHE_HOME: 'relative-cache' },
          timeout: 60_000,
        });
        expect({ node, status: r.status, stderr: r.stderr }).toEqual({
          node,
          status: 0,
          stderr: '',
        });
        expect(readdirSync(work)).toEqual(['home']); // nothing made in the working directory
        const supported =
          spawnSync(node, ['-p', "typeof require('node:module').enableCompileCache"], {
            encoding: 'utf8',
          }).stdout.trim() === 'function';
        const dirs = ['.cache', '.cache/talos-kmod', '.cache/talos-kmod/compile-cache'];
        expect(
          dirs.map((d) => {
            const p = join(home, d);
            return existsSync(p) ? (statSync(p).mode & 0o777).toString(8) : 'none';
          }),
        ).toEqual(dirs.map(() => (supported ? '700' : 'none')));
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    }
  }, 300_000);

  it('runs when the cache directory cannot be created', () => {
    const work = mkdtempSync(join(tmpdir(), 'lazy-commands-nocache-'));
    try {
      const blocker = join(work, 'a-file');
      writeFileSync(blocker, 'not a directory\n');
      const r = spawnSync(process.execPath, [launcher, '--version'], {
        encoding: 'utf8',
        env: { ...process.env, XDG_CACHE_HOME: blocker },
        timeout: 60_000,
      });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      expect(r.stdout).toMatch(/^\d+\.\d+\.\d+/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});
