import { describe, expect, it } from '@jest/globals';
import { redactText, redactUrl } from '@talos-kmod/common';

describe('redactUrl', () => {
  it('removes userinfo and the query from a URL', () => {
    const out = redactUrl('https://user:s3cret@ghcr.io/token?scope=repo:a:pull&token=abc');
    expect(out).not.toContain('s3cret');
    expect(out).not.toContain('abc');
    expect(out).toBe('https://redacted@ghcr.io/token?redacted');
  });

  it('leaves a URL without secrets unchanged', () => {
    expect(redactUrl('http://127.0.0.1:5000/v2/')).toBe('http://127.0.0.1:5000/v2/');
  });
});

describe('redactText', () => {
  it('masks authorization headers, password fields and URL userinfo', () => {
    const text =
      'Authorization: Bearer eyJhbGciOi {"password":"hunter2"} https://bob:pw@example.com/x';
    const out = redactText(text);
    for (const secret of ['eyJhbGciOi', 'hunter2', 'bob:pw']) expect(out).not.toContain(secret);
  });
});
