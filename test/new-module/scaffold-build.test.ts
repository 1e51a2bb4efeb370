/**
 * The whole point of new-module: a module scaffolded by `talos-kmod new-module` into copies of the
 * pkgs and extensions fixture repositories (upstream Makefile interface, real Docker engine, real
 * registry) builds through build-kernel-pkg and build-extension, and the extension passes
 * verify-image. The source tarball is served over loopback HTTP; the fixture builder compiles the
 * same source from `<name>/src/` (it cannot run bldr's `sources` step).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '@talos-kmod/cli';
import { createMemoryLogger, spawnExec } from '@talos-kmod/common';
import { parseNamespace, parsePlatform } from '@talos-kmod/oci';
import { buildExtension, buildKernelPkg, verifyImage } from '@talos-kmod/pipeline';
import { listFiles, modinfo, unpackImage } from '../build-kernel-pkg/helpers';
import { ensureDocker } from '../support/docker';
import { createFixtureRepo, type FixtureRepo } from '../support/fixture-repos';
import { startRegistry, type TestRegistry } from '../support/registry';
import { captureIo, startSourceServer, type SourceServer } from './support';

const minutes = 60_000;

/** The module's source: what the tarball holds and what the fixture builder compiles. */
function writeWidgetSource(dir: string): void {
  mkdirSync(join(dir, 'firmware/acme'), { recursive: true });
  writeFileSync(join(dir, 'Kbuild'), 'obj-m += widget.o\n');
  writeFileSync(
    join(dir, 'widget.c'),
    [
      '// SPDX-License-Identifier: GPL-2.0',
      '#include <linux/module.h>',
      '#include <linux/init.h>',
      'static int __init widget_init(void) { return 0; }',
      'static void __exit widget_exit(void) { }',
      'module_init(widget_init);',
      'module_exit(widget_exit);',
      'MODULE_LICENSE("GPL");',
      'MODULE_DESCRIPTION("talos-kmod new-module e2e widget");',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, '60-widget.rules'),
    'SUBSYSTEM=="misc", KERNEL=="widget*", MODE="0660"\n',
  );
  writeFileSync(join(dir, 'firmware/acme/widget_fw.bin'), Buffer.from([0x57, 0x49, 0x44, 0x47]));
}

function widgetTarball(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'nm-widget-'));
  try {
    writeWidgetSource(join(dir, 'widget-1.2.3'));
    execFileSync('tar', ['-czf', join(dir, 'src.tar.gz'), '-C', dir, 'widget-1.2.3']);
    return readFileSync(join(dir, 'src.tar.gz'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('a module scaffolded by new-module', () => {
  let registry: TestRegistry;
  let server: SourceServer;
  let pkgs: FixtureRepo;
  let ext: FixtureRepo;
  const buildkitCache = mkdtempSync(join(tmpdir(), 'buildkit-cache-'));
  const env = { ...process.env, FIXTURE_BUILDKIT_CACHE: buildkitCache };

  beforeAll(async () => {
    await ensureDocker();
    registry = await startRegistry();
    server = await startSourceServer(widgetTarball());
    pkgs = createFixtureRepo('pkgs');
    ext = createFixtureRepo('extensions');
  }, 2 * minutes);

  afterAll(async () => {
    await registry?.stop();
    await server?.close();
    pkgs?.remove();
    ext?.remove();
    rmSync(buildkitCache, { recursive: true, force: true });
  });

  it(
    'builds through build-kernel-pkg and build-extension and passes verify-image',
    async () => {
      const io = captureIo();
      const code = await runCli(
        [
          'new-module',
          'widget',
          '--source',
          `${server.base}/acme/widget/archive/refs/tags/v{version}.tar.gz`,
          '--dep-name',
          'acme/widget',
          '--version',
          '1.2.3',
          '--udev-rules',
          '60-widget.rules',
          '--firmware',
          'firmware/acme/widget_fw.bin',
          '--firmware-dir',
          'acme',
          '--description',
          'Widget accelerator driver',
          '--author',
          'Acme',
          '--talos-version',
          '>= v1.10.0',
          '--pkgs',
          pkgs.dir,
          '--extensions',
          ext.dir,
        ],
        io,
      );
      expect(io.err()).not.toMatch(/error|warning/);
      expect(code).toBe(0);
      // The fixture builder compiles <folder>/src instead of unpacking the tarball.
      writeWidgetSource(join(pkgs.dir, 'widget/src'));
      pkgs.commit('add widget');
      ext.commit('add widget');

      const wiring = captureIo();
      expect(
        await runCli(
          ['check-wiring', 'widget', '--pkgs', pkgs.dir, '--extensions', ext.dir],
          wiring,
        ),
      ).toBe(0);

      const built = await buildKernelPkg(
        {
          pkgsDir: pkgs.dir,
          packages: ['widget-pkg'],
          namespace: parseNamespace(`${registry.host}/example-owner`),
          platforms: [parsePlatform('linux/amd64')],
          push: true,
          makeArgs: [],
          verifySignatures: true,
          cache: false,
          insecureRegistries: [],
        },
        { exec: spawnExec, logger: createMemoryLogger(), env },
      );
      expect(Object.keys(built.pkgImages)).toEqual(['widget-pkg']);
      expect(built.verification.length).toBeGreaterThan(0);

      const logger = createMemoryLogger();
      const extension = await buildExtension(
        {
          extensionsDir: ext.dir,
          extension: 'widget',
          pkgsPrefix: built.pkgsPrefix,
          pkgsTag: built.pkgsTag,
          namespace: parseNamespace(`${registry.host}/example-owner`),
          platforms: [parsePlatform('linux/amd64')],
          push: true,
          makeArgs: [],
          insecureRegistries: [],
        },
        { exec: spawnExec, logger, env },
      );
      expect(extension.extensionVersion).toBe('1.2.3');
      const image = extension.extensionImage?.toString() ?? '';
      expect(image).toMatch(
        new RegExp(`^${registry.host}/example-owner/widget:1\\.2\\.3@sha256:[0-9a-f]{64}$`),
      );
      // The generated test step ran the extensions-validator (the fixture's stand-in) and passed.
      expect(logger.text()).toContain('extensions-validator: widget 1.2.3 ok');

      const root = unpackImage(image);
      expect(listFiles(root)).toEqual([
        'manifest.yaml',
        'rootfs/usr/lib/firmware/acme/widget_fw.bin',
        expect.stringMatching(/^rootfs\/usr\/lib\/modules\/[^/]+\/extras\/widget\.ko$/),
        'rootfs/usr/lib/udev/rules.d/60-widget.rules',
      ]);
      expect(readFileSync(join(root, 'manifest.yaml'), 'utf8')).toBe(
        [
          'version: v1alpha1',
          'metadata:',
          '  name: widget',
          '  version: "1.2.3"',
          '  author: Acme',
          '  description: |',
          '    [contrib] Widget accelerator driver',
          '  compatibility:',
          '    talos:',
          '      version: ">= v1.10.0"',
          '',
        ].join('\n'),
      );
      const ko = join(root, listFiles(root).find((f) => f.endsWith('widget.ko')) ?? 'missing');
      expect(modinfo(ko, 'signer')).toBe('Build time throw-away kernel key');

      const report = await verifyImage(
        {
          image,
          kernelImage: built.kernelImage?.toString() ?? '',
          extensionName: 'widget',
          modules: ['widget'],
          talosVersion: 'v1.11.0',
        },
        { logger: createMemoryLogger() },
      );
      expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
      expect(report.passed).toBe(true);
      expect(report.platforms[0]?.kind).toBe('extension');
    },
    10 * minutes,
  );
});
