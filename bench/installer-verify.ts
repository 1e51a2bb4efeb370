/**
 * Deep verification of an installer (`talos-kmod verify docker-archive:installer-amd64.tar`)
 * against the native floor of reading the same things: gunzip the artifacts layer out of the
 * tarball, cut `.initrd` out of the UKI, `zstd -dc` it through `cpio -id`, and `unsquashfs -cat`
 * every file of every extension image. Target (issue 13): at most 1.5× the floor, under 300 MB
 * peak RSS.
 *
 * The installer is built once into bench/.work/installer-verify/ the way the imager builds one
 * (pkg/imager/extensions, internal/pkg/uki): Debian's generic amd64 kernel (scripts/
 * fetch-debian-kernels.sh caches it), recompressed with zstd as Talos builds its kernel (or as it
 * is, xz, with BENCH_KERNEL=xz), is `.linux`, so the certificate and every module signature are
 * real; its modules are split into three extensions (drivers/net, drivers/scsi + block + md,
 * fs), each squashed with `mksquashfs -comp zstd -Xcompression-level 18`, the rest are the Talos
 * rootfs.sqsh of the first initramfs segment; depmod over all of them gives modules.dep.sqsh;
 * both segments are newc cpio archives (GNU cpio) compressed with `zstd -T0 -18`; the UKI is made
 * with objcopy on Debian's systemd stub. 24 MiB of random bytes in the rootfs stand in for Talos's
 * binaries so the installer has a real one's size (>= 100 MB).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { debianKernel } from '../test/support/debian-kernels';
import { bundleCli } from './_lib/oci-images';
import { interleave, node24Path, report, type Contender, type Timed } from './_lib/measure';
import { talosZstdKernel } from './_lib/talos-kernel';

const root = resolve(import.meta.dirname, '..');
const work = join(root, 'bench', '.work', 'installer-verify');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/**
 * The UKI's kernel: `zstd` (default), Debian's kernel recompressed with zstd as Talos builds its
 * own (bench/_lib/talos-kernel.ts); `xz`, Debian's vmlinuz as it is (xz with BCJ, decoded here in
 * WebAssembly). `BENCH_KERNEL` picks one; each is built once.
 */
const KERNEL = process.env.BENCH_KERNEL === 'xz' ? 'xz' : 'zstd';
const stub = '/usr/lib/systemd/boot/efi/linuxx64.efi.stub';

const sh = (cmd: string, cwd?: string): string =>
  execFileSync('sh', ['-c', cmd], { cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const groups: { name: string; dirs: string[] }[] = [
  { name: 'bench-net', dirs: ['kernel/drivers/net'] },
  {
    name: 'bench-storage',
    dirs: ['kernel/drivers/scsi', 'kernel/drivers/block', 'kernel/drivers/md'],
  },
  { name: 'bench-fs', dirs: ['kernel/fs'] },
];

/** objcopy's section addresses after the stub's last section, as objcopy.go computes them. */
function assembleUki(out: string, sections: [string, string][]): void {
  const pe = readFileSync(stub);
  const at = pe.readUInt32LE(0x3c);
  const count = pe.readUInt16LE(at + 6);
  const optSize = pe.readUInt16LE(at + 20);
  const opt = at + 24;
  const base = Number(pe.readBigUInt64LE(opt + 24));
  const align = pe.readUInt32LE(opt + 32);
  const last = opt + optSize + (count - 1) * 40;
  const up = (n: number) => Math.ceil(n / align) * align;
  let vma = up(base + pe.readUInt32LE(last + 12) + pe.readUInt32LE(last + 8));
  const args: string[] = [];
  for (const [name, file] of sections) {
    args.push(
      '--add-section',
      `${name}=${file}`,
      '--change-section-vma',
      `${name}=0x${vma.toString(16)}`,
    );
    vma = up(vma + statSync(file).size);
  }
  execFileSync('objcopy', [...args, stub, out]);
}

/** Builds the installer tarball once; returns its path. */
function buildInstaller(): { tarball: string; modules: number; release: string } {
  const kernel = debianKernel('amd64', 'generic');
  const tarball = join(work, KERNEL === 'xz' ? 'installer-amd64.tar' : 'installer-amd64-zstd.tar');
  const stamp = join(work, KERNEL === 'xz' ? 'modules-v2.txt' : 'modules-v2-zstd.txt');
  if (existsSync(tarball) && existsSync(stamp)) {
    return { tarball, modules: Number(readFileSync(stamp, 'utf8')), release: kernel.release };
  }
  const rel = kernel.release;
  const s = join(work, 'stage');
  rmSync(s, { recursive: true, force: true });
  const mods = `usr/lib/modules/${rel}`;
  // the whole tree once for depmod, then moved apart into the rootfs and the extensions
  mkdirSync(join(s, 'all', 'usr', 'lib', 'modules'), { recursive: true });
  sh(`cp -a ${kernel.modulesDir} ${join(s, 'all', mods)}`);
  sh(
    `rm -f ${join(s, 'all', mods)}/modules.* ${join(s, 'all', mods)}/build ${join(s, 'all', mods)}/source`,
  );
  sh(`depmod --all --basedir ${join(s, 'all', 'usr')} ${rel} 2>/dev/null`);
  mkdirSync(join(s, 'moddep', mods), { recursive: true });
  sh(`mv ${join(s, 'all', mods)}/modules.* ${join(s, 'moddep', mods)}/`);
  const initrd = join(s, 'initrd');
  mkdirSync(initrd, { recursive: true });
  const yaml: string[] = ['layers:'];
  groups.forEach((g, i) => {
    const ext = join(s, `ext-${i}`);
    for (const d of g.dirs) {
      mkdirSync(join(ext, mods, d, '..'), { recursive: true });
      sh(`mv ${join(s, 'all', mods, d)} ${join(ext, mods, d)}`);
    }
    sh(
      `mksquashfs ${ext} ${join(initrd, `${i}.sqsh`)} -all-root -noappend -no-progress -quiet -comp zstd -Xcompression-level 18 >/dev/null`,
    );
    yaml.push(
      `    - image: ${i}.sqsh`,
      '      metadata:',
      `        name: ${g.name}`,
      '        version: 1.0.0',
      '        author: bench',
      `        description: Debian ${rel} ${g.dirs.join(', ')}`,
    );
  });
  sh(
    `mksquashfs ${join(s, 'moddep')} ${join(initrd, 'modules.dep.sqsh')} -all-root -noappend -no-progress -quiet -comp zstd -Xcompression-level 18 >/dev/null`,
  );
  yaml.push(
    '    - image: modules.dep.sqsh',
    '      metadata:',
    '        name: modules.dep',
    `        version: ${rel}`,
    '        author: Talos Machinery',
    '        description: Combined modules.dep for all extensions',
    '',
  );
  writeFileSync(join(initrd, 'extensions.yaml'), yaml.join('\n'));
  // first segment: init and the Talos rootfs (here: the remaining in-tree modules)
  const first = join(s, 'first');
  mkdirSync(first, { recursive: true });
  writeFileSync(join(first, 'init'), '#!/bin/sh\n');
  // stand-ins for the rootfs's binaries (containerd, kubelet…): incompressible, so the installer
  // is the size of a real one (>= 100 MB)
  mkdirSync(join(s, 'all', 'usr', 'bin'), { recursive: true });
  writeFileSync(join(s, 'all', 'usr', 'bin', 'containerd'), randomBytes(24 * 1024 * 1024));
  sh(
    `mksquashfs ${join(s, 'all')} ${join(first, 'rootfs.sqsh')} -all-root -noappend -no-progress -quiet -comp zstd -Xcompression-level 18 >/dev/null`,
  );
  const newc = (dir: string) =>
    `(cd ${dir} && find . -mindepth 1 | sed 's,^\\./,,' | sort | cpio -H newc --create --reproducible --quiet -R +0:+0)`;
  sh(`${newc(first)} | zstd -T0 -18 -c -q > ${join(s, 'initramfs.xz')}`);
  sh(`${newc(initrd)} | zstd -T0 -18 -c -q >> ${join(s, 'initramfs.xz')}`);
  writeFileSync(
    join(s, 'cmdline'),
    'talos.platform=metal console=tty0 selinux=1 module.sig_enforce=1',
  );
  writeFileSync(join(s, 'uname'), rel);
  writeFileSync(join(s, 'osrel'), 'NAME="Talos"\nID=talos\nVERSION_ID=v1.12.0\n');
  const art = join(s, 'artifacts', 'usr', 'install', 'amd64');
  mkdirSync(art, { recursive: true });
  assembleUki(join(art, 'vmlinuz.efi'), [
    ['.osrel', join(s, 'osrel')],
    ['.cmdline', join(s, 'cmdline')],
    ['.uname', join(s, 'uname')],
    ['.linux', KERNEL === 'xz' ? kernel.vmlinuz : talosZstdKernel().bzImage],
    ['.initrd', join(s, 'initramfs.xz')],
  ]);
  sh(`cp /usr/lib/systemd/boot/efi/systemd-bootx64.efi ${join(art, 'systemd-boot.efi')}`);
  mkdirSync(join(s, 'base', 'usr', 'bin'), { recursive: true });
  writeFileSync(join(s, 'base', 'usr', 'bin', 'installer'), '#!/bin/sh\n', { mode: 0o755 });
  const tars = ['base', 'artifacts'].map((d) =>
    execFileSync(
      'tar',
      ['-C', join(s, d), '--sort=name', '--owner=0', '--group=0', '-cf', '-', 'usr'],
      {
        maxBuffer: 1 << 30,
      },
    ),
  );
  const out = join(s, 'archive');
  mkdirSync(out, { recursive: true });
  const layers = tars.map((t) => {
    const gz = gzipSync(t, { level: 6 });
    const name = `${sha256(gz)}.tar.gz`;
    writeFileSync(join(out, name), gz);
    return name;
  });
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Entrypoint: ['/bin/installer'] },
      rootfs: { type: 'layers', diff_ids: tars.map((t) => `sha256:${sha256(t)}`) },
    }),
  );
  const configName = `sha256:${sha256(config)}`;
  writeFileSync(join(out, configName), config);
  writeFileSync(
    join(out, 'manifest.json'),
    JSON.stringify([{ Config: configName, RepoTags: ['bench/installer:latest'], Layers: layers }]),
  );
  execFileSync('tar', ['-C', out, '-cf', tarball, configName, ...layers, 'manifest.json']);
  const modules = Number(
    sh(
      `find ${join(s, 'ext-0')} ${join(s, 'ext-1')} ${join(s, 'ext-2')} -name '*.ko' | wc -l`,
    ).trim(),
  );
  writeFileSync(stamp, String(modules));
  rmSync(s, { recursive: true, force: true });
  return { tarball, modules, release: rel };
}

mkdirSync(work, { recursive: true });
const built = buildInstaller();
const size = statSync(built.tarball).size;
console.log(
  `installer: ${(size / 1048576).toFixed(1)} MiB, 3 extensions, ${built.modules} extension modules, kernel ${built.release}`,
);
const cli = await bundleCli(join(work, 'cli'));

interface Report {
  passed: boolean;
  checks: { id: string; status: string; severity: string; message: string }[];
  installers?: {
    extensions: { name: string; moduleCount: number; verdicts: Record<string, number> }[];
  }[];
}
const ours = JSON.parse(
  sh(`${process.execPath} ${cli} verify docker-archive:${built.tarball} --json || true`),
) as Report;
const exts = ours.installers?.[0]?.extensions ?? [];
const verified = exts.reduce((n, e) => n + (e.verdicts.verified ?? 0), 0);
const failing = ours.checks.filter((c) => c.status === 'fail');
console.log(
  `ours: ${ours.passed ? 'passed' : 'failed'}; ${exts.map((e) => `${e.name} ${e.moduleCount}`).join(', ')}; ${verified} of ${built.modules} modules verified against the kernel's certificate${failing.length ? `; failing: ${failing.map((c) => `${c.id}: ${c.message.slice(0, 120)}`).join(' | ')}` : ''}`,
);
if (verified !== built.modules)
  throw new Error('our verification disagrees with the installer built');

const scratch = join(work, 'scratch');
const clean = () => {
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(join(scratch, 'x'), { recursive: true });
};
const manifest = JSON.parse(sh(`tar -xOf ${built.tarball} manifest.json`)) as {
  Layers: string[];
}[];
const artifacts = manifest[0]?.Layers.at(-1) ?? '';
const floor = [
  `tar -xOf ${built.tarball} ${artifacts} | gzip -dc | tar -x -C ${scratch} usr/install/amd64/vmlinuz.efi`,
  `set -- $(objdump -h ${scratch}/usr/install/amd64/vmlinuz.efi | awk '$2 == ".initrd" { print $3, $6 }')`,
  `dd if=${scratch}/usr/install/amd64/vmlinuz.efi bs=1M iflag=skip_bytes,count_bytes skip=$((0x$2)) count=$((0x$1)) status=none | zstd -dc | (cd ${scratch}/x && cpio -id --quiet)`,
  `for f in ${scratch}/x/*.sqsh; do unsquashfs -cat "$f" $(unsquashfs -lc "$f" | sed -n 's,^squashfs-root/,,p') > /dev/null; done`,
].join(' && ');
const node24 = node24Path();
const verifyArgs = `${cli} verify docker-archive:${built.tarball} --json > /dev/null`;
const commands: Contender[] = [
  {
    label: `talos-kmod verify (deep, CLI bundle, Node ${process.versions.node})`,
    argv: `${process.execPath} ${verifyArgs}`,
  },
  { label: 'floor: gunzip + zstd -dc | cpio + unsquashfs -cat', argv: floor, before: clean },
  ...(node24
    ? [{ label: 'talos-kmod verify (deep, CLI bundle, Node 24)', argv: `${node24} ${verifyArgs}` }]
    : []),
];
const [oursTime, floorTime, ours24] = interleave(commands, RUNS) as [Timed, Timed, Timed?];
rmSync(scratch, { recursive: true, force: true });
report('installer-verify', oursTime, ours24 ? [floorTime, ours24] : [floorTime], {
  kernel: KERNEL,
  node24OverFloor: ours24 ? Number((ours24.seconds / floorTime.seconds).toFixed(2)) : null,
  installerBytes: size,
  extensions: 3,
  extensionModules: built.modules,
  runs: RUNS,
  oursOverFloor: Number((oursTime.seconds / floorTime.seconds).toFixed(2)),
  targets: { oursOverFloorAtMost: 1.5, peakRssMbUnder: 300 },
  // under this machine's Node (20 here, fzstd) and under the actions' runtime (Node 24)
  met: {
    withinFloor: oursTime.seconds / floorTime.seconds <= 1.5,
    rss: oursTime.maxRssMb < 300,
  },
  metOnNode24: ours24
    ? { withinFloor: ours24.seconds / floorTime.seconds <= 1.5, rss: ours24.maxRssMb < 300 }
    : null,
});
