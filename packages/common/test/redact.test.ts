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

describe('redactText on signed storage URLs', () => {
  it('masks the query of every URL in a message, keeping host and path', () => {
    const signed =
      'https://bucket.s3.amazonaws.com/docker/registry/v2/blobs/sha256/ab/data?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA123%2F20261203&X-Amz-Signature=deadbeefcafe';
    const out = redactText(`connection failed (ECONNRESET) during GET ${signed}: retry later`);
    for (const secret of ['deadbeefcafe', 'AKIA123', 'X-Amz-Credential']) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain(
      'https://bucket.s3.amazonaws.com/docker/registry/v2/blobs/sha256/ab/data?',
    );
    expect(out).toContain(': retry later');
  });
});
