/**
 * Every workflow file in .github/workflows (including the examples users copy) parses and validates
 * with GitHub's own workflow parser; every step that uses one of our actions passes only inputs the
 * action declares and every input it requires; third-party actions are pinned by commit SHA with a
 * version comment.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../support/action';
import { loadWorkflow } from '../support/workflow-runner';

function workflowFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? workflowFiles(join(dir, d.name))
      : /\.ya?ml$/.test(d.name)
        ? [join(dir, d.name)]
        : [],
  );
}

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}

const files = workflowFiles(join(repoRoot, '.github', 'workflows'));
const ourAction =
  /^(?:\.\/actions\/|\.\/\.talos-kmod-actions\/actions\/|[^/]+\/talos-kmod-actions\/actions\/)([a-z0-9-]+)(?:@.+)?$/;

function steps(file: string): Step[] {
  const doc = parse(readFileSync(file, 'utf8')) as { jobs?: Record<string, { steps?: Step[] }> };
  return Object.values(doc.jobs ?? {}).flatMap((j) => j.steps ?? []);
}

describe.each(files.map((f) => relative(repoRoot, f)))('%s', (rel) => {
  const file = join(repoRoot, rel);

  it('parses and validates with @actions/workflow-parser', async () => {
    await expect(loadWorkflow(file)).resolves.toBeDefined();
  });

  it('passes only declared inputs, and every required one, to our actions', () => {
    for (const step of steps(file)) {
      const name = step.uses ? ourAction.exec(step.uses)?.[1] : undefined;
      if (!name) continue;
      const specPath = join(repoRoot, 'actions', name, 'action.yml');
      expect(existsSync(specPath)).toBe(true);
      const spec = parse(readFileSync(specPath, 'utf8')) as {
        inputs?: Record<string, { required?: boolean; default?: unknown }>;
      };
      const declared = Object.keys(spec.inputs ?? {});
      const given = Object.keys(step.with ?? {});
      expect({ step: step.uses, unknown: given.filter((k) => !declared.includes(k)) }).toEqual({
        step: step.uses,
        unknown: [],
      });
      const required = Object.entries(spec.inputs ?? {})
        .filter(([, d]) => d.required && d.default === undefined)
        .map(([k]) => k);
      expect({ step: step.uses, missing: required.filter((k) => !given.includes(k)) }).toEqual({
        step: step.uses,
        missing: [],
      });
    }
  });

  it('pins third-party actions by commit SHA with a version comment', () => {
    const text = readFileSync(file, 'utf8');
    for (const line of text.split('\n')) {
      const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
      if (!m?.[1] || m[1].startsWith('./') || ourAction.test(m[1])) continue;
      if (m[1].includes('/.github/workflows/')) continue; // our reusable workflows, by tag
      expect({ uses: m[1], pinned: /@[0-9a-f]{40}$/.test(m[1]) }).toEqual({
        uses: m[1],
        pinned: true,
      });
      expect({ uses: m[1], comment: /#\s*v\d/.test(m[2] ?? '') }).toEqual({
        uses: m[1],
        comment: true,
      });
    }
  });
});

it('finds this repository CI workflow, the reusable workflows and the examples', () => {
  const names = files.map((f) => relative(join(repoRoot, '.github', 'workflows'), f)).sort();
  expect(names).toEqual(
    expect.arrayContaining([
      'ci.yml',
      'release.yml',
      'kmod-pipeline.yml',
      'kmod-pr-check.yml',
      'examples/release.yml',
      'examples/pr-check.yml',
      'examples/steps.yml',
    ]),
  );
});

it('gives this repository CI read-only contents permission by default', () => {
  const ci = parse(readFileSync(join(repoRoot, '.github', 'workflows', 'ci.yml'), 'utf8')) as {
    permissions?: Record<string, string>;
  };
  expect(ci.permissions).toEqual({ contents: 'read' });
});

it('keeps the PR check registry across runs: restored before it starts, saved only after a rebuild', () => {
  const wf = parse(
    readFileSync(join(repoRoot, '.github', 'workflows', 'kmod-pr-check.yml'), 'utf8'),
  ) as {
    jobs: Record<
      string,
      {
        services?: unknown;
        steps: {
          id?: string;
          uses?: string;
          run?: string;
          if?: string;
          with?: Record<string, string>;
          env?: Record<string, string>;
        }[];
      }
    >;
  };
  const job = wf.jobs.check;
  expect(job?.services).toBeUndefined(); // a service starts before any step could restore its storage
  const steps = job?.steps ?? [];
  const at = (pred: (s: (typeof steps)[number]) => boolean) => steps.findIndex(pred);
  const restore = at((s) => s.uses?.startsWith('actions/cache/restore@') ?? false);
  const start = at((s) => s.run?.includes('docker run -d --name kmod-registry') ?? false);
  const kernel = at((s) => s.id === 'kernel');
  const save = at((s) => s.uses?.startsWith('actions/cache/save@') ?? false);
  expect(restore).toBeGreaterThanOrEqual(0);
  expect([restore < start, start < kernel, kernel < save]).toEqual([true, true, true]);
  const dir = steps[restore]?.with?.path;
  expect(steps[save]?.with?.path).toBe(dir);
  expect(steps[start]?.env?.REGISTRY_DIR).toBe(dir);
  expect(steps[start]?.run).toContain('-v "$REGISTRY_DIR:/var/lib/registry"');
  expect(steps[save]?.with?.key).toBe(steps[restore]?.with?.key);
  expect(steps[restore]?.with?.['restore-keys']).toBe(
    (steps[restore]?.with?.key ?? '').replace(/\$\{\{ github\.run_id \}\}$/, ''),
  );
  expect(steps[save]?.if).toContain("steps.kernel.outputs.cache-hit != 'true'");
  // build-kernel-pkg keeps its result cache on (the default) so a restored registry is used
  expect(steps[kernel]?.with?.cache).toBeUndefined();
});

it('releases only after the checks and check-dist pass, and attaches the packed CLI with the CHANGELOG notes', () => {
  const wf = parse(readFileSync(join(repoRoot, '.github', 'workflows', 'release.yml'), 'utf8')) as {
    on: { workflow_dispatch?: { inputs?: Record<string, { required?: boolean }> } };
    jobs: Record<string, { steps: { run?: string; env?: Record<string, string> }[] }>;
  };
  expect(wf.on.workflow_dispatch?.inputs?.version?.required).toBe(true);
  const runs = (wf.jobs.release?.steps ?? []).map((s) => s.run ?? '');
  const at = (text: string) => runs.findIndex((r) => r.includes(text));
  const order = [
    '.ci/run',
    'npm run check-dist',
    'npm run pack:cli',
    'npm run release',
    'gh release create',
  ].map(at);
  expect(order.every((i) => i >= 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
  const publish = wf.jobs.release?.steps[order[4] ?? 0];
  expect(publish?.run).toContain('--notes-file "$NOTES"');
  expect(publish?.run).toContain('"$ASSETS/talos-kmod-cli.tgz"');
  expect(runs[order[3] ?? 0]).toContain('--notes-file "$NOTES"');
});

it("builds the installer in the PR check from the pull request's kernel and extension, verified before the push and after", () => {
  const wf = parse(
    readFileSync(join(repoRoot, '.github', 'workflows', 'kmod-pr-check.yml'), 'utf8'),
  ) as {
    on: { workflow_call: { inputs: Record<string, { default?: unknown }> } };
    jobs: Record<
      string,
      { steps: { id?: string; uses?: string; if?: string; with?: Record<string, string> }[] }
    >;
  };
  expect(wf.on.workflow_call.inputs.installer?.default).toBe(true);
  const steps = wf.jobs.check?.steps ?? [];
  const at = (pred: (s: (typeof steps)[number]) => boolean) => steps.findIndex(pred);
  const talos = at((s) => s.with?.path === 'talos');
  const extension = at((s) => s.id === 'extension');
  const installer = at((s) => s.id === 'installer');
  const verify = at(
    (s) =>
      (s.uses ?? '').endsWith('/actions/verify-image') &&
      s.with?.image === '${{ steps.installer.outputs.installer-image }}',
  );
  expect([talos >= 0, talos < extension, extension < installer, installer < verify]).toEqual([
    true,
    true,
    true,
    true,
  ]);
  expect(steps[installer]?.with).toMatchObject({
    'talos-dir': 'talos',
    'kernel-image': '${{ steps.kernel.outputs.kernel-image }}',
    'extension-images': '${{ steps.extension.outputs.extension-image }}',
    registry: 'localhost:5000',
  });
  // build-installer verifies before it pushes unless told otherwise
  expect(steps[installer]?.with?.['verify-installer']).toBeUndefined();
  expect(steps[verify]?.with).toMatchObject({
    'kernel-image': '${{ steps.kernel.outputs.kernel-image }}',
    extensions: '${{ steps.extension.outputs.extension-image }}',
  });
  expect(String(steps[verify]?.with?.['pr-comment'])).toBe('true');
  for (const i of [talos, installer, verify]) expect(steps[i]?.if).toBe('${{ inputs.installer }}');
});
