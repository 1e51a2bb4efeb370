/**
 * Names a layer can carry but an unpacked directory cannot (issue 14, item 5): verify read
 * `rootfs/usr/lib/modules/../../../etc/shadow` and `rootfs/usr/localevil/bin/x` as allowed and
 * said PASSED, and the release detection of a package reported `..` as a kernel release. Images
 * are OCI layouts written with tar-stream (which keeps such names as given) and read by the CLI.
 */
import { describe, expect, it } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { runCli } from '@talos-kmod/cli';
import type { VerifyReport } from '@talos-kmod/pipeline';
import { manifestYaml, newDir, writeOciLayout, type TestFile } from '../support/images';

async function verifyJson(files: TestFile[]): Promise<{ code: number; report: VerifyReport }> {
  const dir = await writeOciLayout(newDir('hostile-paths'), [{ layers: [files] }]);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.resume();
  const code = await runCli(['verify', `oci:${dir}`, '--json'], {
    stdout,
    stderr,
    env: {},
    cwd: process.cwd(),
  });
  return { code, report: JSON.parse(out) as VerifyReport };
}

const failures = (r: VerifyReport, id: string): string[] =>
  r.checks.filter((c) => c.id === id && c.status === 'fail').map((c) => c.path ?? '');

const extension = (extra: TestFile[]): TestFile[] => [
  { path: 'manifest.yaml', content: manifestYaml({ name: 'hostile' }) },
  { path: 'rootfs/', type: 'directory' },
  { path: 'rootfs/usr/local/bin/tool', content: 'ok' },
  ...extra,
];

describe('verify refuses entry names and links that leave their place', () => {
  it('passes the same extension without the hostile entries (the control)', async () => {
    const { code, report } = await verifyJson(
      extension([
        { path: 'rootfs/usr/local/lib/a.so.1', content: 'so' },
        { path: 'rootfs/usr/local/lib/a.so', type: 'symlink', linkTarget: 'a.so.1' },
      ]),
    );
    expect(report.passed).toBe(true);
    expect(code).toBe(0);
  });

  it('fails an extension with a ".." climb out of rootfs/', async () => {
    const { code, report } = await verifyJson(
      extension([{ path: 'rootfs/usr/lib/modules/../../../etc/shadow', content: 'x' }]),
    );
    expect(code).toBe(1);
    expect(failures(report, 'extension.allowed-path')).toEqual([
      'rootfs/usr/lib/modules/../../../etc/shadow',
    ]);
  });

  it('fails an extension path that shares only a string prefix with an allowed one', async () => {
    const { code, report } = await verifyJson(
      extension([{ path: 'rootfs/usr/localevil/bin/x', content: 'x' }]),
    );
    expect(code).toBe(1);
    expect(failures(report, 'extension.allowed-path')).toEqual(['rootfs/usr/localevil/bin/x']);
  });

  it('fails symlinks that climb above the root and hard links that leave rootfs/', async () => {
    const { code, report } = await verifyJson(
      extension([
        { path: 'rootfs/usr/local/lib/up', type: 'symlink', linkTarget: '../../../../etc/shadow' },
        { path: 'rootfs/usr/local/lib/hard', type: 'hardlink', linkTarget: 'manifest.yaml' },
      ]),
    );
    expect(code).toBe(1);
    expect(failures(report, 'extension.link-target').sort()).toEqual([
      'rootfs/usr/local/lib/hard',
      'rootfs/usr/local/lib/up',
    ]);
  });

  it('never reports ".." as a kernel release and fails the name in a module package', async () => {
    const { code, report } = await verifyJson([
      { path: 'usr/lib/modules/6.12.31-talos/', type: 'directory' },
      { path: 'usr/lib/modules/6.12.31-talos/modules.order', content: '' },
      { path: 'usr/lib/modules/../../../etc/shadow', content: 'x' },
    ]);
    expect(code).toBe(1);
    expect(report.platforms.map((p) => p.kind)).toEqual(['module-package']);
    expect(report.platforms[0]?.kernelRelease).toBe('6.12.31-talos');
    expect(JSON.stringify(report.checks)).not.toMatch(/release directories|\/\.\.,|, \.\./);
    expect(failures(report, 'image.path-names')).toEqual(['usr/lib/modules/../../../etc/shadow']);
  });
});
