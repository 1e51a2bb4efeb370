/**
 * The scripts the reusable workflow runs (scripts/ci), run by bash with the environment the
 * workflow gives them: the plan of the per-platform jobs, the merge of their results into index
 * requests, and the runner preparation. Docker is a stub here (a recording script that fails on
 * anything it does not expect): the preparation must not prune this machine's engine.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFileCommands, repoRoot } from '../support/action';

function runScript(script: string, env: Record<string, string>, args: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'ci-script-'));
  const output = join(dir, 'output');
  const summary = join(dir, 'summary');
  writeFileSync(output, '');
  writeFileSync(summary, '');
  const r = spawnSync('bash', [join(repoRoot, 'scripts', 'ci', script), ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      ...env,
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return {
    status: r.status,
    stdout: r.stdout,
    outputs: parseFileCommands(readFileSync(output, 'utf8')),
    summary: readFileSync(summary, 'utf8'),
  };
}

const defaultRunners = '{"linux/amd64": "ubuntu-24.04", "linux/arm64": "ubuntu-24.04-arm"}';

describe('plan-platforms.sh', () => {
  const plan = (env: Record<string, string>) =>
    runScript('plan-platforms.sh', {
      PLATFORMS: '["linux/amd64","linux/arm64"]',
      PLATFORM_RUNNERS: defaultRunners,
      EXTENSIONS: 'hailort',
      INSTALLER_REF: 'ghcr.io/acme/installer:v1',
      ...env,
    });

  it('puts each platform on its native runner, with a per-platform installer tag', () => {
    const r = plan({});
    expect(r.status).toBe(0);
    expect(JSON.parse(r.outputs.legs ?? '')).toEqual([
      {
        platform: 'linux/amd64',
        arch: 'amd64',
        'runs-on': 'ubuntu-24.04',
        'installer-ref': 'ghcr.io/acme/installer:v1-amd64',
      },
      {
        platform: 'linux/arm64',
        arch: 'arm64',
        'runs-on': 'ubuntu-24.04-arm',
        'installer-ref': 'ghcr.io/acme/installer:v1-arm64',
      },
    ]);
    expect(r.outputs.platforms).toBe('linux/amd64,linux/arm64');
    expect(JSON.parse(r.outputs['runs-on'] ?? '')).toBe('ubuntu-24.04');
    expect(r.outputs['installer-ref']).toBe('ghcr.io/acme/installer:v1');
    expect(r.summary).toContain('| linux/arm64 | `ubuntu-24.04-arm` |');
  });

  it('runs every job on runs-on when given, as a label or as JSON', () => {
    const group = plan({ RUNS_ON: '{"group": "big", "labels": ["linux"]}' });
    expect(group.status).toBe(0);
    const legs = JSON.parse(group.outputs.legs ?? '') as { 'runs-on': unknown }[];
    expect(legs.map((l) => l['runs-on'])).toEqual([
      { group: 'big', labels: ['linux'] },
      { group: 'big', labels: ['linux'] },
    ]);
    expect(JSON.parse(group.outputs['runs-on'] ?? '')).toEqual({ group: 'big', labels: ['linux'] });
    const label = plan({ RUNS_ON: 'self-hosted' });
    expect(JSON.parse(label.outputs['runs-on'] ?? '')).toBe('self-hosted');
    const broken = plan({ RUNS_ON: '[self-hosted' });
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain("input runs-on '[self-hosted' starts like JSON but is not");
  });

  it('gives ttl.sh installers the platform in the repository, keeping the tag as the lifetime', () => {
    const r = plan({ INSTALLER_REF: '' });
    const ref = r.outputs['installer-ref'] ?? '';
    expect(ref).toMatch(/^ttl\.sh\/[0-9a-f-]{36}:1h$/);
    const legs = JSON.parse(r.outputs.legs ?? '') as { 'installer-ref': string }[];
    expect(legs.map((l) => l['installer-ref'])).toEqual([
      ref.replace(':1h', '-amd64:1h'),
      ref.replace(':1h', '-arm64:1h'),
    ]);
  });

  it('makes one extension leg per platform and extension', () => {
    const r = plan({ EXTENSIONS: 'hailort\nzfs, hailort' });
    const legs = JSON.parse(r.outputs['extension-legs'] ?? '') as {
      platform: string;
      extension: string;
    }[];
    expect(legs.map((l) => `${l.platform} ${l.extension}`)).toEqual([
      'linux/amd64 hailort',
      'linux/amd64 zfs',
      'linux/arm64 hailort',
      'linux/arm64 zfs',
    ]);
  });

  it('fails before any runner starts, naming the platform or input that is wrong', () => {
    const s390x = plan({ PLATFORMS: '["linux/amd64","linux/s390x"]' });
    expect(s390x.status).toBe(1);
    expect(s390x.stdout).toContain("platform 'linux/s390x' is not one Talos is built for");
    const noRunner = plan({ PLATFORM_RUNNERS: '{"linux/amd64": "ubuntu-24.04"}' });
    expect(noRunner.status).toBe(1);
    expect(noRunner.stdout).toContain('no runner for linux/arm64');
    const notJson = plan({ PLATFORMS: 'linux/amd64' });
    expect(notJson.stdout).toContain("input platforms is 'linux/amd64': give a JSON list");
  });
});

describe('merge-results.sh', () => {
  const host = '127.0.0.1:5000';
  const pin = (ref: string, n: number) => `${ref}@sha256:${String(n).repeat(64)}`;
  function results(arches: string[], installers = arches): string {
    const dir = mkdtempSync(join(tmpdir(), 'merge-results-'));
    arches.forEach((arch, i) => {
      const tag = `v1.2.3-${arch}`;
      writeFileSync(
        join(dir, `kernel-${arch}.json`),
        JSON.stringify({
          platform: `linux/${arch}`,
          'index-tag': 'v1.2.3',
          'pkgs-prefix': `${host}/acme`,
          'pkgs-tag': tag,
          'kernel-image': pin(`${host}/acme/kernel:${tag}`, i + 1),
          'pkg-images': { 'hailort-pkg': pin(`${host}/acme/hailort-pkg:${tag}`, i + 3) },
        }),
      );
      writeFileSync(
        join(dir, `extension-${arch}-hailort.json`),
        JSON.stringify({
          platform: `linux/${arch}`,
          extension: 'hailort',
          'extension-name': 'hailort',
          'extension-image': pin(`${host}/acme/hailort:4.24.0`, i + 5),
        }),
      );
    });
    installers.forEach((arch, i) => {
      writeFileSync(
        join(dir, `installer-${arch}.json`),
        JSON.stringify({
          platform: `linux/${arch}`,
          'installer-image': pin(`${host}/acme/installer:ci-${arch}`, i + 7),
        }),
      );
    });
    return dir;
  }

  it('asks for one index per image, each with every platform', () => {
    const r = runScript(
      'merge-results.sh',
      { RESULTS_DIR: results(['amd64', 'arm64']), INSTALLER_REF: `${host}/acme/installer:ci` },
      ['indexes'],
    );
    expect(r.status).toBe(0);
    const indexes = JSON.parse(r.outputs.indexes ?? '') as Record<string, string[]>;
    expect(Object.keys(indexes)).toEqual([
      `${host}/acme/kernel:v1.2.3`,
      `${host}/acme/hailort-pkg:v1.2.3`,
      `${host}/acme/hailort:4.24.0`,
      `${host}/acme/installer:ci`,
    ]);
    expect(indexes[`${host}/acme/kernel:v1.2.3`]).toEqual([
      pin(`${host}/acme/kernel:v1.2.3-amd64`, 1),
      pin(`${host}/acme/kernel:v1.2.3-arm64`, 2),
    ]);
    const out = runScript(
      'merge-results.sh',
      {
        INDEXES: JSON.stringify(
          Object.fromEntries(Object.keys(indexes).map((d, i) => [d, pin(d, i + 1)])),
        ),
        NAMES: r.outputs.names ?? '',
      },
      ['outputs'],
    );
    expect(out.status).toBe(0);
    expect(out.outputs['kernel-image']).toBe(pin(`${host}/acme/kernel:v1.2.3`, 1));
    expect(JSON.parse(out.outputs['pkg-images'] ?? '')).toEqual({
      'hailort-pkg': pin(`${host}/acme/hailort-pkg:v1.2.3`, 2),
    });
    expect(out.outputs['extension-image']).toBe(pin(`${host}/acme/hailort:4.24.0`, 3));
    expect(out.outputs['extension-list']).toBe(pin(`${host}/acme/hailort:4.24.0`, 3));
    expect(out.outputs['installer-image']).toBe(pin(`${host}/acme/installer:ci`, 4));
  });

  it('leaves a failed platform out (create-index names it) and fails when no platform got through', () => {
    const partial = runScript(
      'merge-results.sh',
      {
        RESULTS_DIR: results(['amd64', 'arm64'], ['amd64']),
        INSTALLER_REF: `${host}/acme/installer:ci`,
      },
      ['indexes'],
    );
    expect(partial.status).toBe(0);
    const indexes = JSON.parse(partial.outputs.indexes ?? '') as Record<string, string[]>;
    expect(indexes[`${host}/acme/installer:ci`]).toEqual([
      pin(`${host}/acme/installer:ci-amd64`, 7),
    ]);
    const none = runScript(
      'merge-results.sh',
      {
        RESULTS_DIR: results(['amd64'], []),
        INSTALLER_REF: `${host}/acme/installer:ci`,
        PLATFORMS: 'linux/amd64,linux/arm64',
      },
      ['indexes'],
    );
    expect(none.status).toBe(1);
    expect(none.stdout).toContain(
      'no platform produced an installer (linux/amd64,linux/arm64): every installer leg failed or did not run',
    );
  });
});

describe('prepare-runner.sh', () => {
  function stubDocker(): { bin: string; log: string } {
    const bin = mkdtempSync(join(tmpdir(), 'docker-stub-'));
    const log = join(bin, 'calls');
    writeFileSync(
      join(bin, 'docker'),
      `#!/bin/sh
echo "$*" >> "${log}"
case "$*" in
  "system prune --all --force") exit 0 ;;
  "volume inspect "*) exit 1 ;;
  "volume create "*) exit 0 ;;
esac
echo "docker stub: unexpected call: $*" >&2
exit 99
`,
    );
    chmodSync(join(bin, 'docker'), 0o755);
    return { bin, log };
  }

  it('on a GitHub-hosted runner removes the unused toolchains, prunes Docker and says how much it freed', () => {
    const root = mkdtempSync(join(tmpdir(), 'prepare-root-'));
    for (const d of ['usr/share/dotnet', 'usr/local/lib/android', 'opt/ghc']) {
      mkdirSync(join(root, d), { recursive: true });
      writeFileSync(join(root, d, 'blob'), Buffer.alloc(4 << 20, 1));
    }
    mkdirSync(join(root, 'usr/bin'), { recursive: true });
    const docker = stubDocker();
    const r = runScript('prepare-runner.sh', {
      PATH: `${docker.bin}:${process.env.PATH ?? ''}`,
      PREPARE_ROOT: root,
      RUNNER_ENVIRONMENT: 'github-hosted',
    });
    expect(r.status).toBe(0);
    expect(
      ['usr/share/dotnet', 'usr/local/lib/android', 'opt/ghc'].map((d) =>
        existsSync(join(root, d)),
      ),
    ).toEqual([false, false, false]);
    expect(existsSync(join(root, 'usr/bin'))).toBe(true);
    expect(r.stdout).toContain('removing /usr/share/dotnet');
    expect(r.stdout).toMatch(/freed [0-9.]+[KMGT]?i?B on \//);
    expect(r.summary).toContain('### Disk');
    expect(readFileSync(docker.log, 'utf8')).toBe('system prune --all --force\n');
  });

  it('on any other runner removes nothing and only reports', () => {
    const root = mkdtempSync(join(tmpdir(), 'prepare-root-'));
    mkdirSync(join(root, 'usr/share/dotnet'), { recursive: true });
    const docker = stubDocker();
    const r = runScript('prepare-runner.sh', {
      PATH: `${docker.bin}:${process.env.PATH ?? ''}`,
      PREPARE_ROOT: root,
    });
    expect(r.status).toBe(0);
    expect(existsSync(join(root, 'usr/share/dotnet'))).toBe(true);
    expect(r.stdout).toContain(
      'not a GitHub-hosted runner (RUNNER_ENVIRONMENT=unset): nothing removed',
    );
    expect(existsSync(docker.log)).toBe(false);
  });

  it('binds the builder state volume to buildkit-data-root before buildx creates the builder', () => {
    const root = mkdtempSync(join(tmpdir(), 'prepare-root-'));
    const docker = stubDocker();
    const r = runScript('prepare-runner.sh', {
      PATH: `${docker.bin}:${process.env.PATH ?? ''}`,
      PREPARE_ROOT: root,
      PREPARE_DISK: 'false',
      BUILDKIT_DATA_ROOT: join(root, 'mnt', 'buildkit'),
      BUILDER_NAME: 'kmod-builder',
    });
    expect(r.status).toBe(0);
    expect(existsSync(join(root, 'mnt', 'buildkit'))).toBe(true);
    expect(readFileSync(docker.log, 'utf8').split('\n').filter(Boolean)).toEqual([
      'volume inspect buildx_buildkit_kmod-builder0_state',
      `volume create --driver local --opt type=none --opt o=bind --opt device=${join(root, 'mnt', 'buildkit')} buildx_buildkit_kmod-builder0_state`,
    ]);
  });
});
