/**
 * A Talos-shaped UKI built with real tools: objcopy on systemd's stub (makeUki), `.initrd` a zstd
 * GNU cpio archive with `init` and `rootfs.sqsh`, then the extensions archive (`extensions.yaml`,
 * `0.sqsh` made by mksquashfs holding one module signed by `signer`), compressed or not. The
 * kernel is a bzImage whose certificate lists are the given ones.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { signSynthetic, type TestSigner } from '../../../kmod/test/helpers/synthetic-cms';
import { syntheticModule } from '../../../kmod/test/helpers/synthetic-elf';
import {
  compress,
  concat,
  cpioArchive,
  mksquashfs,
} from '../../../boot/test/helpers/boot-fixtures';
import { makeBzImage, makeUki } from '../../../../test/support/kernel-images';

export const ukiRelease = '6.12.31-talos';
export const ukiModulePath = `usr/lib/modules/${ukiRelease}/extra/demo.ko`;

function put(dir: string, files: Record<string, string | Uint8Array>): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const extensionsYaml = [
  'layers:',
  '    - image: 0.sqsh',
  '      metadata:',
  '        name: demo-driver',
  '        version: 1.0.0',
  '        author: test',
  '        description: one signed module',
  '',
].join('\n');

export interface TalosUkiOptions {
  /** Where the build files go (a fresh directory). */
  readonly dir: string;
  /** Signs the extension's module. */
  readonly signer: TestSigner;
  readonly extensionsCompressed: boolean;
  /** The kernel's system_certificate_list (default: the signer's certificate). */
  readonly certificates?: readonly Uint8Array[];
  /** The kernel's revocation_certificate_list. */
  readonly revoked?: readonly Uint8Array[];
}

export function talosUki(o: TalosUkiOptions): Buffer {
  const module = signSynthetic(
    syntheticModule({
      bits: 64,
      endian: 'little',
      machine: 62,
      modinfo: ['license=GPL', 'name=demo', `vermagic=${ukiRelease} SMP mod_unload`],
    }).bytes,
    o.signer,
  );
  const ext = put(join(o.dir, 'ext'), { [ukiModulePath]: module });
  const first = put(join(o.dir, 'first'), { init: '#!/bin/sh\n' });
  mksquashfs(ext, join(first, 'rootfs.sqsh'), ['-comp', 'zstd', '-all-root']);
  const second = put(join(o.dir, 'second'), { 'extensions.yaml': extensionsYaml });
  mksquashfs(ext, join(second, '0.sqsh'), ['-comp', 'zstd', '-all-root']);
  const extensions = cpioArchive(second);
  const initrd = concat([
    compress('zstd', cpioArchive(first)),
    o.extensionsCompressed ? compress('zstd', extensions) : extensions,
  ]).bytes;
  return Buffer.from(
    makeUki({
      linux: makeBzImage({
        release: ukiRelease,
        certificates: o.certificates ?? [o.signer.certDer],
        ...(o.revoked ? { revoked: o.revoked } : {}),
      }),
      initrd,
      uname: ukiRelease,
      cmdline: 'talos.platform=metal module.sig_enforce=1',
      osrel: 'NAME="Talos"\nID=talos\nVERSION_ID=v1.12.0\n',
    }),
  );
}
