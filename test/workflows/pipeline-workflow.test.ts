/**
 * The reusable pipeline workflow, run for real: `.github/workflows/kmod-pipeline.yml` is parsed by
 * GitHub's workflow parser, its expressions evaluated by `@actions/expressions`, and each of our
 * action steps runs its bundled `dist/index.cjs` the way the runner does, on the fixture pkgs,
 * extensions and talos repositories, the real Docker engine and a real registry. Third-party steps
 * (checkout, buildx, login) are played by handlers that check what they were given.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyImage } from '@talos-kmod/pipeline';
import { repoRoot } from '../support/action';
import { ensureDocker } from '../support/docker';
import { createFixtureRepo, createTalosCheckout, type FixtureRepo } from '../support/fixture-repos';
import { startRegistry, type TestRegistry } from '../support/registry';
import { loadWorkflow, runWorkflow, type WorkflowRun } from '../support/workflow-runner';

let registry: TestRegistry;
let work: string;
const repos: Record<string, FixtureRepo> = {};
let run: WorkflowRun;
const checkouts: Record<string, unknown>[] = [];
// The commit the caller's `uses: …/kmod-pipeline.yml@<ref>` resolved to: the jobs must run our
// actions from a checkout of exactly that commit, not from a floating tag.
const actionsRepository = 'talos-kmod/talos-kmod-actions';
const calledAt = 'c0ffee0000000000000000000000000000c0ffee';
const actionCheckouts: Record<string, string>[] = [];
const logins: Record<string, string>[] = [];

beforeAll(async () => {
  await ensureDocker();
  registry = await startRegistry();
  work = mkdtempSync(join(tmpdir(), 'wf-pipeline-'));
  repos['acme/pkgs'] = createFixtureRepo('pkgs');
  repos['acme/extensions'] = createFixtureRepo('extensions');
  repos['siderolabs/talos'] = createTalosCheckout();
  const workspace = join(work, 'workspace');
  const wf = await loadWorkflow(join(repoRoot, '.github', 'workflows', 'kmod-pipeline.yml'));
  run = await runWorkflow(wf, {
    workspace,
    github: { repository: 'acme/pkgs', repository_owner: 'Acme' },
    job: { workflow_repository: actionsRepository, workflow_sha: calledAt },
    inputs: {
      'pkgs-repository': 'acme/pkgs',
      'pkgs-ref': '',
      'extensions-repository': 'acme/extensions',
      'extensions-ref': '',
      'talos-repository': 'siderolabs/talos',
      'talos-ref': 'v1.11.0',
      'imager-image': '',
      'base-installer-image': '',
      package: 'hailort-pkg',
      extension: 'hailort',
      modules: 'hailo_pci',
      'talos-version': 'v1.11.0',
      registry: registry.host,
      username: '',
      platforms: '["linux/amd64"]',
      'installer-ref': `${registry.host}/acme/installer:ci`,
      'extra-kernel-args': 'console=ttyS0',
      'actions-ref': '',
    },
    env: {
      FIXTURE_BUILDKIT_CACHE: join(work, 'buildkit-cache'),
      FIXTURE_KBUILD_CACHE: join(work, 'kbuild-cache'),
      RUNNER_TOOL_CACHE: join(work, 'tool-cache'),
    },
    externalActions: {
      'actions/checkout': (inputs) => {
        if (inputs.repository === actionsRepository) {
          // Our own repository: its actions (action.yml and the committed bundles) at `ref`.
          actionCheckouts.push(inputs);
          if (inputs.ref !== calledAt) throw new Error(`actions checked out at '${inputs.ref}'`);
          for (const name of [
            'build-kernel-pkg',
            'build-extension',
            'build-installer',
            'verify-image',
          ]) {
            for (const file of ['action.yml', 'dist/index.cjs']) {
              cpSync(
                join(repoRoot, 'actions', name, file),
                join(workspace, inputs.path ?? '.', 'actions', name, file),
              );
            }
          }
          return {};
        }
        checkouts.push(inputs);
        const repo = repos[inputs.repository ?? ''];
        if (!repo) throw new Error(`checkout of unknown repository '${inputs.repository}'`);
        cpSync(repo.dir, join(workspace, inputs.path ?? '.'), { recursive: true });
        if (inputs.ref)
          execFileSync('git', ['checkout', '-q', inputs.ref], {
            cwd: join(workspace, inputs.path ?? '.'),
          });
        return {};
      },
      'docker/setup-buildx-action': (inputs) => {
        if (inputs['driver-opts'] !== 'network=host') {
          throw new Error('buildx must run on the host network to reach a loopback registry');
        }
        return {};
      },
      'docker/login-action': (inputs) => {
        logins.push(inputs);
        return {};
      },
    },
  });
}, 15 * 60_000);

afterAll(async () => {
  for (const r of Object.values(repos)) r.remove();
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const stepsOf = (job: string) => run.jobs[job]?.legs.flatMap((l) => l.steps) ?? [];

describe('kmod-pipeline.yml', () => {
  it('runs every job to success, passing pinned references through job outputs', () => {
    for (const job of ['kernel-pkg', 'extension', 'installer', 'verify']) {
      const failures = stepsOf(job)
        .filter((s) => s.outcome === 'failure')
        .map((s) => `${s.id}: ${s.action?.failure ?? ''}\n${s.action?.stdout.slice(-3000) ?? ''}`);
      expect({ job, failures }).toEqual({ job, failures: [] });
      expect(run.jobs[job]?.result).toBe('success');
    }
    const pinned = (name: string) =>
      new RegExp(`^${registry.host}/acme/${name}:[^@]+@sha256:[0-9a-f]{64}$`);
    expect(run.outputs['kernel-image']).toMatch(pinned('kernel'));
    expect(run.outputs['extension-image']).toMatch(pinned('hailort'));
    expect(run.outputs['installer-image']).toMatch(pinned('installer'));
    const pkgImages = JSON.parse(run.outputs['pkg-images'] ?? '{}') as Record<string, string>;
    expect(pkgImages['hailort-pkg']).toMatch(pinned('hailort-pkg'));
  });

  it('hands each step the previous step outputs, not values copied by hand', () => {
    const ext = stepsOf('extension').find((s) => s.id === 'build');
    const kernel = run.jobs['kernel-pkg']?.outputs ?? {};
    expect(ext?.inputs?.['pkgs-prefix']).toBe(`${registry.host}/acme`);
    expect(ext?.inputs?.['pkgs-tag']).toBe(kernel['pkgs-tag']);
    const inst = stepsOf('installer').find((s) => s.id === 'build');
    expect(inst?.inputs?.['kernel-image']).toBe(run.outputs['kernel-image']);
    expect(inst?.inputs?.['extension-images']).toBe(run.outputs['extension-image']);
    expect(inst?.inputs?.['talos-dir']).toBe('talos');
  });

  it('runs our actions from a checkout of this repository at the commit the workflow was called at', () => {
    // one checkout per job that uses our actions, sparse, without credentials
    expect(actionCheckouts.length).toBe(4);
    for (const c of actionCheckouts) {
      expect(c).toMatchObject({
        ref: calledAt,
        path: '.talos-kmod-actions',
        'sparse-checkout': 'actions',
        'persist-credentials': 'false',
      });
    }
    const ours = Object.values(run.jobs)
      .flatMap((j) => j.legs.flatMap((l) => l.steps))
      .filter((s) => s.kind === 'action');
    expect(ours.length).toBeGreaterThanOrEqual(5);
    expect(ours.every((s) => s.uses?.startsWith('./.talos-kmod-actions/actions/'))).toBe(true);
  });

  it('checks out with full history and logs in with the job token', () => {
    expect(checkouts.every((c) => c['fetch-depth'] === '0')).toBe(true);
    expect(logins.length).toBeGreaterThan(0);
    expect(
      logins.every((l) => l.username === 'Acme' && l.password === 'test-token-not-a-secret'),
    ).toBe(true);
  });

  it('verifies per platform in a matrix, and the published installer pulls back with skopeo', async () => {
    expect(run.jobs.verify?.legs.map((l) => l.matrix)).toEqual([{ platform: 'linux/amd64' }]);
    const installer = run.outputs['installer-image'] ?? '';
    const digest = installer.slice(installer.indexOf('@') + 1);
    const name = installer.slice(0, installer.lastIndexOf(':', installer.indexOf('@')));
    const raw = execFileSync(
      'skopeo',
      ['inspect', '--tls-verify=false', `docker://${name}@${digest}`],
      {
        encoding: 'utf8',
      },
    );
    expect((JSON.parse(raw) as { Digest: string }).Digest).toBe(digest);
    const report = await verifyImage({
      image: run.outputs['extension-image'] ?? '',
      kernelImage: run.outputs['kernel-image'] ?? '',
      modules: ['hailo_pci'],
    });
    expect(report.passed).toBe(true);
  });
});
