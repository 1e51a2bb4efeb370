/**
 * Soak (issue 14): many pushes and many verifies through the fault proxy in front of a real
 * registry, one request in five failing in every way the proxy knows (error statuses, resets,
 * 429 with Retry-After, bodies cut short, lost upload sessions, silent and endless answers).
 * Each run ends with the right digest, or with a `UserError` that names the image; nothing is
 * reported pushed that the registry lacks, and no unclassified exception reaches the user.
 *
 * The faults come from a seeded generator, so a failure reproduces with the same seed. A run
 * that throws anything but a `UserError` fails the test with its stack; `SOAK_TRACE=<file>`
 * writes one line per run (outcome, time, memory, the faults it met) to dig into one.
 *
 * `SOAK_ITERATIONS` sets the number of pushes and of verifies: 25 each by default (about a
 * minute), 100 for the long soak the issue names (about five).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { appendFileSync } from 'node:fs';
import { createMemoryLogger, describeError, isUserError } from '@talos-kmod/common';
import {
  parseImageSpec,
  push,
  resolveDigest,
  type RegistryOptions,
  parseReference,
} from '@talos-kmod/oci';
import { verifyImage, type VerifyReport } from '@talos-kmod/pipeline';
import { startFaultProxy, type FaultKind, type FaultProxy } from '../support/fault-proxy';
import {
  extensionFiles,
  kernelImageFiles,
  newDir,
  pushLayout,
  writeOciLayout,
} from '../support/images';
import { makeBzImage } from '../support/kernel-images';
import { buildTestModule, kernelRelease, makeSigningKey, signModule } from '../support/modules';
import { startRegistry, type TestRegistry } from '../support/registry';

const iterations = Math.max(1, Number(process.env.SOAK_ITERATIONS ?? 25) || 25);
const seed = 14;

const allKinds: readonly FaultKind[] = [
  '503',
  'reset',
  '429',
  'cut',
  'lost-upload',
  '500',
  'silent',
  'endless',
  'endless-error',
];

/** Short deadlines and retry delays: a silent answer costs a second, not minutes. */
const registryOptions: RegistryOptions = {
  retry: { attempts: 6, minDelayMs: 5, maxDelayMs: 1500, maxElapsedMs: 30_000 },
  timeouts: { connectMs: 2000, requestMs: 1500, idleMs: 1500 },
};
const pushOptions = { ...registryOptions, chunkSize: 256 * 1024 };

let registry: TestRegistry;
let proxy: FaultProxy;
let layout: string;
let expectedDigest: string;
let kernelImage: string;
let extensionImage: string;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy(registry.host, { every: 0, kinds: ['503'] });
  const [module, key] = await Promise.all([
    buildTestModule({ name: 'soak_mod' }),
    makeSigningKey({ name: 'soak' }),
  ]);
  const signed = await signModule(module, key);
  const vmlinuz = makeBzImage({
    release: kernelRelease,
    certificates: [await readFile(key.certDerPath)],
  });
  const kernelLayout = await writeOciLayout(
    newDir('soak-kernel'),
    [{ layers: [kernelImageFiles({ kernelRelease, modules: [], vmlinuz })] }],
    'v1',
  );
  kernelImage = await pushLayout(kernelLayout, registry.host, 'soak/kernel', 'v1');
  layout = await writeOciLayout(
    newDir('soak-extension'),
    [
      {
        layers: [
          extensionFiles(
            { name: 'soak', version: '1.0.0', talos: '>= v1.9.0' },
            {
              kernelRelease,
              modules: [{ file: signed, at: 'extras/soak_mod.ko' }],
              rules: { '60-soak.rules': 'KERNEL=="soak*", MODE="0660"\n' },
              // incompressible: the layer spans several upload chunks, so faults land mid-upload
              firmware: { 'soak/blob.bin': randomBytes(1024 * 1024) },
            },
          ),
        ],
      },
    ],
    'v1',
  );
  extensionImage = await pushLayout(layout, registry.host, 'soak/extension', 'v1');
  expectedDigest = extensionImage.replace(/^.*@/, '');
}, 300_000);

afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
});

/** How a run ended: its result, or what it threw. */
type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Runs `run` once, noting the faults it met in the trace file when one is asked for. */
async function soakRun<T>(label: string, run: () => Promise<T>): Promise<Outcome<T>> {
  const started = Date.now();
  const seen = proxy.stats.log.length;
  let outcome: Outcome<T>;
  try {
    outcome = { ok: true, value: await run() };
  } catch (e: unknown) {
    outcome = { ok: false, error: e };
  }
  const traceFile = process.env.SOAK_TRACE;
  if (traceFile) {
    const faults = proxy.stats.log
      .slice(seen)
      .flatMap((l) => (l.fault ? [`${l.method} ${l.path} ${l.fault}`] : []));
    const heap = Math.round(process.memoryUsage().heapUsed / 1e6);
    const how = outcome.ok ? 'ok' : describeError(outcome.error);
    appendFileSync(
      traceFile,
      `${label} ${Date.now() - started}ms heap=${heap}MB ${how} faults=${faults.join('; ')}\n`,
    );
  }
  return outcome;
}

/** The runs that threw something other than a `UserError`, with their stacks. */
function unclassified(outcomes: Outcome<unknown>[]): string[] {
  return outcomes.flatMap((o, i) => {
    if (o.ok || isUserError(o.error)) return [];
    const e = o.error;
    return [`#${i}: ${e instanceof Error ? (e.stack ?? e.message) : describeError(e)}`];
  });
}

/** The messages of the runs that failed with a `UserError`. */
function userErrors(outcomes: Outcome<unknown>[]): string[] {
  return outcomes.flatMap((o) => (!o.ok && isUserError(o.error) ? [o.error.message] : []));
}

describe(`soak through a proxy failing one request in five (${iterations} runs each)`, () => {
  it('pushes end with the right digest or a UserError naming the registry, and the registry has every reported push', async () => {
    proxy.plan = { every: 5, kinds: allKinds, retryAfterSeconds: 1, seed };
    const failedBefore = proxy.stats.failed;
    const outcomes: Outcome<string>[] = [];
    for (let i = 0; i < iterations; i++) {
      // a repository each: every push uploads its blobs instead of finding them there
      const target = `${proxy.host}/soak/pushed-${i}:v1`;
      outcomes.push(
        await soakRun(
          `push ${i}`,
          async () =>
            (await push(parseImageSpec(`oci:${layout}`), parseReference(target), pushOptions))
              .digest,
        ),
      );
    }
    const injected = proxy.stats.failed - failedBefore;
    proxy.plan = { every: 0, kinds: [] };
    expect(unclassified(outcomes)).toEqual([]);
    for (const message of userErrors(outcomes)) expect(message).toContain(proxy.host);
    // straight to the registry, not through the proxy: every reported push really landed
    for (const [i, o] of outcomes.entries()) {
      if (!o.ok) continue;
      expect(o.value).toBe(expectedDigest);
      const landed = await resolveDigest(parseReference(`${registry.host}/soak/pushed-${i}:v1`));
      expect(landed.digest).toBe(expectedDigest);
    }
    expect(injected).toBeGreaterThan(iterations);
    // retries, resumes and restarts carry most runs through
    expect(outcomes.filter((o) => o.ok).length).toBeGreaterThan(iterations / 2);
  }, 600_000);

  it('verifies end with a passing report or a UserError naming the registry', async () => {
    proxy.plan = { every: 5, kinds: allKinds, retryAfterSeconds: 1, seed };
    const failedBefore = proxy.stats.failed;
    const image = `${proxy.host}/soak/extension:v1`;
    const kernel = kernelImage.replace(registry.host, proxy.host);
    const outcomes: Outcome<VerifyReport>[] = [];
    for (let i = 0; i < iterations; i++) {
      outcomes.push(
        await soakRun(`verify ${i}`, () =>
          verifyImage(
            {
              image,
              kernelImage: kernel,
              modules: ['soak_mod'],
              extensionName: 'soak',
              talosVersion: 'v1.11.0',
            },
            { logger: createMemoryLogger(), registry: registryOptions },
          ),
        ),
      );
    }
    const injected = proxy.stats.failed - failedBefore;
    proxy.plan = { every: 0, kinds: [] };
    expect(unclassified(outcomes)).toEqual([]);
    for (const message of userErrors(outcomes)) expect(message).toContain(proxy.host);
    for (const o of outcomes) {
      if (!o.ok) continue;
      expect(o.value.checks.filter((c) => c.status === 'fail')).toEqual([]);
      expect(o.value.passed).toBe(true);
    }
    expect(injected).toBeGreaterThan(iterations / 2);
    expect(outcomes.filter((o) => o.ok).length).toBeGreaterThan(iterations / 3);
  }, 600_000);
});
