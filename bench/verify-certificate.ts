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
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { bundleOne } from '../scripts/bundle';
import { debianKernel, debianKernelModules } from '../test/support/debian-kernels';
import { opensslVerifies } from '../test/support/module-signature';
import { startRegistry } from '../test/support/registry';
import { extensionLayout } from './_lib/extension-layout';
import { interleave, node24Path, report, type Contender, type Timed } from './_lib/measure';

const root = resolve(import.meta.dirname, '..');
const work = join(root, 'bench', '.work', 'verify-certificate');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function sh(argv: string[], options: { input?: string | Buffer } = {}): string {
  return execFileSync(argv[0] ?? '', argv.slice(1), {
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
  });
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
const layout = extensionLayout(work, kernel.modulesDir, kernel.release, 'debian-modules');
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
  // The certificate for openssl: a certificate file as it is; from a kernel image (which openssl
  // cannot read) as `kernel-cert --pem` prints it, checked by openssl's own fingerprint.
  const isCertFile = /\.(pem|crt|cer|der)$/.test(cert);
  writeFileSync(
    pem,
    isCertFile
      ? sh(['openssl', 'x509', '-inform', cert.endsWith('.der') ? 'DER' : 'PEM', '-in', cert])
      : sh([process.execPath, cli, 'kernel-cert', '--pem', cert]),
  );
  const fingerprint = sh(['openssl', 'x509', '-noout', '-fingerprint', '-sha256', '-in', pem]);
  if (!fingerprint.trim().endsWith(`=${certDer.sha256Fingerprint}`)) {
    throw new Error(`openssl reads ${fingerprint.trim()}, our report ${certDer.sha256Fingerprint}`);
  }
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
  // Under this Node and under Node 24 (what actions run): with the certificate read from the
  // kernel (Debian's is xz: decoding it is part of the cost; Talos kernels are zstd), with the
  // certificate as a PEM file (the per-module check alone), and without one (key-id fallback).
  const node24 = node24Path();
  const verify = (node: string, flags: string): string =>
    `${node} ${cli} verify ${ref} ${flags} --json > /dev/null`;
  const nodes: [string, string][] = [[`Node ${process.versions.node}`, process.execPath]];
  if (node24) nodes.push(['Node 24', node24]);
  const commands: Contender[] = nodes.flatMap(([name, node]) => [
    {
      label: `ours, ${name}: --kernel-cert <vmlinuz>`,
      argv: verify(node, `--kernel-cert ${cert}`),
    },
    { label: `ours, ${name}: --kernel-cert <PEM>`, argv: verify(node, `--kernel-cert ${pem}`) },
    { label: `ours, ${name}: no certificate (key ids)`, argv: verify(node, '') },
    {
      label: `floor, ${name}: download the layer + inflate with node:zlib`,
      argv: `${node} ${floorScript} ${layerUrl}`,
    },
  ]);
  const rows = interleave(commands, RUNS);
  const [ours2, ...others] = rows as [Timed, ...Timed[]];
  const layerBytes = statSync(join(layout.dir, 'blobs', 'sha256', layout.layer.slice(7))).size;
  // each of ours against the floor under the same Node (rows come in groups of four)
  const overFloor = Object.fromEntries(
    rows.map((r, i) => {
      const floorRow = rows[i - (i % 4) + 3];
      return [r.label, floorRow ? Number((r.seconds / floorRow.seconds).toFixed(2)) : null];
    }),
  );
  report('verify-certificate', ours2, others, {
    package: kernel.package,
    modules: files.length,
    layerBytes,
    runs: RUNS,
    overFloor,
    targets: { oursOverFloorAtMost: 1.25, peakRssMbUnder: 250 },
  });
} finally {
  await registry.stop();
}
