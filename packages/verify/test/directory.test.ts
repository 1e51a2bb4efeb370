import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  failureMessage,
  formatReportMarkdown,
  formatReportText,
  verifyImage,
  type VerifyReport,
} from '@talos-kmod/verify';

const root = mkdtempSync(join(tmpdir(), 'verify-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function put(dir: string, path: string, content: string, mode = 0o644): void {
  const full = join(dir, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
  chmodSync(full, mode);
}

function failing(report: VerifyReport): string[] {
  return report.checks
    .filter((c) => c.status === 'fail' && c.severity !== 'info')
    .map((c) => `${c.id} ${c.path ?? ''}`.trim());
}

const manifest =
  'version: v1alpha1\nmetadata:\n  name: demo\n  version: 1.0.0\n  author: a\n  description: d\n';

describe('verifyImage on a plain directory', () => {
  it('checks an unpacked extension without modules: rules, paths, types and modes', async () => {
    const dir = join(root, 'ext');
    put(dir, 'manifest.yaml', manifest);
    put(
      dir,
      'rootfs/usr/lib/udev/rules.d/50-demo.rules',
      'KERNEL=="demo*", MODE="0660", GROUP="video"\nKERNEL=="x", FOO="1"\n',
    );
    put(dir, 'rootfs/usr/local/share/demo/open', 'x', 0o666);
    put(dir, 'rootfs/opt/demo/bin', 'x');
    mkdirSync(join(dir, 'rootfs/usr/local/lib'), { recursive: true });
    symlinkSync('/usr/local/share/demo/open', join(dir, 'rootfs/usr/local/lib/link'));
    execFileSync('mkfifo', [join(dir, 'rootfs/usr/local/lib/pipe')]);
    const report = await verifyImage({ image: dir, extensionName: 'demo' });
    expect(report.platforms).toEqual([
      { kind: 'extension', moduleCount: 0, proof: 'none', passed: false },
    ]);
    expect(failing(report).sort()).toEqual([
      'extension.allowed-path rootfs/opt/demo/bin',
      'extension.file-type rootfs/usr/local/lib/pipe',
      'extension.world-writable rootfs/usr/local/share/demo/open',
      'udev.syntax rootfs/usr/lib/udev/rules.d/50-demo.rules',
    ]);
    const udev = report.checks.find((c) => c.id === 'udev.syntax' && c.status === 'fail');
    expect(udev?.line).toBe(2);
    expect(udev?.message).toContain("invalid key 'FOO'");
    expect(report.checks.every((c) => c.platform === undefined)).toBe(true);
  });

  it('renders the report as text and markdown, escaping table cells', async () => {
    const dir = join(root, 'pipes');
    put(dir, 'manifest.yaml', manifest);
    put(
      dir,
      'rootfs/usr/lib/udev/rules.d/50-x.rules',
      'KERNEL=="a|b", MODE="0600"\nKERNEL=="x" |\n',
    );
    const report = await verifyImage({ image: `dir:${dir}`, failOn: 'warning' });
    const md = formatReportMarkdown(report);
    expect(md).toContain('## ❌ verify-image failed');
    expect(md).toContain("'\\|' has no operator and value");
    expect(md).toContain('passed checks</summary>');
    const text = formatReportText(report, { color: false });
    expect(text).toMatch(/^FAILED /);
    expect(text).toContain('✗ udev.syntax');
    expect(failureMessage(report, '/tmp/r.json')).toContain('Full report: /tmp/r.json');
  });

  it('refuses a directory that is not there', async () => {
    await expect(verifyImage({ image: `dir:${join(root, 'nope')}` })).rejects.toThrow(
      'is not a directory',
    );
  });
});
