/**
 * A pkgs or extensions fork inherits Sidero's kres-generated CI workflows. In siderolabs/pkgs at
 * 28f5f23 (.github/workflows/ci.yaml, weekly.yaml) the build jobs run on `runs-on: group: pkgs`
 * and build on remote BuildKit endpoints inside Sidero's cluster
 * (`tcp://buildkit-amd64.ci.svc.cluster.local:1234`); `slack-notify.yaml` runs on
 * `group: generic`. A fork has neither, so those jobs wait for a runner forever. This finds them,
 * so new-module and check-wiring can say which file to disable.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';

/** One inherited workflow job that cannot run in a fork. */
export interface InheritedCiJob {
  /** The workflow file, relative to the checkout (`.github/workflows/ci.yaml`). */
  readonly file: string;
  /** 1-based line of its runner group, when found. */
  readonly line?: number;
  readonly job: string;
  /** The runner group it asks for (`pkgs`). */
  readonly group?: string;
  /** BuildKit endpoints inside a Kubernetes cluster it builds on. */
  readonly clusterEndpoints: readonly string[];
  /** One line: what is wrong and what to do. */
  readonly message: string;
}

const maxWorkflowBytes = 1 << 20;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Job {
  'runs-on'?: unknown;
  steps?: { with?: Record<string, unknown> }[];
}

function endpointsOf(job: Job): string[] {
  const found = new Set<string>();
  for (const step of job.steps ?? []) {
    for (const value of Object.values(step.with ?? {})) {
      if (typeof value !== 'string') continue;
      for (const m of value.matchAll(/tcp:\/\/[\w.-]+\.svc\.cluster\.local(?::\d+)?/g)) {
        found.add(m[0]);
      }
    }
  }
  return [...found];
}

/** The jobs of `<dir>/.github/workflows/*.y(a)ml` that need Sidero's runner groups or cluster. */
export async function findInheritedCi(dir: string): Promise<InheritedCiJob[]> {
  const workflows = join(dir, '.github', 'workflows');
  let names: string[];
  try {
    names = (await readdir(workflows)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch {
    return [];
  }
  const found: InheritedCiJob[] = [];
  for (const name of names) {
    const file = `.github/workflows/${name}`;
    const text = await readFile(join(workflows, name), 'utf8').catch(() => '');
    if (text.length === 0 || text.length > maxWorkflowBytes) continue;
    let doc: { jobs?: Record<string, Job> } | undefined;
    try {
      doc = parse(text) as typeof doc;
    } catch {
      continue;
    }
    for (const [job, spec] of Object.entries(doc?.jobs ?? {})) {
      const runsOn = spec['runs-on'];
      const group =
        runsOn && typeof runsOn === 'object' && !Array.isArray(runsOn)
          ? (runsOn as { group?: unknown }).group
          : undefined;
      const clusterEndpoints = endpointsOf(spec);
      if (typeof group !== 'string' && clusterEndpoints.length === 0) continue;
      const index = text
        .split('\n')
        .findIndex(
          (l) =>
            typeof group === 'string' &&
            new RegExp(`^\\s*group:\\s*['"]?${escapeRegExp(group)}['"]?\\s*$`).test(l),
        );
      const needs = [
        ...(typeof group === 'string' ? [`runner group '${group}'`] : []),
        ...(clusterEndpoints.length > 0 ? [`BuildKit at ${clusterEndpoints.join(', ')}`] : []),
      ].join(' and ');
      found.push({
        file,
        ...(index >= 0 ? { line: index + 1 } : {}),
        job,
        ...(typeof group === 'string' ? { group } : {}),
        clusterEndpoints,
        message: `job '${job}' needs ${needs}, which only Sidero's own CI has: in a fork it waits for a runner that never comes; disable the workflow (Actions → the workflow → Disable workflow) or delete ${file}, and build with talos-kmod's workflows (kmod-pipeline.yml, kmod-pr-check.yml)`,
      });
    }
  }
  return found;
}
