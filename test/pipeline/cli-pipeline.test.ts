/**
 * `talos-kmod pipeline` on the fixture repositories with the real engine and registry: the four
 * steps run in order with a progress line each, the pinned references and the verification come
 * out on stdout, and a failing check makes the exit code 1 while everything built stays pinned.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCaptured } from '../support/cli';
import { ensureDocker } from '../support/docker';
import { createFixtureRepo, createTalosCheckout, type FixtureRepo } from '../support/fixture-repos';
import { startRegistry, type TestRegistry } from '../support/registry';

let registry: TestRegistry;
let work: string;
let repos: { pkgs: FixtureRepo; extensions: FixtureRepo; talos: FixtureRepo };
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  await ensureDocker();
  registry = await startRegistry();
  work = mkdtempSync(join(tmpdir(), 'cli-pipeline-'));
  repos = {
    pkgs: createFixtureRepo('pkgs'),
    extensions: createFixtureRepo('extensions'),
    talos: createTalosCheckout(),
  };
  env = {
    FIXTURE_BUILDKIT_CACHE: join(work, 'buildkit'),
    FIXTURE_KBUILD_CACHE: join(work, 'kbuild'),
    XDG_CACHE_HOME: join(work, 'cache'),
  };
});

afterAll(async () => {
  for (const r of Object.values(repos ?? {})) r.remove();
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const args = (extra: string[]): string[] => [
  'pipeline',
  '--pkgs',
  repos.pkgs.dir,
  '--extensions',
  repos.extensions.dir,
  '--talos',
  repos.talos.dir,
  '--package',
  'hailort-pkg',
  '--extension',
  'hailort',
  '--registry',
  registry.host,
  '--username',
  'Acme',
  '--installer-ref',
  `${registry.host}/acme/installer:cli`,
  ...extra,
];

describe('talos-kmod pipeline', () => {
  it('fails with exit 1 naming the check when a required module is missing, after pinning everything it built', async () => {
    const r = await runCliCaptured(args(['--module', 'no_such_module', '--json']), { env });
    expect(r.code).toBe(1);
    const steps = r.stderr.split('\n').filter((l) => /^\[\d\/4\]/.test(l));
    expect(steps.map((l) => l.replace(/ in [\d.]+ s.*$/, '').replace(/ …$/, ''))).toEqual([
      '[1/4] build-kernel-pkg',
      '[1/4] build-kernel-pkg done',
      '[2/4] build-extension',
      '[2/4] build-extension done',
      '[3/4] build-installer',
      '[3/4] build-installer done',
      '[4/4] verify-image',
      '[4/4] verify-image done',
    ]);
    const out = JSON.parse(r.stdout) as {
      passed: boolean;
      kernelImage: string;
      installerImage: string;
      verification: { extension: { checks: { id: string; status: string; message: string }[] } };
    };
    expect(out.passed).toBe(false);
    expect(out.kernelImage).toMatch(
      new RegExp(`^${registry.host}/acme/kernel:.+@sha256:[0-9a-f]{64}$`),
    );
    expect(out.installerImage).toMatch(/@sha256:[0-9a-f]{64}$/);
    const failed = out.verification.extension.checks.filter((c) => c.status === 'fail');
    expect(failed.map((c) => c.id)).toEqual(['modules.required']);
    expect(failed[0]?.message).toContain('no_such_module');
  });

  it('re-runs from the recorded kernel build, prints the pinned references and the upgrade command', async () => {
    const r = await runCliCaptured(args(['--module', 'hailo_pci']), { env });
    expect(r.stderr).toContain('(cache hit)');
    expect(r.code).toBe(0);
    const installer = /^installer-image\s+(\S+)$/m.exec(r.stdout)?.[1] ?? '';
    expect(installer).toMatch(
      new RegExp(`^${registry.host}/acme/installer:cli@sha256:[0-9a-f]{64}$`),
    );
    expect(r.stdout).toMatch(/^kernel-image\s+\S+@sha256:/m);
    expect(r.stdout).toMatch(/^hailort-pkg\s+\S+@sha256:/m);
    expect(r.stdout).toMatch(/^extension-image\s+\S+hailort:4\.24\.0@sha256:/m);
    expect(r.stdout).toContain(`next: talosctl upgrade --nodes <node> --image ${installer}`);
  });

  it('refuses to start without a talos checkout or an imager, as a usage error', async () => {
    const r = await runCliCaptured(
      [
        'pipeline',
        '--pkgs',
        repos.pkgs.dir,
        '--extensions',
        repos.extensions.dir,
        '--package',
        'hailort-pkg',
        '--extension',
        'hailort',
        '--registry',
        registry.host,
        '--username',
        'acme',
      ],
      { env },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/give '--talos DIR' \(a talos checkout\) or '--imager-image REF'/);
  });
});
