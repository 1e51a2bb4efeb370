/**
 * Helpers for the build-kernel-pkg and build-extension end-to-end tests: a `make` wrapper that logs
 * top-level invocations, and oracles that read images with skopeo and modules with modinfo.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A `make` on PATH that records each top-level call (MAKELEVEL unset) and runs the real make. */
export interface MakeCounter {
  readonly binDir: string;
  /** Argument lines of the top-level calls so far. */
  calls(): string[];
}

/** Creates a {@link MakeCounter}. */
export function createMakeCounter(): MakeCounter {
  const binDir = mkdtempSync(join(tmpdir(), 'make-counter-'));
  const log = join(binDir, 'calls.log');
  writeFileSync(log, '');
  writeFileSync(
    join(binDir, 'make'),
    `#!/bin/sh\n[ -n "$MAKELEVEL" ] || printf '%s\\n' "$*" >> '${log}'\nexec /usr/bin/make "$@"\n`,
  );
  chmodSync(join(binDir, 'make'), 0o755);
  return {
    binDir,
    calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
  };
}

/** The digest skopeo reports for a reference on a plain-HTTP registry (the oracle). */
export function skopeoDigest(ref: string): string {
  return execFileSync(
    'skopeo',
    ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${ref}`],
    { encoding: 'utf8' },
  ).trim();
}

/** skopeo takes `name@digest` or `name:tag`, not both: drop the tag of a pinned reference. */
export function skopeoRef(ref: string): string {
  const at = ref.indexOf('@');
  if (at < 0) return ref;
  const name = ref.slice(0, at);
  const colon = name.lastIndexOf(':');
  const bare = colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
  return `${bare}${ref.slice(at)}`;
}

/** Copies an image with skopeo and unpacks its layers into a new directory; returns it. */
export function unpackImage(ref: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'unpacked-'));
  const blobs = join(dir, '.oci');
  execFileSync('skopeo', [
    'copy',
    '-q',
    '--src-tls-verify=false',
    `docker://${skopeoRef(ref)}`,
    `dir:${blobs}`,
  ]);
  const manifest = JSON.parse(readFileSync(join(blobs, 'manifest.json'), 'utf8')) as {
    layers: { digest: string }[];
  };
  const root = join(dir, 'root');
  execFileSync('mkdir', ['-p', root]);
  for (const layer of manifest.layers) {
    execFileSync('tar', ['-xf', join(blobs, layer.digest.replace('sha256:', '')), '-C', root]);
  }
  return root;
}

/** Every file under `dir`, relative, sorted. */
export function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? listFiles(join(dir, e.name), `${prefix}${e.name}/`)
        : [`${prefix}${e.name}`],
    )
    .sort();
}

/** `modinfo -F <field> <file>`. */
export function modinfo(file: string, field: string): string {
  return execFileSync('modinfo', ['-F', field, file], { encoding: 'utf8' }).trim();
}
