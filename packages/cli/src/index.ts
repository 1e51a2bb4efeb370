/** The `talos-kmod` command line: build the program (for tests) or run it. */
export { createProgram, runCli } from './program';
export type { CliIo } from './io';
