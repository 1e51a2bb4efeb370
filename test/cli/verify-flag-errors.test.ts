/**
 * `talos-kmod verify` names a bad value by the flag or argument the user typed (`--kernel-release`,
 * `IMAGE`), never by the action's input name: the verify step throws field errors and each front
 * end words them. Every case fails in validation, before any image is opened (exit 2).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCaptured } from '../support/cli';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'verify-flags-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Case = [what: string, argv: () => string[], message: string];

const cases: Case[] = [
  [
    'a kernel release uname -r would not print',
    () => ['verify', dir, '--kernel-release', 'latest'],
    "--kernel-release is 'latest', not a kernel release",
  ],
  [
    'a module name with a space',
    () => ['verify', dir, '--module', 'hailo pci'],
    "--module has 'hailo pci', not a module name",
  ],
  [
    'a platform without os/',
    () => ['verify', dir, '--platform', 'amd64'],
    "--platform is 'amd64': give os/arch such as linux/amd64",
  ],
  [
    'a fail-on level that does not exist',
    () => ['verify', dir, '--fail-on', 'never'],
    "--fail-on is 'never'",
  ],
  [
    'an extension that is neither a name nor an image',
    () => ['verify', dir, '--extension', 'hailort', '--extension', 'oci:'],
    "--extension has 'oci:', which is neither an extension name nor an image",
  ],
  [
    'a talos version that is not one',
    () => ['verify', dir, '--talos-version', 'one.eleven'],
    "--talos-version is 'one.eleven', not a version",
  ],
  [
    'a kernel image in an unknown transport',
    () => ['verify', dir, '--kernel-image', 'docker-daemon:k'],
    "--kernel-image: image 'docker-daemon:k'",
  ],
  ['an empty image argument', () => ['verify', ' '], 'IMAGE is empty: give a registry reference'],
  [
    'an image that is not a reference',
    () => ['verify', 'Acme/X:v1'],
    "IMAGE: invalid image reference 'Acme/X:v1'",
  ],
];

describe('verify: errors name the flags', () => {
  it.each(cases)('%s', async (_what, argv, message) => {
    const r = await runCliCaptured(argv());
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain("input '");
    expect(r.code).toBe(2);
  });
});
