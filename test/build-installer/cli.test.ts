/**
 * `talos-kmod build-installer` through runCli: results on stdout, progress on stderr, exit codes
 * 0 / 1 (failed) / 2 (usage), against a real registry and Docker engine.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { rmSync } from 'node:fs';
import { runCli } from '@talos-kmod/cli';
import { ensureDocker } from '../support/docker';
import { startRegistry, type TestRegistry } from '../support/registry';
import {
  makeFixtureImager,
  prepareTalosCheckout,
  pushExtensionImage,
  pushKernelImage,
  skopeoInspect,
} from './images';
import { captureIo } from '../support/cli';

jest.setTimeout(5 * 60_000);

const ownerIo = () => captureIo({ env: { GITHUB_REPOSITORY_OWNER: 'Example-Owner' } });

let registry: TestRegistry;
let checkout: string;
let built: { installerBase: string; imager: string };

beforeAll(async () => {
  await ensureDocker();
  registry = await startRegistry();
  const prefix = `${registry.host}/example-owner`;
  await pushKernelImage(`${prefix}/kernel:k1`, ['amd64']);
  await pushExtensionImage(`${prefix}/hailort:4.24.0`, 'hailort', ['amd64']);
  checkout = prepareTalosCheckout();
  built = makeFixtureImager(checkout, {
    registry: registry.host,
    username: 'example-owner',
    tag: 'v1.11.0',
    kernel: `${prefix}/kernel:k1`,
    platforms: ['linux/amd64'],
  });
});

afterAll(async () => {
  rmSync(checkout, { recursive: true, force: true });
  await registry?.stop();
});

describe('talos-kmod build-installer', () => {
  it('prints the pinned outputs as JSON on stdout and the next command on stderr', async () => {
    const io = ownerIo();
    const dest = `${registry.host}/example-owner/installer:cli`;
    const code = await runCli(
      [
        'build-installer',
        '--imager-image',
        built.imager,
        '--base-installer-image',
        built.installerBase,
        '--extension-image',
        `${registry.host}/example-owner/hailort:4.24.0`,
        '--extra-kernel-arg',
        'console=ttyS0',
        '--registry',
        registry.host,
        '--installer-ref',
        dest,
        '--json',
      ],
      io,
    );
    expect(io.err()).not.toMatch(/^error:/m);
    expect(code).toBe(0);
    const result = JSON.parse(io.out()) as { installerImage: string; imagerImage: string };
    expect(result.installerImage).toMatch(new RegExp(`^${dest}@sha256:[0-9a-f]{64}$`));
    expect(result.imagerImage).toBe(built.imager);
    expect(skopeoInspect(result.installerImage).Digest).toBe(
      result.installerImage.slice(result.installerImage.indexOf('@') + 1),
    );
    expect(io.err()).toContain(`talosctl upgrade --nodes <node> --image ${result.installerImage}`);
  });

  it('exits 2 for a ttl.sh lifetime over 24h, naming the flag', async () => {
    const io = ownerIo();
    const code = await runCli(
      [
        'build-installer',
        '--imager-image',
        built.imager,
        '--base-installer-image',
        built.installerBase,
        '--installer-ref',
        'ttl.sh/4a0c3f5e-9d1b-4f4e-8f52-0e3e2d0d1c9a:48h',
      ],
      io,
    );
    expect(code).toBe(2);
    expect(io.err()).toMatch(/--installer-ref is .*at most 24 hours/);
    expect(io.out()).toBe('');
  });

  it('exits 2 when neither a talos checkout nor an imager is given', async () => {
    const io = ownerIo();
    expect(await runCli(['build-installer', '--kernel-image', 'r.example/u/kernel:1'], io)).toBe(2);
    expect(io.err()).toMatch(/neither --talos-dir nor --imager-image/);
  });

  it('exits 2 when --registry-username comes without --registry-password-stdin', async () => {
    const io = ownerIo();
    const code = await runCli(
      [
        'build-installer',
        '--imager-image',
        built.imager,
        '--base-installer-image',
        built.installerBase,
        '--registry-username',
        'robot',
      ],
      io,
    );
    expect(code).toBe(2);
    expect(io.err()).toContain('--registry-username and --registry-password-stdin go together');
  });

  it('exits 2 naming an extension image that does not exist, before running the imager', async () => {
    const io = ownerIo();
    const code = await runCli(
      [
        'build-installer',
        '--imager-image',
        built.imager,
        '--base-installer-image',
        built.installerBase,
        '--extension-image',
        `${registry.host}/example-owner/missing:1`,
        '--registry',
        registry.host,
        '--installer-ref',
        `${registry.host}/example-owner/installer:never`,
      ],
      io,
    );
    expect(code).toBe(2);
    expect(io.err()).toMatch(
      /example-owner\/missing.*(does not exist|not found)|(does not exist|not found).*example-owner\/missing/,
    );
    expect(io.err()).not.toContain('imager installer');
    expect(io.out()).toBe('');
  });
});
