/**
 * The bundled verify-image action, run as the runner runs it, against real images in a real
 * registry: the good images pass; each broken image fails for exactly its reason, with an
 * annotation on the path, a job summary and a JSON report.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAction, type ActionRun } from '../support/action';
import { newDir } from '../support/images';
import { kernelRelease } from '../support/modules';
import { startRegistry, type TestRegistry } from '../support/registry';
import type { VerifyReport } from '@talos-kmod/pipeline';
import {
  buildFixtures,
  caseNames,
  type CaseInputs,
  type Fixtures,
  type VerifyCase,
} from './fixtures';

let registry: TestRegistry;
let fixtures: Fixtures;

beforeAll(async () => {
  registry = await startRegistry();
  fixtures = await buildFixtures(registry.host);
}, 600_000);

afterAll(async () => {
  await registry?.stop();
});

function inputs(image: string, i: CaseInputs, reportPath: string): Record<string, string> {
  return {
    image,
    'report-path': reportPath,
    ...(i.kernelImage ? { 'kernel-image': i.kernelImage } : {}),
    ...(i.kernelCert ? { 'kernel-cert': i.kernelCert } : {}),
    ...(i.kernelRelease ? { 'kernel-release': i.kernelRelease } : {}),
    ...(i.modules ? { modules: i.modules.join('\n') } : {}),
    ...(i.extensionName ? { 'extension-name': i.extensionName } : {}),
    ...(i.talosVersion ? { 'talos-version': i.talosVersion } : {}),
    ...(i.platform ? { platform: i.platform } : {}),
    ...(i.failOn ? { 'fail-on': i.failOn } : {}),
  };
}

async function verify(c: VerifyCase): Promise<{ run: ActionRun; report: VerifyReport }> {
  const reportPath = join(newDir('action-report'), 'report.json');
  const run = await runAction('verify-image', inputs(c.image, c.inputs, reportPath), {
    timeoutMs: 120_000,
  });
  expect(run.outputs.report).toBe(reportPath);
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as VerifyReport;
  return { run, report };
}

/** A workflow command property as @actions/core escaped it, unescaped. */
function unescapeProperty(s: string): string {
  return s
    .replace(/%2C/g, ',')
    .replace(/%3A/g, ':')
    .replace(/%0A/g, '\n')
    .replace(/%0D/g, '\r')
    .replace(/%25/g, '%');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function failingIds(report: VerifyReport): string[] {
  return [
    ...new Set(
      report.checks.filter((c) => c.status === 'fail' && c.severity !== 'info').map((c) => c.id),
    ),
  ].sort();
}

describe('verify-image action', () => {
  it('passes the good extension and reports its module, release and outputs', async () => {
    const c = fixtures.cases.find((x) => x.name === 'good extension') as VerifyCase;
    const { run, report } = await verify(c);
    expect(run.exitCode).toBe(0);
    expect(run.outputs.passed).toBe('true');
    expect(run.outputs['kernel-release']).toBe(kernelRelease);
    const modules = JSON.parse(run.outputs.modules ?? '[]') as {
      name: string;
      signed: boolean;
      signer: string;
      key: string;
      hash: string;
      vermagic: string;
    }[];
    expect(modules).toEqual([
      expect.objectContaining({
        name: 'hailo_pci',
        signed: true,
        signer: fixtures.key.signer,
        key: fixtures.key.serial,
        hash: 'sha512',
        vermagic: expect.stringMatching(new RegExp(`^${kernelRelease.replace(/\./g, '\\.')} `)),
      }),
    ]);
    expect(report.schemaVersion).toBe(1);
    expect(report.platforms).toEqual([
      expect.objectContaining({
        platform: 'linux/amd64',
        kind: 'extension',
        kernelRelease,
        moduleCount: 1,
        passed: true,
      }),
    ]);
    expect(failingIds(report)).toEqual([]);
    expect(run.summary).toContain('verify-image passed');
    expect(run.summary).toContain('| `hailo_pci` |');
    expect(run.errors).toEqual([]);
  }, 120_000);

  const failingCases = () => fixtures.cases.filter((c) => c.name !== 'good extension');
  it.each(caseNames.filter((n) => n !== 'good extension'))(
    '%s: the outcome names exactly its reason',
    async (name) => {
      const c = failingCases().find((x) => x.name === name);
      if (!c) throw new Error(`no fixture case ${name}`);
      const { run, report } = await verify(c);
      const passes = c.passes ?? c.failing.length === 0;
      expect(failingIds(report)).toEqual(c.failing);
      expect(run.outputs.passed).toBe(String(passes));
      expect(run.exitCode).toBe(passes ? 0 : 1);
      if (c.proof) expect(report.platforms.map((p) => p.proof)).toEqual([c.proof]);
      if (c.proof === 'certificate') {
        const fingerprint = report.platforms[0]?.certificates?.[0]?.sha256Fingerprint;
        expect(fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
        expect(run.summary).toContain(fingerprint);
        const verdicts = report.modules.map((m) => m.verdict);
        if (passes) expect(verdicts.every((v) => v === 'verified')).toBe(true);
      }
      if (passes) return;
      const failing = report.checks.filter((x) => x.status === 'fail' && c.failing.includes(x.id));
      if (c.messageContains)
        expect(failing.map((x) => x.message).join('\n')).toContain(c.messageContains);
      expect(run.failure).toContain(`${c.failing[0]}`);
      expect(run.summary).toContain('verify-image failed');
      if (c.platform) {
        expect(failing.every((x) => x.platform === c.platform)).toBe(true);
        expect(run.failure).toContain(`[${c.platform}]`);
        expect(report.platforms.filter((p) => !p.passed).map((p) => p.platform)).toEqual([
          c.platform,
        ]);
      }
      if (c.path) {
        expect(failing.map((x) => x.path)).toContain(c.path);
        // paths are inside the image: the title names them, never file= (GitHub would attach
        // the annotation to nothing)
        expect(run.errors.filter((e) => e.includes('file='))).toEqual([]);
        const titles = run.errors
          .filter((e) => e.startsWith('::error'))
          .map((e) => unescapeProperty(/title=([^,:]*)/.exec(e)?.[1] ?? ''));
        const expected = `${escapeRegExp(c.failing[0] ?? '')} \\([^)]+\\): ${escapeRegExp(c.path)}(:\\d+)?`;
        expect(titles).toContainEqual(expect.stringMatching(new RegExp(`^${expected}$`)));
      }
    },
    120_000,
  );

  it('fails before reading anything when an input is invalid', async () => {
    const run = await runAction('verify-image', {
      image: fixtures.kernelImage,
      'fail-on': 'sometimes',
    });
    expect(run.exitCode).toBe(1);
    expect(run.failure).toContain("input 'fail-on' is 'sometimes': use one of error, warning");
    expect(run.outputs).toEqual({});
  }, 60_000);

  it('names the inputs when credentials have no registry host or the PR comment no token', async () => {
    const credentials = await runAction('verify-image', {
      image: fixtures.goodExtensionDir,
      'registry-username': 'someone',
      'registry-password': 'secret-token',
    });
    expect(credentials.exitCode).toBe(1);
    expect(credentials.failure).toContain(
      `input 'registry-username' is set but image '${fixtures.goodExtensionDir}' is not in a registry: set input 'registry'`,
    );
    expect(credentials.outputs).toEqual({});
    const comment = await runAction('verify-image', {
      image: fixtures.goodExtensionDir,
      'pr-comment': 'true',
      'github-token': '',
    });
    expect(comment.exitCode).toBe(1);
    expect(comment.failure).toContain(
      "input 'pr-comment' is true but input 'github-token' is empty",
    );
    expect(comment.outputs).toEqual({});
  }, 60_000);
});
