import { describe, expect, it } from '@jest/globals';
import { createMemoryLogger } from '@talos-kmod/common';
import { createRegistryClient } from '@talos-kmod/oci';
import { parseKernelPkgRecord, recordStillValid } from '../../src/build-kernel-pkg/cache-record';

describe('recordStillValid', () => {
  it('says the check failed, not that the image is gone, when the registry cannot be asked', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const logger = createMemoryLogger();
    const record = parseKernelPkgRecord(
      JSON.stringify({
        version: 1,
        key: 'k',
        createdAt: '2026-12-03T00:00:00Z',
        pkgsTag: 'v1',
        pkgsPrefix: '127.0.0.1:1/acme',
        kernelImage: `127.0.0.1:1/acme/kernel:v1@${digest}`,
        pkgImages: { 'hailort-pkg': `127.0.0.1:1/acme/hailort-pkg:v1@${digest}` },
      }),
      logger,
    );
    expect(record).toBeDefined();
    // nothing listens on port 1: a real refusal, asked once
    const client = createRegistryClient({ retry: { attempts: 1 } });
    try {
      expect(await recordStillValid(record!, client, logger)).toBe(false);
    } finally {
      await client.close();
    }
    expect(logger.text()).toMatch(
      /cache entry not checked: asking for 127\.0\.0\.1:1\/acme\/kernel:v1 failed \(.*ECONNREFUSED.*\); building instead/,
    );
    expect(logger.text()).not.toMatch(/no longer in the registry/);
  });
});
