/**
 * push() options refused before any work: a stub client and source that throw on every use show
 * that nothing was read or sent.
 */
import { describe, expect, it } from '@jest/globals';
import { InputError } from '@talos-kmod/common';
import { parseReference, push, type ImageSource } from '@talos-kmod/oci';
import type { RegistryClient } from '../src/client';

const untouchable = <T extends object>(what: string): T =>
  new Proxy({} as T, {
    get: (_t, key) => {
      throw new Error(`${what}.${String(key)} used`);
    },
  });

describe('push gzipLevel', () => {
  it.each([[[]], [[4, 12]], [-1], [10], [4.5], [[4, Number.NaN]]])(
    'refuses %j before reading the source or asking the registry',
    async (gzipLevel) => {
      const attempt = push(
        untouchable<ImageSource>('source'),
        parseReference('127.0.0.1:5000/acme/x:v1'),
        { client: untouchable<RegistryClient>('client'), gzipLevel },
      );
      await expect(attempt).rejects.toThrow(InputError);
      await expect(attempt).rejects.toThrow(
        `gzipLevel ${JSON.stringify(gzipLevel)} is not a zlib level or a list of them: give whole numbers 0–9 (0 stores), e.g. 4 or [4, 2]`,
      );
    },
  );
});
