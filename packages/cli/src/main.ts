/** Bundle entry for `talos-kmod`. */
import { runCli } from './program';

// A reader that stops early (`talos-kmod ls … | head`) closes the pipe: stop quietly, as cat and
// ls do, instead of an unhandled EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
}

void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
