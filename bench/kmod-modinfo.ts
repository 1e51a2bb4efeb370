/**
 * `talos-kmod modinfo` against `modinfo` on every module of a real Debian kernel package
 * (linux-image-*-cloud-amd64, ~1,100 signed modules). Both run over the same files in one batch
 * (`xargs`), the fair comparison; a third row runs just the @talos-kmod/kmod reader in a minimal
 * bundle, which is what the verify step pays inside a process that is already running. Before
 * timing, the full text outputs are compared: every line modinfo prints must be printed
 * identically by us (we add one `signed:` line per module), and signer, sig_key, sig_hashalgo,
 * vermagic and name are compared field by field for every module.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundleOne } from '../scripts/bundle';
import { debianCloudKernel } from './_lib/debian-cloud-kernel';
import { report, timeCommand } from './_lib/measure';

const root = resolve(import.meta.dirname, '..');
const work = join(root, 'bench', '.work', 'kmod-modinfo');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function sh(argv: string[], options: { cwd?: string; input?: string } = {}): string {
  return execFileSync(argv[0] ?? '', argv.slice(1), {
    cwd: options.cwd,
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
}

/** Downloads and unpacks the current cloud kernel package once; returns its module files. */
function kernelModules(): { pkg: string; files: string[] } {
  const { pkg, tree } = debianCloudKernel();
  const files = sh([
    'find',
    tree,
    '-name',
    '*.ko',
    '-o',
    '-name',
    '*.ko.xz',
    '-o',
    '-name',
    '*.ko.zst',
  ])
    .trim()
    .split('\n')
    .sort();
  return { pkg, files };
}

/** Splits `modinfo`-style text into one record per module: field → values. */
function records(text: string): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const line of text.split('\n')) {
    const m = /^([\w.-]+):\s+(.*)$/.exec(line);
    if (!m?.[1]) continue;
    if (m[1] === 'filename') out.set(m[2] ?? '', (current = new Map()));
    else current?.set(m[1], [...(current.get(m[1]) ?? []), m[2] ?? '']);
  }
  return out;
}

mkdirSync(work, { recursive: true });
const { pkg, files } = kernelModules();
const list = join(work, 'modules.txt');
writeFileSync(list, `${files.join('\n')}\n`);
const cli = join(work, 'talos-kmod.cjs');
await bundleOne(join(root, 'packages', 'cli', 'src', 'main.ts'), cli);
const libEntry = join(work, 'inspect-entry.ts');
writeFileSync(
  libEntry,
  [
    `import { readFileSync } from 'node:fs';`,
    `import { formatModinfo, readModuleFile } from ${JSON.stringify(join(root, 'packages/kmod/src/index.ts'))};`,
    `void (async () => {`,
    `  let lines = 0;`,
    `  for (const f of readFileSync(process.argv[2] ?? '', 'utf8').trim().split('\\n')) {`,
    `    lines += formatModinfo(await readModuleFile(f), f).length;`,
    `  }`,
    `  if (lines === 0) process.exit(1);`,
    `})();`,
    '',
  ].join('\n'),
);
const lib = join(work, 'kmod-inspect.cjs');
await bundleOne(libEntry, lib);

// Equality first: the same text, line for line, for every module.
const theirs = sh(['xargs', 'modinfo'], { input: files.join('\n') });
const ours = sh(['xargs', process.execPath, cli, 'modinfo'], { input: files.join('\n') });
const oursWithoutSigned = ours
  .split('\n')
  .filter((l) => !l.startsWith('signed:'))
  .join('\n');
const theirLines = theirs.split('\n');
const ourLines = oursWithoutSigned.split('\n');
const differing = theirLines.filter((l, i) => l !== ourLines[i]).length;
if (theirLines.length !== ourLines.length || differing > 0) {
  throw new Error(`outputs differ: ${differing} of ${theirLines.length} lines`);
}
const fields = ['signer', 'sig_key', 'sig_hashalgo', 'vermagic', 'name'] as const;
const a = records(theirs);
const b = records(ours);
const compared = Object.fromEntries(fields.map((f) => [f, 0]));
for (const [file, rec] of a) {
  for (const f of fields) {
    if (JSON.stringify(rec.get(f)) !== JSON.stringify(b.get(file)?.get(f))) {
      throw new Error(`${file}: ${f} differs`);
    }
    if (rec.has(f)) compared[f] = (compared[f] ?? 0) + 1;
  }
}
const signed = [...b.values()].filter((r) => r.get('signed')?.[0] === 'yes').length;
console.log(
  `${pkg}: ${files.length} modules, ${theirLines.length} output lines identical; fields compared: ${JSON.stringify(compared)}; signed: ${signed}`,
);

const oursCli = timeCommand(
  'talos-kmod modinfo (CLI bundle, xargs)',
  `xargs ${process.execPath} ${cli} modinfo < ${list} > /dev/null`,
  { runs: RUNS },
);
const oursLib = timeCommand(
  '@talos-kmod/kmod reader (minimal bundle)',
  [process.execPath, lib, list],
  { runs: RUNS },
);
const modinfo = timeCommand('modinfo (kmod, xargs)', `xargs modinfo < ${list} > /dev/null`, {
  runs: RUNS,
});
const nodeStartup = timeCommand('node -e 0 (startup only)', [process.execPath, '-e', '0'], {
  runs: RUNS,
});
report('kmod-modinfo', oursCli, [modinfo, oursLib, nodeStartup], {
  package: pkg,
  modules: files.length,
  identicalLines: theirLines.length,
  fieldsCompared: compared,
  runs: RUNS,
  target: 'modinfo >= 3x ours',
  libraryRatio: Number((modinfo.seconds / oursLib.seconds).toFixed(2)),
});
