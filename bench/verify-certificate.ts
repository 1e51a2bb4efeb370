/**
 * `talos-kmod verify` WITH the cryptographic check on an image holding every module of a real
 * Debian kernel build (linux-image-*-amd64: ~4,000 signed modules, ~390 MB, ~100 MB gzip layer),
 * each module's signature verified against the certificate of that build's vmlinuz, against the
 * floor: downloading the layer and inflating it with Node's zlib alone (what any check of the
 * image has to do). Target (issue 12): at most 1.25× the floor, peak RSS under 250 MB.
 *
 * Before timing: every module must come out `verified`, and `openssl cms -verify` must agree on a
 * sample of them (the PKCS#7 blob cut out by sig_len, the certificate from the kernel).
 *
 * The Debian kernels come from the cache scripts/fetch-debian-kernels.sh fills (setup.sh runs it).
 * `BENCH_CERT` names the certificate file to pass as --kernel-cert (default: the vmlinuz itself).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { bundleOne } from '../scripts/bundle';
import { debianKernel, debianKernelModules } from '../test/support/debian-kernels';
import { startRegistry } from '../test/support/registry';
import { report, timeCommand, type Measurement } from './_lib/measure';

const root = resolve(import.meta.dirname, '..');
const work = join(root, 'bench', '.work', 'verify-certificate');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MARKER = '~Module signature appended~\n';

function sh(argv: string[], options: { input?: string | Buffer } = {}): string {
  return execFileSync(argv[0] ?? '', argv.slice(1), {
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
  });
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** An OCI layout with one gzip layer holding the modules under rootfs/usr/lib/modules/<kver>/. */
function extensionLayout(modulesDir: string, release: string): { dir: string; layer: string } {
  const dir = join(work, 'layout');
  const stage = join(work, 'stage');
  for (const d of [dir, stage]) rmSync(d, { recursive: true, force: true });
  mkdirSync(join(stage, 'rootfs', 'usr', 'lib', 'modules'), { recursive: true });
  sh(['cp', '-a', modulesDir, join(stage, 'rootfs', 'usr', 'lib', 'modules', release)]);
  writeFileSync(
    join(stage, 'manifest.yaml'),
    `version: v1alpha1\nmetadata:\n  name: debian-modules\n  version: 1.0.0\n  author: bench\n  description: Debian kernel modules\n  compatibility:\n    talos:\n      version: ">= v1.10.0"\n`,
  );
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const tar = execFileSync(
    'tar',
    ['-C', stage, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-cf', '-', '.'],
    { maxBuffer: 1024 * 1024 * 1024 },
  );
  const gz = execFileSync('gzip', ['-n', '-6'], { input: tar, maxBuffer: 1024 * 1024 * 1024 });
  const put = (b: Buffer): { digest: string; size: number } => {
    const digest = sha256(b);
    writeFileSync(join(dir, 'blobs', 'sha256', digest.slice(7)), b);
    return { digest, size: b.length };
  };
  const layer = put(gz);
  const config = put(
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: {},
        rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
      }),
    ),
  );
  const manifest = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
      }),
    ),
  );
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          annotations: { 'org.opencontainers.image.ref.name': 'bench' },
        },
      ],
    }),
  );
  rmSync(stage, { recursive: true, force: true });
  console.log(
    `layer: ${(tar.length / 1048576).toFixed(1)} MiB tar, ${(gz.length / 1048576).toFixed(1)} MiB gzip`,
  );
  return { dir, layer: layer.digest };
}

/** True when openssl cms -verify accepts `file`'s signature with `certPem`. */
function opensslVerifies(file: string, certPem: string): boolean {
  const bytes = readFileSync(file);
  if (bytes.subarray(bytes.length - MARKER.length).toString('latin1') !== MARKER) return false;
  const infoAt = bytes.length - MARKER.length - 12;
  const sigAt = infoAt - bytes.readUInt32BE(infoAt + 8);
  writeFileSync(join(work, 'content'), bytes.subarray(0, sigAt));
  writeFileSync(join(work, 'sig.p7'), bytes.subarray(sigAt, infoAt));
  const r = spawnSync('openssl', [
    'cms',
    '-verify',
    '-binary',
    '-inform',
    'DER',
    '-in',
    join(work, 'sig.p7'),
    '-content',
    join(work, 'content'),
    '-certfile',
    certPem,
    '-nointern',
    '-noverify',
    '-out',
    '/dev/null',
  ]);
  return r.status === 0;
}

interface Report {
  passed: boolean;
  platforms: { proof: string; certificates?: { sha256Fingerprint: string }[] }[];
  modules: { path: string; verdict?: string }[];
}

mkdirSync(work, { recursive: true });
const kernel = debianKernel('amd64', 'generic');
const files = debianKernelModules(kernel);
const cert = process.env.BENCH_CERT ?? kernel.vmlinuz;
const layout = extensionLayout(kernel.modulesDir, kernel.release);
const registry = await startRegistry();
try {
  const ref = `${registry.host}/bench/debian-modules:bench`;
  sh([
    'skopeo',
    'copy',
    '--quiet',
    '--dest-tls-verify=false',
    `oci:${layout.dir}:bench`,
    `docker://${ref}`,
  ]);
  const cli = join(work, 'talos-kmod.cjs');
  await bundleOne(join(root, 'packages', 'cli', 'src', 'main.ts'), cli);

  // Correctness first: every module verified, and openssl agrees on a sample.
  const ours = JSON.parse(
    spawnSync(process.execPath, [cli, 'verify', ref, '--kernel-cert', cert, '--json'], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    }).stdout,
  ) as Report;
  const verdicts = new Map(ours.modules.map((m) => [m.path, m.verdict]));
  const notVerified = ours.modules.filter((m) => m.verdict !== 'verified');
  if (ours.platforms[0]?.proof !== 'certificate' || notVerified.length > 0) {
    throw new Error(
      `expected every module verified by certificate: proof ${ours.platforms[0]?.proof}, ${notVerified.length} not verified (${notVerified
        .slice(0, 3)
        .map((m) => `${m.path}: ${m.verdict}`)
        .join(', ')})`,
    );
  }
  if (ours.modules.length !== files.length) {
    throw new Error(`${ours.modules.length} modules in the report, ${files.length} in the package`);
  }
  const pem = join(work, 'kernel-cert.pem');
  const certDer = ours.platforms[0]?.certificates?.[0];
  if (!certDer) throw new Error('no certificate in the report');
  // the certificate as openssl sees it, from the same file our report read
  writeFileSync(
    pem,
    sh(['openssl', 'x509', '-inform', cert.endsWith('.pem') ? 'PEM' : 'DER', '-in', cert]),
  );
  const sample = files.filter((_f, i) => i % 200 === 0);
  for (const f of sample) {
    const path = `rootfs/usr/lib/modules/${kernel.release}/${relative(kernel.modulesDir, f)}`;
    if (!opensslVerifies(f, pem) || verdicts.get(path) !== 'verified') {
      throw new Error(`${f}: openssl and our verdict (${verdicts.get(path)}) disagree`);
    }
  }
  console.log(
    `${kernel.package}: ${files.length} modules, all verified against SHA-256 ${certDer.sha256Fingerprint}; openssl cms -verify agrees on ${sample.length} sampled modules`,
  );

  const layerUrl = `http://${registry.host}/v2/bench/debian-modules/blobs/${layout.layer}`;
  const floorScript = join(work, 'floor.cjs');
  // the floor: download the layer and inflate it with Node's zlib, nothing else
  writeFileSync(
    floorScript,
    `const http = require('node:http'); const zlib = require('node:zlib');
http.get(process.argv[2], (res) => { const g = zlib.createGunzip(); res.pipe(g); g.on('data', () => {}); g.on('end', () => {}); });\n`,
  );
  const commands: { label: string; argv: string }[] = [
    {
      label: 'talos-kmod verify --kernel-cert (CLI bundle, every signature verified)',
      argv: `${process.execPath} ${cli} verify ${ref} --kernel-cert ${cert} --json > /dev/null`,
    },
    {
      label: 'floor: download the layer + inflate with Node zlib',
      argv: `${process.execPath} ${floorScript} ${layerUrl}`,
    },
    {
      label: 'talos-kmod verify without a certificate (key-id fallback, for reference)',
      argv: `${process.execPath} ${cli} verify ${ref} --json > /dev/null`,
    },
  ];
  const samples = new Map<string, Measurement[]>(commands.map((c) => [c.label, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const c of commands) {
      samples.get(c.label)?.push(timeCommand(c.label, c.argv, { runs: 1 }));
    }
  }
  const median = (label: string): Measurement => {
    const all = [...(samples.get(label) ?? [])].sort((a, b) => a.seconds - b.seconds);
    const mid = all[Math.floor(all.length / 2)];
    if (!mid) throw new Error(`no samples for ${label}`);
    return { label, seconds: mid.seconds, maxRssMb: Math.max(...all.map((m) => m.maxRssMb)) };
  };
  const [ours2, floor, noCert] = commands.map((c) => median(c.label)) as [
    Measurement,
    Measurement,
    Measurement,
  ];
  const layerBytes = statSync(join(layout.dir, 'blobs', 'sha256', layout.layer.slice(7))).size;
  report('verify-certificate', ours2, [floor, noCert], {
    package: kernel.package,
    modules: files.length,
    layerBytes,
    runs: RUNS,
    oursOverFloor: Number((ours2.seconds / floor.seconds).toFixed(2)),
    targets: { oursOverFloorAtMost: 1.25, peakRssMbUnder: 250 },
    met: {
      withinFloor: ours2.seconds / floor.seconds <= 1.25,
      rss: ours2.maxRssMb < 250,
    },
  });
} finally {
  await registry.stop();
}
