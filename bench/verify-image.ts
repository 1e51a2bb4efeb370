/**
 * `talos-kmod verify` on an extension-shaped image holding every module of a real Debian kernel
 * package (linux-image-*-cloud-amd64: ~1,100 signed modules, ~90 MB), pushed to a local registry,
 * against the seed's way of checking an extension (skopeo copy, tar -x, `grep -FL '~Module
 * signature appended~'`, then modinfo for signer and vermagic) and against the floor: downloading
 * the layer and gunzipping it, which any check has to do.
 *
 * Before timing, the results are compared: the unsigned set from grep and ours must agree (both
 * empty for Debian's signed modules), and our report's signer and vermagic per module must equal
 * modinfo's. Targets (issue 4): at most half the seed's time, within 1.5× of the floor, peak RSS
 * under 250 MB.
 *
 * The package is fetched with `apt-get download` into bench/.work/kmod-modinfo/ (the same place
 * the kmod-modinfo benchmark uses, so it is downloaded once).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundleOne } from '../scripts/bundle';
import { startRegistry } from '../test/support/registry';
import { debianCloudKernel } from './_lib/debian-cloud-kernel';
import { extensionLayout } from './_lib/extension-layout';
import { interleave, report, type Timed } from './_lib/measure';

const root = resolve(import.meta.dirname, '..');
const work = join(root, 'bench', '.work', 'verify-image');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function sh(argv: string[], options: { cwd?: string; input?: string } = {}): string {
  return execFileSync(argv[0] ?? '', argv.slice(1), {
    cwd: options.cwd,
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
}

interface Report {
  passed: boolean;
  checks: { id: string; status: string; severity: string }[];
  modules: { name: string; path: string; signed: boolean; signer?: string; vermagic?: string }[];
}

mkdirSync(work, { recursive: true });
const { pkg, tree, release } = debianCloudKernel();
const layout = extensionLayout(
  work,
  join(tree, 'lib', 'modules', release),
  release,
  'debian-cloud-modules',
);
const registry = await startRegistry();
try {
  const ref = `${registry.host}/bench/debian-cloud-modules:bench`;
  sh([
    'skopeo',
    'copy',
    '--quiet',
    '--dest-tls-verify=false',
    `oci:${layout.dir}:bench`,
    `docker://${ref}`,
  ]);
  const layerDigest = layout.layer;

  const cli = join(work, 'talos-kmod.cjs');
  await bundleOne(join(root, 'packages', 'cli', 'src', 'main.ts'), cli);

  // Equality first: our report against grep (signed) and modinfo (signer, vermagic).
  const ours = JSON.parse(sh([process.execPath, cli, 'verify', ref, '--json'])) as Report;
  const files = sh(['find', join(tree, 'lib', 'modules', release), '-name', '*.ko'])
    .trim()
    .split('\n')
    .sort();
  const unsignedByGrep = sh(['sh', '-c', 'xargs grep -FL "~Module signature appended~" || true'], {
    input: files.join('\n'),
  }).trim();
  const unsignedByUs = ours.modules.filter((m) => !m.signed).map((m) => m.name);
  if (unsignedByGrep !== '' || unsignedByUs.length > 0 || ours.modules.length !== files.length) {
    throw new Error(
      `disagree: grep unsigned [${unsignedByGrep}], ours unsigned [${unsignedByUs.join(', ')}], ${ours.modules.length} vs ${files.length} modules`,
    );
  }
  const signers = sh(['xargs', 'modinfo', '-F', 'signer'], { input: files.join('\n') })
    .trim()
    .split('\n');
  const vermagics = sh(['xargs', 'modinfo', '-F', 'vermagic'], { input: files.join('\n') })
    .trim()
    .split('\n');
  const byRel = new Map(
    ours.modules.map((m) => [m.path.replace(/^rootfs\/usr\/lib\/modules\//, ''), m]),
  );
  files.forEach((f, i) => {
    const m = byRel.get(f.slice(join(tree, 'lib', 'modules').length + 1));
    if (!m || m.signer !== signers[i] || m.vermagic?.trim() !== vermagics[i]?.trim()) {
      throw new Error(
        `${f}: ours ${JSON.stringify(m)} vs modinfo signer ${signers[i]} vermagic ${vermagics[i]}`,
      );
    }
  });
  const failing = ours.checks.filter((c) => c.status === 'fail');
  console.log(
    `${pkg}: ${files.length} modules; grep, modinfo and our report agree on signed, signer and vermagic; ours ${ours.passed ? 'passed' : 'failed'} with ${failing.length} failing checks (${[...new Set(failing.map((c) => `${c.id}/${c.severity}`))].join(', ')})`,
  );

  const scratch = join(work, 'scratch');
  const clean = () => rmSync(scratch, { recursive: true, force: true });
  // Interleaved single runs (ours, seed, floor, ours, …) so that load from other work on the
  // machine falls on all three alike; each row is the median of its runs.
  const commands: { label: string; argv: string; before?: () => void }[] = [
    {
      label: 'talos-kmod verify (CLI bundle)',
      argv: `${process.execPath} ${cli} verify ${ref} --json > /dev/null`,
    },
    {
      label: "seed's way: skopeo copy + tar -x + grep -FL + modinfo",
      argv: [
        `mkdir -p ${scratch}/root`,
        `skopeo copy --quiet --src-tls-verify=false docker://${ref} dir:${scratch}/img`,
        `for d in $(jq -r '.layers[].digest' ${scratch}/img/manifest.json); do tar -xzf ${scratch}/img/\${d#sha256:} -C ${scratch}/root; done`,
        `find ${scratch}/root -name '*.ko*' -exec grep -FL '~Module signature appended~' {} + > ${scratch}/unsigned.txt || true`,
        `find ${scratch}/root -name '*.ko*' -print0 | xargs -0 modinfo -F signer > /dev/null`,
        `find ${scratch}/root -name '*.ko*' -print0 | xargs -0 modinfo -F vermagic > /dev/null`,
      ].join(' && '),
      before: clean,
    },
    {
      label: 'floor: download the layer + gunzip',
      argv: `curl -sf http://${registry.host}/v2/bench/debian-cloud-modules/blobs/${layerDigest} | gunzip > /dev/null`,
    },
  ];
  const [oursTime, seed, floor] = interleave(commands, RUNS) as [Timed, Timed, Timed];
  // CPU seconds (user + sys) of one more run each: less sensitive than wall time to other load
  const cpuSeconds = (c: (typeof commands)[number]): number => {
    c.before?.();
    const r = spawnSync('/usr/bin/time', ['-f', '%U %S', 'sh', '-c', c.argv], { encoding: 'utf8' });
    const [user = 0, sys = 0] = (r.stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
    return Number((user + sys).toFixed(2));
  };
  const cpu = Object.fromEntries(commands.map((c) => [c.label, cpuSeconds(c)]));
  console.log('CPU seconds (user + sys):', cpu);
  clean();
  const layerSize = statSync(join(layout.dir, 'blobs', 'sha256', layerDigest.slice(7))).size;
  report('verify-image', oursTime, [seed, floor], {
    package: pkg,
    modules: files.length,
    layerBytes: layerSize,
    runs: RUNS,
    cpuSeconds: cpu,
    seedOverOurs: Number((seed.seconds / oursTime.seconds).toFixed(2)),
    oursOverFloor: Number((oursTime.seconds / floor.seconds).toFixed(2)),
    targets: { seedOverOursAtLeast: 2, oursOverFloorAtMost: 1.5, peakRssMbUnder: 250 },
    met: {
      halfOfSeed: seed.seconds / oursTime.seconds >= 2,
      withinFloor: oursTime.seconds / floor.seconds <= 1.5,
      rss: oursTime.maxRssMb < 250,
    },
  });
} finally {
  await registry.stop();
}
