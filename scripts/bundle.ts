/**
 * Bundles each action (`actions/<name>/src/main.ts` → `actions/<name>/dist/index.cjs`) and the CLI
 * (`packages/cli/src/main.ts` → `packages/cli/dist/talos-kmod.cjs`) with esbuild.
 *
 * The bundles are CommonJS because the runner loads `dist/index.cjs` with `node24`; the `@actions/*`
 * packages are ESM-only and esbuild converts them. The target is node20 so the same bundle also
 * runs under the Node.js that local machines and our CI use for tests. Output carries no absolute
 * paths, so it is reproducible and `check-dist` can compare it byte for byte. The action bundles
 * are not minified; the CLI's whitespace and syntax are (names are kept, so stack traces still name
 * functions): every `talos-kmod` run reads and compiles the whole file before its first line runs.
 */
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/** The CLI bundle (built by setup, not committed). */
const cliBundle = {
  entry: join(root, 'packages', 'cli', 'src', 'main.ts'),
  outfile: join(root, 'packages', 'cli', 'dist', 'talos-kmod.cjs'),
};

/** The bundles this repository produces: entry → output, relative to the repo root. */
export function listBundles(outRoot = root): { entry: string; outfile: string }[] {
  const actions = readdirSync(join(root, 'actions'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, 'actions', d.name, 'action.yml')))
    .map((d) => ({
      entry: join(root, 'actions', d.name, 'src', 'main.ts'),
      outfile: join(outRoot, 'actions', d.name, 'dist', 'index.cjs'),
    }));
  const cli = { ...cliBundle, outfile: join(outRoot, 'packages', 'cli', 'dist', 'talos-kmod.cjs') };
  return [...actions, ...(existsSync(cli.entry) ? [cli] : [])];
}

const workerOptions: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  absWorkingDir: root,
  tsconfig: join(root, 'tsconfig.json'),
  write: false,
};

/**
 * Inlines worker programs: a module `X-worker-program.ts` (which, run from sources, bundles its
 * sibling `X-worker.ts` itself) is replaced by one whose `loadWorkerProgram()` returns that
 * sibling bundled here, as text for `new Worker(text, { eval: true })`. The worker code is then
 * type-checked, linted and tested like any module, and the bundle stays one file.
 */
export const inlineWorkerPrograms: Plugin = {
  name: 'inline-worker-programs',
  setup(b) {
    b.onLoad({ filter: /-worker-program\.ts$/ }, async (args) => {
      const entry = args.path.replace(/-worker-program\.ts$/, '-worker.ts');
      const result = await build({ ...workerOptions, entryPoints: [entry] });
      const text = result.outputFiles?.[0]?.text;
      if (text === undefined) throw new Error(`bundling ${entry} produced no output`);
      return {
        loader: 'ts',
        contents: `export function loadWorkerProgram(): Promise<string> {\n  return Promise.resolve(${JSON.stringify(text)});\n}\n`,
        watchFiles: [entry],
      };
    });
  },
};

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  absWorkingDir: root,
  tsconfig: join(root, 'tsconfig.json'),
  // Some ESM dependencies read import.meta.url; give them the bundle's own URL in CommonJS.
  define: { 'import.meta.url': 'importMetaUrl' },
  banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [inlineWorkerPrograms],
};

/**
 * The CLI's options: 1.76 MB of source shrinks to 1.23 MB and loses its comments, which also makes
 * it pure ASCII (one non-ASCII character makes V8 hold the whole source as two-byte text).
 */
const cliOptions: BuildOptions = { ...common, minifyWhitespace: true, minifySyntax: true };

function optionsFor(entry: string): BuildOptions {
  return resolve(entry) === cliBundle.entry ? cliOptions : common;
}

/** Builds one bundle with the repository's options (tests bundle just the CLI this way). */
export async function bundleOne(entry: string, outfile: string): Promise<void> {
  await build({ ...optionsFor(entry), entryPoints: [entry], outfile });
}

/** Builds every bundle into `outRoot` (the repo itself by default). */
export async function bundleAll(outRoot = root): Promise<string[]> {
  const bundles = listBundles(outRoot);
  await Promise.all(
    bundles.map((b) =>
      build({ ...optionsFor(b.entry), entryPoints: [b.entry], outfile: b.outfile }),
    ),
  );
  return bundles.map((b) => b.outfile);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // `--cli`: only the CLI (setup.sh), so a setup never rewrites the committed action bundles that
  // check-dist compares against a fresh build.
  const outputs = process.argv.includes('--cli')
    ? await bundleOne(cliBundle.entry, cliBundle.outfile).then(() => [cliBundle.outfile])
    : await bundleAll();
  for (const o of outputs) console.log(`bundled ${o.slice(root.length + 1)}`);
}
