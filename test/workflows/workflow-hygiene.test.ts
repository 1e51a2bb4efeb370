/**
 * Scans every workflow (this repository's CI, the reusable workflows, the examples users copy) and
 * every action.yml for the habits that keep pull request code and expression values from becoming
 * commands:
 *
 * - `${{ … }}` never inside a `run:` script: the runner splices the value into the script before
 *   the shell reads it, so a branch name or image reference with `"; curl …` runs. Values reach
 *   scripts through `env:` (GitHub's "Security hardening for GitHub Actions", script injection).
 * - `actions/checkout` with `persist-credentials: false`: otherwise the job token stays in
 *   `.git/config`, readable by every Makefile and build step that runs the checked-out code. Only a
 *   job granted `contents: write` (the release job, which pushes tags with git) may keep it.
 * - service container images pinned by digest (`registry:2@sha256:…`), as actions are by SHA.
 *
 * Each rule is also run on a planted bad workflow, so a scanner that sees nothing fails here.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../support/action';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: Record<string, string> | string;
  steps?: Step[];
  services?: Record<string, { image?: string }>;
}
interface Doc {
  jobs?: Record<string, Job>;
  runs?: { steps?: Step[] };
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? yamlFiles(join(dir, d.name))
      : /\.ya?ml$/.test(d.name)
        ? [join(dir, d.name)]
        : [],
  );
}

const workflows = yamlFiles(join(repoRoot, '.github', 'workflows'));
const actionFiles = readdirSync(join(repoRoot, 'actions'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => join(repoRoot, 'actions', d.name, 'action.yml'))
  .filter((f) => {
    try {
      readFileSync(f);
      return true;
    } catch {
      return false;
    }
  });

function stepsOf(doc: Doc): { where: string; step: Step }[] {
  return [
    ...Object.entries(doc.jobs ?? {}).flatMap(([job, j]) =>
      (j.steps ?? []).map((step, i) => ({ where: `jobs.${job}.steps[${i}]`, step })),
    ),
    ...(doc.runs?.steps ?? []).map((step, i) => ({ where: `runs.steps[${i}]`, step })),
  ];
}

/** Steps whose `run:` script holds an expression. */
export function expressionsInRun(doc: Doc): string[] {
  return stepsOf(doc)
    .filter(({ step }) => typeof step.run === 'string' && step.run.includes('${{'))
    .map(({ where }) => where);
}

/** `actions/checkout` steps that keep the token in the checkout, outside jobs that push with git. */
export function checkoutsKeepingCredentials(doc: Doc): string[] {
  const pushing = (job: string) => {
    const p = doc.jobs?.[job]?.permissions;
    return p === 'write-all' || (typeof p === 'object' && p.contents === 'write');
  };
  return stepsOf(doc)
    .filter(({ where }) => !pushing(/^jobs\.([^.]+)\./.exec(where)?.[1] ?? ''))
    .filter(({ step }) => /^actions\/checkout@/.test(step.uses ?? ''))
    .filter(({ step }) => String(step.with?.['persist-credentials']) !== 'false')
    .map(({ where }) => where);
}

/** Service containers whose image is not pinned by digest. */
export function unpinnedServices(doc: Doc): string[] {
  return Object.entries(doc.jobs ?? {}).flatMap(([job, j]) =>
    Object.entries(j.services ?? {})
      .filter(([, s]) => !/@sha256:[0-9a-f]{64}$/.test(s.image ?? ''))
      .map(([name, s]) => `jobs.${job}.services.${name}: ${s.image ?? '(no image)'}`),
  );
}

const load = (file: string) => parse(readFileSync(file, 'utf8')) as Doc;

it('finds the workflows and actions it scans', () => {
  expect(workflows.map((f) => relative(repoRoot, f))).toEqual(
    expect.arrayContaining([
      '.github/workflows/ci.yml',
      '.github/workflows/kmod-pr-check.yml',
      '.github/workflows/kmod-pipeline.yml',
    ]),
  );
  expect(actionFiles.length).toBeGreaterThanOrEqual(4);
});

describe.each([...workflows, ...actionFiles].map((f) => relative(repoRoot, f)))('%s', (rel) => {
  const doc = load(join(repoRoot, rel));

  it('passes expressions to run: scripts only through env:', () => {
    expect(expressionsInRun(doc)).toEqual([]);
  });

  it('checks out without persisting the token', () => {
    expect(checkoutsKeepingCredentials(doc)).toEqual([]);
  });

  it('pins service images by digest', () => {
    expect(unpinnedServices(doc)).toEqual([]);
  });
});

describe('the scanner', () => {
  const planted = parse(`
jobs:
  bad:
    services:
      registry:
        image: registry:2
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
      - run: echo "\${{ github.head_ref }}"
  good:
    services:
      registry:
        image: registry:2@sha256:a3d8aaa63ed8681a604f1dea0aa03f100d5895b6a58ace528858a7b332415373
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with: { persist-credentials: false }
      - env: { REF: "\${{ github.head_ref }}" }
        run: echo "$REF"
  release:
    permissions: { contents: write }
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
`) as Doc;

  it('catches each planted mistake and nothing in the good job', () => {
    expect(expressionsInRun(planted)).toEqual(['jobs.bad.steps[1]']);
    expect(checkoutsKeepingCredentials(planted)).toEqual(['jobs.bad.steps[0]']);
    expect(unpinnedServices(planted)).toEqual(['jobs.bad.services.registry: registry:2']);
  });
});
