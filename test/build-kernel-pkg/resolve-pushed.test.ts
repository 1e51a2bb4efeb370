/**
 * After make, pushed images are resolved from the registry by tag and cross-checked with buildx's
 * metadata file: a real registry, images pushed with skopeo.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryLogger } from '@talos-kmod/common';
import { createRegistryClient, parseReference, type RegistryClient } from '@talos-kmod/oci';
import { resolvePushed } from '../../packages/pipeline/src/step-kit/resolve-pushed';
import { newDir, pushLayout, writeOciLayout } from '../support/images';
import { startRegistry, type TestRegistry } from '../support/registry';

describe('resolvePushed', () => {
  let registry: TestRegistry;
  let client: RegistryClient;
  let pinned: string;
  const metaDir = mkdtempSync(join(tmpdir(), 'meta-'));
  const meta = (name: string, digest: string) => {
    const file = join(metaDir, `${name}.metadata.json`);
    writeFileSync(file, JSON.stringify({ 'containerimage.digest': digest, 'image.name': name }));
    return file;
  };

  beforeAll(async () => {
    registry = await startRegistry();
    client = createRegistryClient({ logger: createMemoryLogger() });
    const layout = await writeOciLayout(
      newDir('layout'),
      [{ layers: [[{ path: 'boot/vmlinuz', content: 'kernel' }]] }],
      't1',
    );
    pinned = await pushLayout(layout, registry.host, 'u/kernel', 't1');
  });

  afterAll(async () => {
    await client.close();
    await registry.stop();
  });

  it('pins each target to the digest the registry reports, agreeing with the metadata file', async () => {
    const digest = pinned.slice(pinned.indexOf('@') + 1);
    const logger = createMemoryLogger();
    const out = await resolvePushed(
      client,
      [
        {
          target: 'kernel',
          ref: parseReference(`${registry.host}/u/kernel:t1`),
          metadataFile: meta('a', digest),
        },
      ],
      logger,
    );
    expect(Object.keys(out)).toEqual(['kernel']);
    expect(out.kernel?.toString()).toBe(pinned);
    expect(out.kernel?.digest).toBe(digest);
    expect(logger.text()).toContain('registry digest matches buildx metadata');
  });

  it('fails when the metadata file names another digest than the registry serves for the tag', async () => {
    const other = `sha256:${'b'.repeat(64)}`;
    await expect(
      resolvePushed(
        client,
        [
          {
            target: 'kernel',
            ref: parseReference(`${registry.host}/u/kernel:t1`),
            metadataFile: meta('b', other),
          },
        ],
        createMemoryLogger(),
      ),
    ).rejects.toThrow(`but the build pushed ${other}`);
  });

  it('fails when make reported success but the tag is not in the registry', async () => {
    await expect(
      resolvePushed(
        client,
        [{ target: 'kernel', ref: parseReference(`${registry.host}/u/kernel:never`) }],
        createMemoryLogger(),
      ),
    ).rejects.toThrow(`make finished, but ${registry.host}/u/kernel:never is not in the registry`);
  });

  it('uses the registry alone when no metadata file was written', async () => {
    const logger = createMemoryLogger();
    const out = await resolvePushed(
      client,
      [
        {
          target: 'kernel',
          ref: parseReference(`${registry.host}/u/kernel:t1`),
          metadataFile: join(metaDir, 'none.json'),
        },
      ],
      logger,
    );
    expect(out.kernel?.toString()).toBe(pinned);
    expect(logger.text()).toContain('no buildx metadata file for kernel');
  });
});
