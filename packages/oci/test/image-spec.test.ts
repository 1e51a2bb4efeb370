import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatImageSpec, parseImageSpec, registryOf } from '@talos-kmod/oci';

const work = mkdtempSync(join(tmpdir(), 'image-spec-'));
const layout = join(work, 'layout');
const plain = join(work, 'plain');
const archive = join(work, 'image.tar');
mkdirSync(layout);
writeFileSync(join(layout, 'index.json'), '{"schemaVersion":2,"manifests":[]}');
mkdirSync(plain);
writeFileSync(archive, '');

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('parseImageSpec', () => {
  it('parses registry references into a Reference, with and without docker://', () => {
    for (const s of ['ghcr.io/a/b:v1', 'docker://ghcr.io/a/b:v1']) {
      const spec = parseImageSpec(s);
      expect(spec.transport).toBe('registry');
      expect(formatImageSpec(spec)).toBe('ghcr.io/a/b:v1');
      expect(registryOf(spec)).toBe('ghcr.io');
    }
    expect(formatImageSpec(parseImageSpec('alpine'))).toBe('docker.io/library/alpine');
    expect(registryOf(parseImageSpec('localhost:5000/a:v1'))).toBe('localhost:5000');
  });

  it('fails at parse time on an invalid reference, naming it', () => {
    expect(() => parseImageSpec('Acme/X:v1')).toThrow("invalid image reference 'Acme/X:v1'");
    expect(() => parseImageSpec('ghcr.io/a/b@sha256:12')).toThrow('is not a digest');
  });

  it('reads skopeo transports with an optional :ref after an existing path', () => {
    expect(parseImageSpec(`oci-archive:${archive}`)).toEqual({
      transport: 'oci-archive',
      path: archive,
    });
    expect(parseImageSpec(`oci:${layout}:v2`)).toEqual({
      transport: 'oci',
      path: layout,
      ref: 'v2',
    });
    expect(parseImageSpec(`docker-archive:${archive}:acme/x:v1`)).toEqual({
      transport: 'docker-archive',
      path: archive,
      ref: 'acme/x:v1',
    });
    expect(formatImageSpec(parseImageSpec(`oci:${layout}:v2`))).toBe(`oci:${layout}:v2`);
  });

  it('takes dir: as a plain directory, and a path without transport by what it is', () => {
    expect(parseImageSpec(`dir:${plain}`)).toEqual({ transport: 'dir', path: plain });
    expect(parseImageSpec(plain)).toEqual({ transport: 'dir', path: plain });
    expect(parseImageSpec(layout)).toEqual({ transport: 'oci', path: layout });
    expect(parseImageSpec(archive)).toEqual({ transport: 'archive', path: archive });
    expect(registryOf(parseImageSpec(plain))).toBeUndefined();
    expect(formatImageSpec(parseImageSpec(plain))).toBe(`dir:${plain}`);
  });

  it('refuses what it cannot read, naming the value and what to give', () => {
    expect(() => parseImageSpec('docker-daemon:alpine:latest')).toThrow(
      "the 'docker-daemon:' transport is not supported",
    );
    expect(() => parseImageSpec(join(work, 'missing.tar'))).toThrow(
      /looks like a path, but .* does not exist/,
    );
    expect(() => parseImageSpec('oci:')).toThrow("has no path after 'oci:'");
    expect(() => parseImageSpec('dir:')).toThrow("has no directory after 'dir:'");
    expect(() => parseImageSpec('  ')).toThrow('image is empty');
  });
});
