/**
 * Reading a Talos-shaped initramfs in process (walkInitramfs + openSquashfs + readFile of every
 * file in every squashfs) against the native floor a user would otherwise run: `zstd -dc | cpio
 * -idm` for each compressed archive, then `unsquashfs -cat` of every file of every image (batched
 * through xargs, so process start-up is not what is measured).
 *
 * The initramfs is built once (cached in bench/.work) like an installer's: an uncompressed
 * early-microcode cpio, the main zstd cpio (`init` and a `rootfs.sqsh`), and the appended zstd cpio
 * with `extensions.yaml`, three extension images and `modules.dep.sqsh`. The images hold real
 * Debian kernel modules (scripts/fetch-debian-kernels.sh) and are made with Talos' own flags
 * (`mksquashfs -comp zstd -Xcompression-level 18 -all-root -noappend`). Before timing, every
 * image's content is checked: the SHA-256 of all its files in listing order must equal that of
 * `unsquashfs -cat`. Runs alternate between the two sides. Node 20 has no native zstd (fzstd, pure
 * JS, is used); Node 24 does, so ours is also timed under Node 24 (`npx -y node@24`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundleOne } from '../scripts/bundle';
import { interleave, node24Path, report } from './_lib/measure';

const root = resolve(import.meta.dirname, '..');
const work = join(root, 'bench', '.work', 'initramfs-read');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const KERNELS = process.env.TALOS_KMOD_DEBIAN_KERNELS ?? '/var/cache/talos-kmod/debian-kernels';
const TALOS_FLAGS = ['-comp', 'zstd', '-Xcompression-level', '18', '-all-root', '-noappend'];

function sh(cmd: string, cwd = work): string {
  return execFileSync('sh', ['-c', cmd], { cwd, encoding: 'utf8', maxBuffer: 1024 ** 3 });
}

function modulesOf(pkg: string, release: string, sub = ''): string {
  const dir = join(KERNELS, pkg, 'root', 'lib', 'modules', release, sub);
  if (!existsSync(dir)) {
    throw new Error(`${dir} is missing: run sudo ./scripts/fetch-debian-kernels.sh first`);
  }
  return dir;
}

/** Builds the initramfs and its pieces once; returns the paths. */
function build(): { initramfs: string; archives: string[] } {
  const out = join(work, 'initramfs.img');
  const archives = [join(work, 'main.cpio.zst'), join(work, 'appended.cpio.zst')];
  if (existsSync(join(work, '.built'))) return { initramfs: out, archives };
  rmSync(work, { recursive: true, force: true });
  for (const d of ['microcode/kernel/x86/microcode', 'main', 'appended']) {
    mkdirSync(join(work, d), { recursive: true });
  }
  const images: [string, string][] = [
    [
      'main/rootfs.sqsh',
      modulesOf('linux-image-6.1.0-57-amd64-unsigned', '6.1.0-57-amd64', 'kernel/drivers/net'),
    ],
    [
      'appended/0.sqsh',
      modulesOf('linux-image-6.1.0-57-cloud-amd64-unsigned', '6.1.0-57-cloud-amd64'),
    ],
    [
      'appended/1.sqsh',
      modulesOf('linux-image-6.1.0-57-cloud-arm64-unsigned', '6.1.0-57-cloud-arm64'),
    ],
    [
      'appended/2.sqsh',
      modulesOf('linux-image-6.1.0-57-amd64-unsigned', '6.1.0-57-amd64', 'kernel/fs'),
    ],
    [
      'appended/modules.dep.sqsh',
      modulesOf('linux-image-6.1.0-57-cloud-amd64-unsigned', '6.1.0-57-cloud-amd64', 'kernel/lib'),
    ],
  ];
  for (const [image, source] of images) {
    execFileSync('mksquashfs', [
      source,
      join(work, image),
      ...TALOS_FLAGS,
      '-no-progress',
      '-quiet',
    ]);
  }
  writeFileSync(join(work, 'main/init'), readFileSync('/bin/busybox'));
  writeFileSync(
    join(work, 'appended/extensions.yaml'),
    [
      'layers:',
      ...[0, 1, 2].map(
        (i) => `  - image: ${i}.sqsh\n    metadata: {name: ext-${i}, version: 1.0.0}`,
      ),
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(work, 'microcode/kernel/x86/microcode/GenuineIntel.bin'),
    readFileSync('/bin/busybox').subarray(0, 200_000),
  );
  sh(`cd microcode && find . | LC_ALL=C sort | cpio --quiet -o -H newc > ../microcode.cpio`);
  sh(
    `cd main && find . | LC_ALL=C sort | cpio --quiet -o -H newc | zstd -q -19 -T0 > ../main.cpio.zst`,
  );
  sh(
    `cd appended && find . | LC_ALL=C sort | cpio --quiet -o -H newc | zstd -q -19 -T0 > ../appended.cpio.zst`,
  );
  // Each archive starts 4-byte aligned, as the kernel requires after a plain cpio.
  const pieces = ['microcode.cpio', 'main.cpio.zst', 'appended.cpio.zst'].map((f) =>
    readFileSync(join(work, f)),
  );
  const padded = pieces.flatMap((p) => [p, Buffer.alloc((4 - (p.length % 4)) % 4)]);
  writeFileSync(out, Buffer.concat(padded));
  writeFileSync(join(work, '.built'), '');
  return { initramfs: out, archives };
}

mkdirSync(work, { recursive: true });
const { initramfs, archives } = build();
const size = readFileSync(initramfs).length;

// Ours: a minimal bundle of the readers, the way the verify step runs them in process.
const entry = join(work, 'read-entry.ts');
writeFileSync(
  entry,
  [
    `import { createHash } from 'node:crypto';`,
    `import { openSquashfs, walkInitramfs } from ${JSON.stringify(join(root, 'packages/boot/src/index.ts'))};`,
    `void (async () => {`,
    `  const wanted = (p: string) => p.endsWith('.sqsh') || p === 'extensions.yaml';`,
    `  const walk = await walkInitramfs(process.argv[2] ?? '', { want: wanted });`,
    `  if (walk.problems.length) throw new Error(walk.problems.join('; '));`,
    `  const digest = process.argv[3] === 'digest';`,
    `  const out: Record<string, string> = {};`,
    `  let files = 0;`,
    `  for (const [path, bytes] of walk.files) {`,
    `    if (!path.endsWith('.sqsh')) continue;`,
    `    const { image, problems } = await openSquashfs(bytes);`,
    `    if (!image || problems.length) throw new Error(path + ': ' + problems.join('; '));`,
    `    const hash = createHash('sha256');`,
    `    for (const e of image.walk()) {`,
    `      if (e.type !== 'file') continue;`,
    `      const content = await image.readFile(e.path);`,
    `      files++;`,
    `      if (digest) hash.update(content);`,
    `    }`,
    `    out[path] = hash.digest('hex');`,
    `  }`,
    `  if (digest) console.log(JSON.stringify(out));`,
    `  else if (files === 0) process.exit(1);`,
    `})();`,
    '',
  ].join('\n'),
);
const bundle = join(work, 'initramfs-read.cjs');
await bundleOne(entry, bundle);

// The floor: the native tools over the same archives and images.
const floorScript = join(work, 'floor.sh');
writeFileSync(
  floorScript,
  [
    'set -e',
    'out=$(mktemp -d)',
    `for a in ${archives.join(' ')}; do zstd -dc "$a" | (cd "$out" && cpio --quiet -idm); done`,
    'for f in "$out"/*.sqsh; do',
    `  unsquashfs -lln -d '' "$f" | awk '/^-/ {print $NF}' | xargs -d '\\n' unsquashfs -cat "$f" > /dev/null`,
    'done',
    'rm -rf "$out"',
    '',
  ].join('\n'),
);

// Correctness first: each image's files hash the same as unsquashfs -cat prints them.
const ours = JSON.parse(
  execFileSync(process.execPath, [bundle, initramfs, 'digest'], { encoding: 'utf8' }),
) as Record<string, string>;
const extracted = join(work, 'check');
rmSync(extracted, { recursive: true, force: true });
mkdirSync(extracted);
for (const a of archives) sh(`zstd -dc "${a}" | cpio --quiet -idm`, extracted);
let fileCount = 0;
for (const [path, digest] of Object.entries(ours)) {
  const f = join(extracted, path);
  const list = `unsquashfs -lln -d '' "${f}" | awk '/^-/ {print $NF}'`;
  const theirs = sh(`${list} | xargs -d '\\n' unsquashfs -cat "${f}" | sha256sum`).split(' ')[0];
  if (theirs !== digest)
    throw new Error(`${path}: our content hashes to ${digest}, unsquashfs -cat to ${theirs}`);
  fileCount += Number(sh(`${list} | wc -l`).trim());
}
const sqshBytes = Object.keys(ours).reduce(
  (n, p) => n + readFileSync(join(extracted, p)).length,
  0,
);
const unpacked = Number(sh(`du -sb --apparent-size . | cut -f1`, extracted).trim());
console.log(
  `initramfs ${(size / 2 ** 20).toFixed(1)} MiB: ${Object.keys(ours).length} squashfs images (${(sqshBytes / 2 ** 20).toFixed(1)} MiB), ${fileCount} files; contents identical to unsquashfs -cat`,
);

const node24 = node24Path();

// Interleaved: one run of each side per round; medians over the rounds.
const sides: [string, string[] | string][] = [
  [`ours (Node ${process.versions.node}, fzstd)`, [process.execPath, bundle, initramfs]],
  ['native: zstd -dc | cpio -idm; unsquashfs -cat', `sh ${floorScript}`],
];
if (node24) sides.push(['ours (Node 24, node:zlib zstd)', [node24, bundle, initramfs]]);
const [first, ...rest] = interleave(
  sides.map(([label, argv]) => ({ label, argv })),
  RUNS,
);
if (!first) throw new Error('no measurements');
report('initramfs-read', first, rest, {
  initramfsBytes: size,
  squashfsImages: Object.keys(ours).length,
  squashfsBytes: sqshBytes,
  unpackedBytes: unpacked,
  entries: fileCount,
  runs: RUNS,
  node24: node24 ? execFileSync(node24, ['--version'], { encoding: 'utf8' }).trim() : 'unavailable',
});
