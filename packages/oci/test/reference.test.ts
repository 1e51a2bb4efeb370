import { describe, expect, it } from '@jest/globals';
import { InputError, UserError } from '@talos-kmod/common';
import {
  atDigest,
  imageIn,
  isLoopbackHost,
  isPinned,
  parseDigest,
  parseNamespace,
  parsePinnedReference,
  parseReference,
  parseTag,
  requirePinned,
  withDigest,
  withoutDigest,
  withTag,
} from '@talos-kmod/oci';

const digest = parseDigest(`sha256:${'a'.repeat(64)}`);

describe('parseReference', () => {
  it.each([
    ['alpine', 'docker.io', 'library/alpine', undefined, 'docker.io/library/alpine'],
    ['alpine:3.19', 'docker.io', 'library/alpine', '3.19', 'docker.io/library/alpine:3.19'],
    ['acme/app', 'docker.io', 'acme/app', undefined, 'docker.io/acme/app'],
    ['index.docker.io/acme/app:v1', 'docker.io', 'acme/app', 'v1', 'docker.io/acme/app:v1'],
    ['docker.io/alpine', 'docker.io', 'library/alpine', undefined, 'docker.io/library/alpine'],
    [
      'ghcr.io/siderolabs/installer:v1.9.0',
      'ghcr.io',
      'siderolabs/installer',
      'v1.9.0',
      'ghcr.io/siderolabs/installer:v1.9.0',
    ],
    ['localhost/app', 'localhost', 'app', undefined, 'localhost/app'],
    ['localhost:5000/a/b/c:t', 'localhost:5000', 'a/b/c', 't', 'localhost:5000/a/b/c:t'],
    [
      '127.0.0.1:5000/x__y.z-w:1_0',
      '127.0.0.1:5000',
      'x__y.z-w',
      '1_0',
      '127.0.0.1:5000/x__y.z-w:1_0',
    ],
    ['[::1]:5000/app:v', '[::1]:5000', 'app', 'v', '[::1]:5000/app:v'],
    ['Registry/app', 'Registry', 'app', undefined, 'Registry/app'],
    ['docker://ttl.sh/x:1h', 'ttl.sh', 'x', '1h', 'ttl.sh/x:1h'],
  ])('parses %s', (input, registry, repository, tag, canonical) => {
    const ref = parseReference(input);
    expect(ref.registry).toBe(registry);
    expect(ref.repository).toBe(repository);
    expect(ref.tag).toBe(tag);
    expect(ref.digest).toBeUndefined();
    expect(ref.toString()).toBe(canonical);
  });

  it('keeps both tag and digest', () => {
    const ref = parseReference(`ghcr.io/acme/pkg:v1@${digest}`);
    expect(ref.tag).toBe('v1');
    expect(ref.digest).toBe(digest);
    expect(ref.toString()).toBe(`ghcr.io/acme/pkg:v1@${digest}`);
  });

  it('parses a digest-only reference with a registry port', () => {
    const ref = parseReference(`127.0.0.1:5000/app@${digest}`);
    expect(ref.registry).toBe('127.0.0.1:5000');
    expect(ref.tag).toBeUndefined();
    expect(ref.toString()).toBe(`127.0.0.1:5000/app@${digest}`);
  });

  it.each([
    ['', 'empty'],
    ['acme/App', 'lower case'],
    ['ghcr.io/Acme/app', 'lower case'],
    ['app:bad tag', 'not a valid tag'],
    ['app:-x', 'not a valid tag'],
    ['app@sha256:123', 'not a digest'],
    ['ghcr.io/', 'repository path component'],
    ['ghcr.io//x', 'repository path component'],
    ['https://ghcr.io/x', 'URL scheme'],
    ['a_/b', 'repository path component'],
    [`ghcr.io/${'a'.repeat(260)}`, 'longer than'],
  ])('rejects %j with a UserError that names the value', (input, why) => {
    let error: unknown;
    try {
      parseReference(input);
    } catch (e: unknown) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toContain(`'${input}'`);
    expect((error as Error).message).toContain(why);
  });
});

describe('withDigest and withTag', () => {
  it('pins a tagged reference and keeps the tag', () => {
    expect(withDigest(parseReference('ghcr.io/acme/x:v1'), digest).toString()).toBe(
      `ghcr.io/acme/x:v1@${digest}`,
    );
  });

  it('replaces an existing digest', () => {
    const other = parseDigest(`sha256:${'b'.repeat(64)}`);
    expect(withDigest(parseReference(`r.io/x:t@${digest}`), other).toString()).toBe(
      `r.io/x:t@${other}`,
    );
  });

  it('takes only a parsed digest: parseDigest refuses an invalid one, naming it', () => {
    expect(() => parseDigest('sha256:nothex')).toThrow(InputError);
    expect(() => parseDigest('sha256:nothex')).toThrow("invalid digest 'sha256:nothex'");
    expect(() => parseDigest(`SHA256:${'A'.repeat(64)}`)).toThrow(InputError);
    expect(parseDigest(`sha512:${'c'.repeat(128)}`)).toBe(`sha512:${'c'.repeat(128)}`);
  });

  it('names the repository at a digest, without the tag', () => {
    expect(atDigest(parseReference('ghcr.io/acme/x:v1'), digest).toString()).toBe(
      `ghcr.io/acme/x@${digest}`,
    );
  });

  it('sets a tag and drops the digest', () => {
    expect(withTag(parseReference(`r.io/x:t@${digest}`), 'v2').toString()).toBe('r.io/x:v2');
  });
});

describe('pinned references', () => {
  it('parses a pinned reference and formats it back byte for byte', () => {
    const text = `127.0.0.1:5000/acme/kernel:v1.2.3@${digest}`;
    const ref = parsePinnedReference(text);
    expect(ref.digest).toBe(digest);
    expect(ref.tag).toBe('v1.2.3');
    expect(ref.toString()).toBe(text);
    expect(JSON.stringify({ image: ref })).toBe(JSON.stringify({ image: text }));
  });

  it('refuses a reference without a digest, naming it', () => {
    expect(() => parsePinnedReference('ghcr.io/acme/x:v1')).toThrow(InputError);
    expect(() => parsePinnedReference('ghcr.io/acme/x:v1')).toThrow(
      "image reference 'ghcr.io/acme/x:v1' is not pinned",
    );
    expect(() => parsePinnedReference('ghcr.io/acme/x:v1@sha256:nothex')).toThrow(InputError);
    expect(isPinned(parseReference('ghcr.io/acme/x:v1'))).toBe(false);
    expect(() => requirePinned(parseReference('ghcr.io/acme/x'))).toThrow('is not pinned');
  });

  it('withDigest and atDigest make pinned references; withoutDigest names the tag again', () => {
    const ref = withDigest(parseReference('ghcr.io/acme/x:v1'), digest);
    expect(isPinned(ref)).toBe(true);
    expect(isPinned(atDigest(ref, digest))).toBe(true);
    expect(withoutDigest(ref).toString()).toBe('ghcr.io/acme/x:v1');
    expect(withoutDigest(ref).digest).toBeUndefined();
  });
});

describe('namespaces', () => {
  it.each([
    ['ghcr.io/acme', 'ghcr.io', 'acme'],
    ['127.0.0.1:5005/org/team', '127.0.0.1:5005', 'org/team'],
    ['localhost/u', 'localhost', 'u'],
    ['ghcr.io', 'ghcr.io', ''],
  ])('parses %s', (text, registry, path) => {
    const ns = parseNamespace(text);
    expect([ns.registry, ns.path, ns.toString()]).toEqual([registry, path, text]);
  });

  it.each(['https://ghcr.io/acme', 'ghcr.io/Acme', 'ghcr.io/acme:v1', 'ghcr.io/a b', ''])(
    'refuses %j',
    (text) => {
      expect(() => parseNamespace(text)).toThrow(InputError);
    },
  );

  it('names an image in a namespace as parseReference names the same text', () => {
    for (const [ns, name, tag] of [
      ['ghcr.io/acme', 'kernel', 'v1.2.3-4-gabc-dirty'],
      ['127.0.0.1:5005/org/team', 'hailort-pkg', undefined],
      ['docker.io/acme', 'x', 'latest'],
      ['ghcr.io', 'x', 'latest'],
    ] as const) {
      const text = `${ns}/${name}${tag ? `:${tag}` : ''}`;
      const ref = imageIn(parseNamespace(ns), name, tag);
      expect(ref.toString()).toBe(parseReference(text).toString());
      expect(ref.repository).toBe(parseReference(text).repository);
    }
    expect(imageIn(parseNamespace('docker.io/library'), 'alpine').toString()).toBe(
      'docker.io/library/alpine',
    );
  });

  it('refuses a name or tag the reference grammar refuses, naming the reference', () => {
    const ns = parseNamespace('ghcr.io/acme');
    expect(() => imageIn(ns, 'Hailort', 'v1')).toThrow(
      "invalid image reference 'ghcr.io/acme/Hailort:v1'",
    );
    expect(() => imageIn(ns, 'hailort+x', 'v1')).toThrow(InputError);
    expect(() => imageIn(ns, 'hailort', '-v1')).toThrow("'-v1' is not a valid tag");
    expect(() => imageIn(ns, 'a'.repeat(250), 'v1')).toThrow('longer than 255');
  });
});

describe('parseTag', () => {
  it('accepts what the reference grammar accepts as a tag, and a namespace writes as its text', () => {
    for (const tag of ['v1.11.5', 'latest', '_x', 'a'.repeat(128), 'v1.2.3-4-gabc-dirty']) {
      expect(parseTag(tag)).toBe(tag);
      expect(parseReference(`ghcr.io/acme/x:${tag}`).tag).toBe(tag);
    }
    expect(JSON.stringify({ ns: parseNamespace('ghcr.io/acme') })).toBe('{"ns":"ghcr.io/acme"}');
  });

  it.each(['', '-v1', '.v1', 'v1 2', 'v1$x', 'a'.repeat(129), 'v1/2'])('refuses %j', (tag) => {
    expect(() => parseTag(tag)).toThrow(InputError);
    expect(() => parseReference(`ghcr.io/acme/x:${tag}`)).toThrow(InputError);
  });
});

describe('isLoopbackHost', () => {
  it.each(['localhost', 'localhost:5000', '127.0.0.1', '127.1.2.3:80', '::1', '[::1]:5000'])(
    'treats %s as loopback',
    (h) => expect(isLoopbackHost(h)).toBe(true),
  );
  it.each(['ghcr.io', '10.0.0.1:5000', '128.0.0.1', 'localhost.example.com', '[::2]:5000'])(
    'treats %s as remote',
    (h) => expect(isLoopbackHost(h)).toBe(false),
  );
});
