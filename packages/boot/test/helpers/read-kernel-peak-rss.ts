/**
 * Child process for the memory-bound test: reads the kernel image file argv[2] with maxKernelSize
 * argv[3] (bytes) and prints, as JSON, the resident set size just before reading, the process's
 * peak resident set size (getrusage maxrss) and the error message, if any.
 */
import { readFileSync } from 'node:fs';
import { readKernelImage } from '@talos-kmod/boot';

const [file, cap] = process.argv.slice(2);
const bytes = readFileSync(file ?? '');
const before = process.memoryUsage().rss;
let error: string | undefined;
try {
  await readKernelImage(bytes, { maxKernelSize: Number(cap) });
} catch (e: unknown) {
  error = e instanceof Error ? e.message : String(e);
}
process.stdout.write(
  JSON.stringify({ before, peak: process.resourceUsage().maxRSS * 1024, error }) + '\n',
);
