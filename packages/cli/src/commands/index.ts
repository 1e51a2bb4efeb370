/**
 * Every `talos-kmod` subcommand: its name, what `--help` lists for it, and its module, loaded only
 * when the command runs (or its own help is shown). `talos-kmod kernel-cert` therefore never
 * evaluates the pipeline, YAML or registry code the other commands bundle, and `--help` and
 * `--version` evaluate none of them. A module exports a `define` function that adds the arguments,
 * options and action to the command made from its entry; keep this list in `--help` order.
 */
import type { DefineCommand } from '../command-context';

/** One subcommand as the top-level `--help` shows it, and how to load its definition. */
export interface CommandEntry {
  readonly name: string;
  readonly description: string;
  /**
   * What `--help` lists after the name: `[options]` when it has options, then its arguments (a test
   * checks this against the loaded definition).
   */
  readonly usage: string;
  readonly load: () => Promise<DefineCommand>;
}

/** Every subcommand, in `--help` order. */
export const commands: readonly CommandEntry[] = [
  {
    name: 'pipeline',
    description:
      'Run the whole chain: kernel + module package, extension, installer, verification; print pinned references',
    usage: '[options]',
    load: async () => (await import('./pipeline')).definePipeline,
  },
  {
    name: 'build-kernel-pkg',
    description:
      'Build the kernel and module packages of a pkgs checkout in one make invocation; print pinned references',
    usage: '[options]',
    load: async () => (await import('./build-kernel-pkg')).defineBuildKernelPkg,
  },
  {
    name: 'build-extension',
    description:
      "Build a system extension of an extensions checkout against a fork's packages; print its pinned reference",
    usage: '[options]',
    load: async () => (await import('./build-extension')).defineBuildExtension,
  },
  {
    name: 'build-installer',
    description:
      'Build a Talos installer (talos checkout or imager image), check it, and push it (default ttl.sh/<uuid>:1h)',
    usage: '[options]',
    load: async () => (await import('./build-installer')).defineBuildInstaller,
  },
  {
    name: 'push',
    description:
      'Push an image archive, OCI layout or registry image to a registry; prints the pinned reference',
    usage: '[options] <source> <dest-ref>',
    load: async () => (await import('./push')).definePush,
  },
  {
    name: 'index',
    description: 'Multi-platform image indexes: join per-platform builds into one image',
    usage: '',
    load: async () => (await import('./index-create')).defineIndex,
  },
  {
    name: 'inspect',
    description: 'Show the platforms, manifest, config and layers of an image',
    usage: '[options] <source>',
    load: async () => (await import('./inspect')).defineInspect,
  },
  {
    name: 'ls',
    description: "List the files of an image's merged file system",
    usage: '[options] <source> [path-prefix]',
    load: async () => (await import('./ls')).defineLs,
  },
  {
    name: 'modinfo',
    description:
      'Show kernel module information and signatures, like modinfo (also .ko.xz/.zst/.gz)',
    usage: '[options] <file...>',
    load: async () => (await import('./modinfo')).defineModinfo,
  },
  {
    name: 'kernel-cert',
    description:
      'Show the release of a kernel and the certificates compiled into it (that modules must be signed by)',
    usage: '[options] <source>',
    load: async () => (await import('./kernel-cert')).defineKernelCert,
  },
  {
    name: 'new-module',
    description:
      'Add an out-of-tree kernel module to a pkgs checkout (<name>-pkg) and an extensions checkout (drivers/<name>)',
    usage: '[options] <name>',
    load: async () => (await import('./new-module')).defineNewModule,
  },
  {
    name: 'check-wiring',
    description:
      'Check that a module is wired into pkgs (targets, Pkgfile) and extensions (version, image, manifest); exit 1 on gaps',
    usage: '[options] <name>',
    load: async () => (await import('./check-wiring')).defineCheckWiring,
  },
  {
    name: 'verify',
    description:
      'Check an image will load on a Talos node: signatures, key, kernel release, extension rules, udev',
    usage: '[options] <image>',
    load: async () => (await import('./verify')).defineVerify,
  },
  {
    name: 'refs',
    description:
      'Print the pkgs, tools and extensions refs that belong to a Talos release (as talos pins them)',
    usage: '[options] <talos-version>',
    load: async () => (await import('./refs')).defineRefs,
  },
];
