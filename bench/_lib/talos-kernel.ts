/**
 * A Talos-shaped kernel from a real one: the payload of Debian's generic amd64 vmlinuz (xz with
 * BCJ, ~66 MB of vmlinux with the distribution's certificate; scripts/fetch-debian-kernels.sh
 * caches it) recompressed with `zstd -22 --ultra` as the Talos kernel build does, the size
 * appended, in a bzImage setup header (test/support/kernel-images). Built once into
 * bench/.work/kernel-cert/ and shared by the benchmarks that need a Talos kernel.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { debianKernel } from '../../test/support/debian-kernels';
import { makeBzImageFromPayload } from '../../test/support/kernel-images';

const work = join(resolve(import.meta.dirname, '..', '..'), 'bench', '.work', 'kernel-cert');

/** The bzImage, its zstd payload (for `zstd -dc`), the release and the vmlinux size. */
export function talosZstdKernel(): {
  bzImage: string;
  payload: string;
  release: string;
  vmlinuxBytes: number;
} {
  const kernel = debianKernel('amd64', 'generic');
  mkdirSync(work, { recursive: true });
  const bzImage = join(work, `vmlinuz-${kernel.release}-zstd22`);
  const payload = join(work, `vmlinux-${kernel.release}.zst`);
  const vmlinux = join(work, `vmlinux-${kernel.release}`);
  if (!existsSync(bzImage)) {
    const src = readFileSync(kernel.vmlinuz);
    const start = ((src[0x1f1] || 4) + 1) * 512 + src.readUInt32LE(0x248);
    const xz = src.subarray(start, start + src.readUInt32LE(0x24c) - 4); // strip the appended size
    writeFileSync(vmlinux, execFileSync('xz', ['-dc'], { input: xz, maxBuffer: 1 << 30 }));
    execFileSync('zstd', ['-q', '-f', '-22', '--ultra', '-T2', vmlinux, '-o', payload]);
    const size = Buffer.alloc(4);
    size.writeUInt32LE(statSync(vmlinux).size);
    const withSize = Buffer.concat([readFileSync(payload), size]);
    writeFileSync(bzImage, makeBzImageFromPayload(withSize, kernel.release));
  }
  return { bzImage, payload, release: kernel.release, vmlinuxBytes: statSync(vmlinux).size };
}
