/**
 * The compression worker's program (compress-worker.ts and what it imports) as one CommonJS
 * text, which `new Worker(text, { eval: true })` runs: a single-file bundle has no worker file
 * beside it to point at.
 *
 * Bundles never run this module: scripts/bundle.ts replaces it with one that returns the program
 * esbuild bundled at build time (every `*-worker-program.ts` becomes its `*-worker.ts`, bundled).
 * Run from the TypeScript sources (tests, tsx), it bundles the program the same way on first use.
 */
import { fileURLToPath } from 'node:url';
import type * as Esbuild from 'esbuild';

let program: Promise<string> | undefined;

/** The worker program; bundled once per process. */
export function loadWorkerProgram(): Promise<string> {
  program ??= bundleFromSources();
  return program;
}

async function bundleFromSources(): Promise<string> {
  // A computed name: a bundler that somehow kept this module must not try to bundle esbuild.
  const bundler = 'esbuild';
  const { build } = (await import(bundler)) as typeof Esbuild;
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./compress-worker.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('bundling the compression worker produced no output');
  return output.text;
}
