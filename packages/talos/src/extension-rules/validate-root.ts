/**
 * The extension image root: exactly `manifest.yaml` and `rootfs/` (siderolabs/talos
 * pkg/machinery/extensions/load.go: `unexpected file`, `extension manifest is missing`,
 * `extension rootfs is missing`).
 */
import type { ImageEntry } from '../image-contents/types';
import { fail, withPass, type Finding } from './findings';

/** The names at the image root, with their type when the root entry itself is listed. */
export function rootNames(entries: Iterable<ImageEntry>): Map<string, string> {
  const names = new Map<string, string>();
  for (const e of entries) {
    const slash = e.path.indexOf('/');
    const name = slash < 0 ? e.path : e.path.slice(0, slash);
    // `..` and absolute names are the contents check's (extension.allowed-path)
    if (name === '' || name === '.' || name === '..') continue;
    if (slash < 0) names.set(name, e.type);
    else if (!names.has(name)) names.set(name, 'directory');
  }
  return names;
}

/** Checks the root holds `manifest.yaml` (a file) and `rootfs` (a directory) and nothing else. */
export function validateExtensionRoot(entries: Iterable<ImageEntry>): Finding[] {
  const id = 'extension.layout';
  const names = rootNames(entries);
  const findings: Finding[] = [];
  for (const [name] of [...names].sort(([a], [b]) => a.localeCompare(b))) {
    if (name === 'manifest.yaml' || name === 'rootfs') continue;
    findings.push(
      fail(
        id,
        'error',
        `unexpected file "${name}" at the extension root: Talos refuses an extension whose root holds anything but manifest.yaml and rootfs/. Move it under rootfs/ (at an allowed path) or leave it out of the image`,
        { path: name },
      ),
    );
  }
  const manifestType = names.get('manifest.yaml');
  if (manifestType === undefined) {
    findings.push(
      fail(
        id,
        'error',
        'extension manifest is missing: add manifest.yaml (version: v1alpha1 and metadata) at the image root',
      ),
    );
  } else if (manifestType !== 'file') {
    findings.push(
      fail(id, 'error', `manifest.yaml is a ${manifestType}, not a file: make it a regular file`, {
        path: 'manifest.yaml',
      }),
    );
  }
  const rootfsType = names.get('rootfs');
  if (rootfsType === undefined) {
    findings.push(
      fail(
        id,
        'error',
        'extension rootfs is missing: put the files the extension adds under rootfs/ (e.g. rootfs/usr/lib/modules/<kver>/…)',
      ),
    );
  } else if (rootfsType !== 'directory') {
    findings.push(
      fail(id, 'error', `rootfs is a ${rootfsType}, not a directory: make rootfs/ a directory`, {
        path: 'rootfs',
      }),
    );
  }
  return withPass(findings, id, 'the image root holds manifest.yaml and rootfs/ only');
}
