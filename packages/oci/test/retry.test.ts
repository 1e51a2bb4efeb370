import { describe, expect, it } from '@jest/globals';
import { nullLogger } from '@talos-kmod/common';
import { RegistryError } from '@talos-kmod/oci';
import { parseRetryAfter, withRetry } from '../src/transport/retry';

const policy = { attempts: 4, minDelayMs: 1, maxDelayMs: 5, maxElapsedMs: 10_000 };
const temporary = () =>
  new RegistryError('503', { method: 'GET', url: 'http://r/v2/', status: 503, temporary: true });

describe('withRetry', () => {
  it('retries temporary errors until success', async () => {
    let n = 0;
    const result = await withRetry('t', policy, nullLogger, async () => {
      if (++n < 3) throw temporary();
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(n).toBe(3);
  });

  it('stops after the attempt limit with the last error', async () => {
    let n = 0;
    await expect(
      withRetry('t', policy, nullLogger, async () => {
        n++;
        throw temporary();
      }),
    ).rejects.toThrow('503');
    expect(n).toBe(4);
  });

  it('does not retry permanent errors', async () => {
    let n = 0;
    await expect(
      withRetry('t', policy, nullLogger, async () => {
        n++;
        throw new RegistryError('denied', { method: 'GET', url: 'http://r/', status: 403 });
      }),
    ).rejects.toThrow('denied');
    expect(n).toBe(1);
  });

  it('retries network resets', async () => {
    let n = 0;
    await withRetry('t', policy, nullLogger, async () => {
      if (++n === 1) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    });
    expect(n).toBe(2);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
