/**
 * The reusable pipeline workflow, run for real: `.github/workflows/kmod-pipeline.yml` is parsed by
 * GitHub's workflow parser, its expressions evaluated by `@actions/expressions`, its `run:` steps
 * (scripts/ci) run by bash, and each of our action steps runs its bundled `dist/index.cjs` the way
 * the runner does, on the fixture pkgs, extensions and talos repositories, the real Docker engine
 * and a real registry: one job per platform, then the merge into multi-platform indexes and the
 * verification of every platform. Third-party steps (checkout, buildx, login, artifacts) are played
 * by handlers that check what they were given.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyImage } from '@talos-kmod/pipeline';
import { repoRoot } from '../support/action';
import { ensureDocker } from '../support/docker';
import { createFixtureRepo, createTalosCheckout, type FixtureRepo } from '../support/fixture-repos';
import type { JsonValue } from '../support/expressions';
import { startRegistry, type TestRegistry } from '../support/registry';
import {
  loadWorkflow,
  runWorkflow,
  StepFailure,
  type ExternalActionHandler,
  type WorkflowRun,
} from '../support/workflow-runner';

let registry: TestRegistry;
let work: string;
const repos: Record<string, FixtureRepo> = {};
// The commit the caller's `uses: …/kmod-pipeline.yml@<ref>` resolved to: the jobs must run our
// actions from a checkout of exactly that commit, not from a floating tag.
const actionsRepository = 'talos-kmod/talos-kmod-actions';
const calledAt = 'c0ffee0000000000000000000000000000c0ffee';

/** What the third-party handlers saw during one run. */
interface Seen {
  checkouts: Record<string, string>[];
  actionCheckouts: Record<string, string>[];
  logins: Record<string, string>[];
  builders: Record<string, string>[];
  uploads: string[];
}

/**
 * Runs kmod-pipeline.yml with the fixtures. `failCheckout` makes the named platform's pkgs
 * checkout fail, as a broken leg would.
 */
async function runPipeline(
  name: string,
  inputs: Record<string, JsonValue>,
  failCheckout?: { platform: string },
): Promise<{ run: WorkflowRun; seen: Seen }> {
  const root = join(work, name);
  const workspace = join(root, 'workspace');
  const artifacts = join(root, 'artifacts');
  mkdirSync(artifacts, { recursive: true });
  const seen: Seen = { checkouts: [], actionCheckouts: [], logins: [], builders: [], uploads: [] };
  const checkout: ExternalActionHandler = (w, ctx) => {
    if (w.repository === actionsRepository) {
      // Our own repository: its actions (action.yml and the committed bundles) and scripts/ci.
      seen.actionCheckouts.push(w);
      if (w.ref !== calledAt) throw new Error(`actions checked out at '${w.ref}'`);
      const dest = join(workspace, w.path ?? '.');
      for (const action of readdirSync(join(repoRoot, 'actions'))) {
        if (!existsSync(join(repoRoot, 'actions', action, 'action.yml'))) continue;
        for (const file of ['action.yml', 'dist/index.cjs']) {
          cpSync(join(repoRoot, 'actions', action, file), join(dest, 'actions', action, file));
        }
      }
      cpSync(join(repoRoot, 'scripts', 'ci'), join(dest, 'scripts', 'ci'), { recursive: true });
      return {};
    }
    seen.checkouts.push(w);
    const platform = (ctx.matrix as Record<string, string> | undefined)?.platform;
    if (failCheckout && w.path === 'pkgs' && platform === failCheckout.platform) {
      throw new StepFailure(`checkout of ${w.repository} failed on ${platform}`);
    }
    const repo = repos[w.repository ?? ''];
    if (!repo) throw new Error(`checkout of unknown repository '${w.repository}'`);
    cpSync(repo.dir, join(workspace, w.path ?? '.'), { recursive: true });
    if (w.ref)
      execFileSync('git', ['checkout', '-q', w.ref], { cwd: join(workspace, w.path ?? '.') });
    return {};
  };
  // actions/upload-artifact v4: a name is written once per run; download-artifact by name (a
  // missing one fails the step) or by pattern, merged into one directory.
  const upload: ExternalActionHandler = (w) => {
    const name = w.name ?? '';
    if (seen.uploads.includes(name)) throw new Error(`artifact '${name}' uploaded twice`);
    seen.uploads.push(name);
    cpSync(w.path ?? '', join(artifacts, name), { recursive: true });
    return {};
  };
  const download: ExternalActionHandler = (w) => {
    const dest = w.path ?? '.';
    mkdirSync(dest, { recursive: true });
    if (w.name) {
      if (!existsSync(join(artifacts, w.name))) {
        throw new StepFailure(
          `Unable to download artifact(s): Artifact not found for name: ${w.name}`,
        );
      }
      cpSync(join(artifacts, w.name), dest, { recursive: true });
      return {};
    }
    if (w['merge-multiple'] !== 'true') throw new Error('pattern downloads here merge their files');
    const pattern = new RegExp(
      `^${(w.pattern ?? '*').replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`,
    );
    for (const a of readdirSync(artifacts).filter((n) => pattern.test(n))) {
      cpSync(join(artifacts, a), dest, { recursive: true });
    }
    return {};
  };
  const wf = await loadWorkflow(join(repoRoot, '.github', 'workflows', 'kmod-pipeline.yml'));
  const run = await runWorkflow(wf, {
    workspace,
    github: { repository: 'acme/pkgs', repository_owner: 'Acme' },
    job: { workflow_repository: actionsRepository, workflow_sha: calledAt },
    inputs: {
      'pkgs-repository': 'acme/pkgs',
      'extensions-repository': 'acme/extensions',
      'talos-ref': 'v1.11.0',
      package: 'hailort-pkg',
      extension: 'hailort',
      modules: 'hailo_pci',
      'talos-version': 'v1.11.0',
      registry: registry.host,
      'extra-kernel-args': 'console=ttyS0',
      ...inputs,
    },
    env: {
      FIXTURE_BUILDKIT_CACHE: join(work, 'buildkit-cache'),
      FIXTURE_KBUILD_CACHE: join(work, 'kbuild-cache'),
      RUNNER_TOOL_CACHE: join(work, 'tool-cache'),
    },
    externalActions: {
      'actions/checkout': checkout,
      'actions/upload-artifact': upload,
      'actions/download-artifact': download,
      'docker/setup-buildx-action': (w) => {
        seen.builders.push(w);
        if (w.driver !== 'docker-container' || w['driver-opts'] !== 'network=host') {
          throw new Error('buildx must run on the host network to reach a loopback registry');
        }
        return {};
      },
      'docker/login-action': (w) => {
        seen.logins.push(w);
        return {};
      },
    },
  });
  return { run, seen };
}

const stepsOf = (run: WorkflowRun, job: string) =>
  run.jobs[job]?.legs.flatMap((l) => l.steps) ?? [];

function failuresOf(run: WorkflowRun, job: string) {
  return stepsOf(run, job)
    .filter((s) => s.outcome === 'failure')
    .map((s) => `${s.id}: ${s.action?.failure ?? ''}\n${s.action?.stdout.slice(-3000) ?? ''}`);
}

beforeAll(async () => {
  await ensureDocker();
  registry = await startRegistry();
  work = mkdtempSync(join(tmpdir(), 'wf-pipeline-'));
  repos['acme/pkgs'] = createFixtureRepo('pkgs');
  repos['acme/extensions'] = createFixtureRepo('extensions');
  // the forks keep their module on the release branch talos-version pairs with
  repos['acme/pkgs'].git('branch', 'release-1.11');
  repos['acme/extensions'].git('branch', 'release-1.11');
  repos['siderolabs/talos'] = createTalosCheckout();
}, 120_000);

afterAll(async () => {
  for (const r of Object.values(repos)) r.remove();
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

// skopeo takes a tag or a digest, not both
const skopeoRaw = (ref: string) =>
  JSON.parse(
    execFileSync(
      'skopeo',
      ['inspect', '--raw', '--tls-verify=false', `docker://${ref.replace(/:[^/:@]+@/, '@')}`],
      {
        encoding: 'utf8',
      },
    ),
  ) as { mediaType?: string; manifests?: { digest: string; platform: { architecture: string } }[] };

const both = ['linux/amd64', 'linux/arm64'];

describe('kmod-pipeline.yml on amd64 and arm64', () => {
  let run: WorkflowRun;
  let seen: Seen;
  beforeAll(async () => {
    ({ run, seen } = await runPipeline('both', {
      platforms: JSON.stringify(both),
      'installer-ref': `${registry.host}/acme/installer:ci`,
    }));
  }, 30 * 60_000);

  it('runs every job to success, passing pinned references through job outputs', () => {
    for (const job of ['plan', 'kernel-pkg', 'extension', 'installer', 'merge', 'verify']) {
      expect({ job, failures: failuresOf(run, job) }).toEqual({ job, failures: [] });
      expect(run.jobs[job]?.result).toBe('success');
    }
    const pinned = (name: string) =>
      new RegExp(`^${registry.host}/acme/${name}:[^@]+@sha256:[0-9a-f]{64}$`);
    expect(run.outputs['kernel-image']).toMatch(pinned('kernel'));
    expect(run.outputs['extension-image']).toMatch(pinned('hailort'));
    expect(run.outputs['installer-image']).toMatch(pinned('installer'));
    expect(run.outputs['installer-image']).toMatch(
      new RegExp(`^${registry.host}/acme/installer:ci@`),
    );
    const pkgImages = JSON.parse(run.outputs['pkg-images'] ?? '{}') as Record<string, string>;
    expect(pkgImages['hailort-pkg']).toMatch(pinned('hailort-pkg'));
    expect(JSON.parse(run.outputs['extension-images'] ?? '{}')).toEqual({
      hailort: run.outputs['extension-image'],
    });
  });

  it('builds each platform on its native runner under a per-platform tag, and merges under the plain tag', () => {
    for (const job of ['kernel-pkg', 'extension', 'installer']) {
      expect(run.jobs[job]?.legs.map((l) => [l.matrix.platform, l.runsOn])).toEqual([
        ['linux/amd64', 'ubuntu-24.04'],
        ['linux/arm64', 'ubuntu-24.04-arm'],
      ]);
    }
    expect(run.jobs['kernel-pkg']?.legs[0]?.timeoutMinutes).toBe(360);
    expect(run.jobs.merge?.legs[0]?.runsOn).toBe('ubuntu-24.04');
    const builds = stepsOf(run, 'kernel-pkg').filter((s) => s.id === 'build');
    const tags = builds.map((b) => b.inputs?.tag ?? '');
    const plain = (tags[0] ?? '').replace(/-amd64$/, '');
    expect(tags).toEqual([`${plain}-amd64`, `${plain}-arm64`]);
    builds.forEach((b, i) => {
      expect(b.outputs['kernel-image']).toContain(`/acme/kernel:${tags[i]}@`);
    });
    expect(run.outputs['kernel-image']).toContain(`/acme/kernel:${plain}@`);
  });

  it('hands each platform the same platform outputs of the previous job, not values copied by hand', () => {
    const legBuild = (job: string, i: number) =>
      run.jobs[job]?.legs[i]?.steps.find((s) => s.id === 'build');
    ['amd64', 'arm64'].forEach((arch, i) => {
      const kernel = legBuild('kernel-pkg', i);
      const ext = legBuild('extension', i);
      const inst = legBuild('installer', i);
      expect(ext?.inputs?.platforms).toBe(`linux/${arch}`);
      expect(ext?.inputs?.['pkgs-prefix']).toBe(`${registry.host}/acme`);
      expect(ext?.inputs?.['pkgs-tag']).toBe(kernel?.outputs['pkgs-tag']);
      expect(inst?.inputs?.['kernel-image']).toBe(kernel?.outputs['kernel-image']);
      expect(inst?.inputs?.['extension-images']).toBe(ext?.outputs['extension-image']);
      expect(inst?.inputs?.['talos-dir']).toBe('talos');
      expect(inst?.inputs?.tag).toBe(`v1.11.0-${arch}`);
      expect(inst?.inputs?.['installer-ref']).toBe(`${registry.host}/acme/installer:ci-${arch}`);
    });
    const verify = stepsOf(run, 'verify').find((s) => s.kind === 'action');
    expect(verify?.inputs?.image).toBe(run.outputs['installer-image']);
    expect(verify?.inputs?.['kernel-image']).toBe(run.outputs['kernel-image']);
  });

  it('runs our actions from a checkout of this repository at the commit the workflow was called at', () => {
    // one checkout per job leg, sparse (actions and scripts/ci), without credentials
    expect(seen.actionCheckouts.length).toBe(9);
    for (const c of seen.actionCheckouts) {
      expect(c).toMatchObject({
        ref: calledAt,
        path: '.talos-kmod-actions',
        'sparse-checkout': 'actions\nscripts/ci\n',
        'persist-credentials': 'false',
      });
    }
    const ours = Object.values(run.jobs)
      .flatMap((j) => j.legs.flatMap((l) => l.steps))
      .filter((s) => s.kind === 'action');
    expect(ours.length).toBeGreaterThanOrEqual(6);
    expect(ours.every((s) => s.uses?.startsWith('./.talos-kmod-actions/actions/'))).toBe(true);
  });

  it('checks out with full history, logs in with the job token and names its builder', () => {
    expect(seen.checkouts.every((c) => c['fetch-depth'] === '0')).toBe(true);
    // no pkgs-ref or extensions-ref given: talos-version v1.11.0 pairs them with release-1.11
    expect(
      seen.checkouts.filter((c) => c.path === 'pkgs' || c.path === 'extensions').map((c) => c.ref),
    ).toEqual(expect.arrayContaining(['release-1.11']));
    expect(
      seen.checkouts
        .filter((c) => c.path === 'pkgs' || c.path === 'extensions')
        .every((c) => c.ref === 'release-1.11'),
    ).toBe(true);
    expect(seen.logins.length).toBeGreaterThan(0);
    expect(
      seen.logins.every((l) => l.username === 'Acme' && l.password === 'test-token-not-a-secret'),
    ).toBe(true);
    expect(seen.builders.every((b) => b.name === 'kmod-builder' && b.endpoint === '')).toBe(true);
    expect(seen.uploads.sort()).toEqual([
      'kmod-extension-amd64-hailort',
      'kmod-extension-arm64-hailort',
      'kmod-installer-amd64',
      'kmod-installer-arm64',
      'kmod-kernel-amd64',
      'kmod-kernel-arm64',
    ]);
  });

  it('prepares the disk on every build job, and here (not GitHub-hosted) only reports', () => {
    for (const job of ['kernel-pkg', 'extension', 'installer']) {
      const prep = stepsOf(run, job)[1];
      expect(prep).toMatchObject({ kind: 'run', outcome: 'success' });
    }
  });

  it('publishes multi-platform indexes that skopeo reads, for every image', () => {
    const pkgImages = JSON.parse(run.outputs['pkg-images'] ?? '{}') as Record<string, string>;
    for (const ref of [
      run.outputs['installer-image'],
      run.outputs['kernel-image'],
      run.outputs['extension-image'],
      pkgImages['hailort-pkg'],
    ]) {
      const index = skopeoRaw(ref ?? '');
      expect({ ref, mediaType: index.mediaType }).toEqual({
        ref,
        mediaType: expect.stringMatching(/index|list/),
      });
      expect(index.manifests?.map((m) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
    }
  });

  it('verifies every platform against its own kernel: each platform signed by its own key', async () => {
    const verify = stepsOf(run, 'verify').find((s) => s.kind === 'action');
    expect(verify?.outcome).toBe('success');
    expect(verify?.action?.stdout).toContain('Verify linux/arm64');
    const report = await verifyImage({
      image: run.outputs['extension-image'] ?? '',
      kernelImage: run.outputs['kernel-image'] ?? '',
      modules: ['hailo_pci'],
    });
    expect(report.passed).toBe(true);
    expect(report.platforms.map((p) => p.platform)).toEqual(both);
    const keys = both.map((p) => report.modules.find((m) => m.platform === p)?.key);
    expect(keys.every(Boolean)).toBe(true);
    expect(keys[0]).not.toBe(keys[1]); // two kernel builds, two throw-away keys
  });
});

describe('kmod-pipeline.yml when one platform fails', () => {
  let run: WorkflowRun;
  beforeAll(async () => {
    ({ run } = await runPipeline(
      'arm64-fails',
      {
        platforms: JSON.stringify(both),
        'installer-ref': `${registry.host}/acme/installer:broken`,
      },
      { platform: 'linux/arm64' },
    ));
  }, 30 * 60_000);

  it('builds the other platform, then fails the merge naming the missing platform', () => {
    expect(run.jobs['kernel-pkg']?.legs.map((l) => l.result)).toEqual(['success', 'failure']);
    expect(run.jobs.installer?.legs.map((l) => l.result)).toEqual(['success', 'failure']);
    expect(run.jobs.merge?.result).toBe('failure');
    const merge = stepsOf(run, 'merge').find((s) => s.id === 'merge');
    expect(merge?.outcome).toBe('failure');
    expect(merge?.action?.failure).toContain(
      `${registry.host}/acme/installer:broken: no linux/arm64 image among the sources (linux/amd64)`,
    );
    expect(merge?.action?.failure).toMatch(/4 of 4 indexes could not be created/);
    expect(run.jobs.verify?.result).toBe('skipped');
    expect(run.outputs['installer-image']).toBe('');
  });
});
