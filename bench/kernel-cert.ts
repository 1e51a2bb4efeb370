/**
 * `talos-kmod kernel-cert` on a Talos-sized zstd bzImage against `zstd -dc` of its payload (the
 * floor: a reader must at least inflate the kernel). The input is built from a real kernel: the
 * payload of Debian's generic amd64 vmlinuz (xz, ~66 MB of vmlinux with the distribution's
 * certificate; scripts/fetch-debian-kernels.sh caches it) recompressed with `zstd -22 --ultra` as
 * Talos builds it, size appended, in a bzImage setup header (test/support/kernel-images). Rows
 * run interleaved (one of each per round), medians reported: the CLI bundle under this Node
 * (Node 20 has no zstd in node:zlib, fzstd decodes) and under Node 24 (`npx -y node@24`, the
 * actions' runtime, node:zlib's zstd), the same under Node 24 started as npm installs it (the
 * launcher, with Node's compile cache), and the floor. The CLI must find the certificate.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundleOne } from '../scripts/bundle';
import { interleave, node24Path, writeResults } from './_lib/measure';
import { talosZstdKernel } from './_lib/talos-kernel';

const root = resolve(import.meta.dirname, '..');
const work = join(root, 'bench', '.work', 'kernel-cert');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

mkdirSync(work, { recursive: true });
const input = talosZstdKernel();
// Laid out as npm installs the CLI (packages/cli/package.json `bin`): the launcher enables Node's
// compile cache (Node ≥ 22.8) before it loads the bundle. The cache starts empty, so the first
// round compiles and writes it, as the first command on a fresh runner does.
const cli = join(work, 'cli', 'dist', 'talos-kmod.cjs');
const launcher = join(work, 'cli', 'bin', 'talos-kmod.cjs');
mkdirSync(join(work, 'cli', 'bin'), { recursive: true });
await bundleOne(join(root, 'packages', 'cli', 'src', 'main.ts'), cli);
copyFileSync(join(root, 'packages', 'cli', 'bin', 'talos-kmod.cjs'), launcher);
const cacheHome = join(work, 'xdg-cache');
rmSync(cacheHome, { recursive: true, force: true });
process.env.XDG_CACHE_HOME = cacheHome;
const n24 = node24Path();

const check = execFileSync(process.execPath, [cli, 'kernel-cert', '--json', input.bzImage], {
  encoding: 'utf8',
});
const parsed = JSON.parse(check) as {
  release: string;
  certificates: { sha256Fingerprint: string }[];
}[];
if (parsed[0]?.release !== input.release || parsed[0].certificates.length !== 1) {
  throw new Error(`kernel-cert did not read ${input.bzImage}: ${check}`);
}
console.log(
  `${input.bzImage}: ${(statSync(input.bzImage).size / 1e6).toFixed(1)} MB, vmlinux ${(input.vmlinuxBytes / 1e6).toFixed(1)} MB, certificate ${parsed[0].certificates[0]?.sha256Fingerprint}`,
);

const tools: { label: string; argv: string[] | string }[] = [
  {
    label: `talos-kmod kernel-cert (node ${process.version})`,
    argv: [process.execPath, cli, 'kernel-cert', input.bzImage],
  },
  ...(n24
    ? [
        {
          label: 'talos-kmod kernel-cert (node 24)',
          argv: [n24, cli, 'kernel-cert', input.bzImage],
        },
        {
          label: 'installed talos-kmod kernel-cert (node 24)',
          argv: [n24, launcher, 'kernel-cert', input.bzImage],
        },
      ]
    : []),
  { label: 'zstd -dc payload (floor)', argv: `zstd -dc ${input.payload} > /dev/null` },
  { label: 'node -e 0 (startup only)', argv: [process.execPath, '-e', '0'] },
];
const rows = interleave(tools, RUNS);
const floor = rows[tools.length - 2];
if (!floor) throw new Error('no floor');
console.log(`\nkernel-cert (${RUNS} interleaved runs, medians)`);
for (const r of rows) {
  console.log(
    `  ${r.label.padEnd(40)} ${r.seconds.toFixed(2).padStart(6)} s  ${r.maxRssMb.toFixed(0).padStart(5)} MB RSS  ${(r.seconds / floor.seconds).toFixed(2)}× floor`,
  );
}
writeResults('kernel-cert', {
  input: {
    release: input.release,
    bzImageBytes: statSync(input.bzImage).size,
    vmlinuxBytes: input.vmlinuxBytes,
  },
  runs: RUNS,
  rows: rows.map((r) => ({ ...r, ratioToFloor: Number((r.seconds / floor.seconds).toFixed(2)) })),
});
