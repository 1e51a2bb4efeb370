/**
 * The imager's `installer` flags (siderolabs/talos cmd/installer/cmd/imager): `--arch`,
 * `--base-installer-image`, `--system-extension-image` (repeatable), `--extra-kernel-arg`
 * (repeatable), `--overlay-image`, `--overlay-name`, `--overlay-option` (repeatable; an SBC
 * overlay such as ghcr.io/siderolabs/sbc-raspberrypi with `rpi_generic`), `--insecure`. The same list goes into `IMAGER_ARGS` (talos-dir mode) and onto the
 * `docker run` line (imager-image mode), so every value is checked as a make value: a space, `$`,
 * `;` or quote would split or change the command.
 */
import { assertMakeValue } from '../make/values';

/** What the imager builds the installer from. */
export interface ImagerInputs {
  /** Pinned installer-base. A later `--base-installer-image` overrides the Makefile's own (cobra). */
  readonly baseInstallerImage?: string;
  /** Pinned system extension images, in order. */
  readonly extensionImages: readonly string[];
  /** Extra kernel command line arguments, e.g. `console=ttyS0`. */
  readonly extraKernelArgs: readonly string[];
  /** An overlay image for single-board computers (`--overlay-image`), pinned. */
  readonly overlayImage?: string;
  /** The overlay's installer to use (`--overlay-name`, e.g. `rpi_generic`). */
  readonly overlayName?: string;
  /** Extra overlay options, `key=value` each (`--overlay-option`). */
  readonly overlayOptions?: readonly string[];
  /** Pull over plain HTTP / without TLS verification (`--insecure`). */
  readonly insecure: boolean;
}

/** The imager flags for `inputs`, one argv item per flag or value. */
export function buildImagerArgs(inputs: ImagerInputs): string[] {
  const args: string[] = [];
  if (inputs.baseInstallerImage !== undefined) {
    assertMakeValue("input 'base-installer-image'", inputs.baseInstallerImage);
    args.push('--base-installer-image', inputs.baseInstallerImage);
  }
  for (const image of inputs.extensionImages) {
    assertMakeValue("input 'extension-images'", image);
    args.push('--system-extension-image', image);
  }
  for (const arg of inputs.extraKernelArgs) {
    assertMakeValue("input 'extra-kernel-args'", arg);
    // A negated argument (`-console`) goes in the `--flag=value` form, so no flag parser can
    // take it for a flag of its own.
    if (arg.startsWith('-')) args.push(`--extra-kernel-arg=${arg}`);
    else args.push('--extra-kernel-arg', arg);
  }
  if (inputs.overlayImage !== undefined) {
    assertMakeValue("input 'overlay-image'", inputs.overlayImage);
    args.push('--overlay-image', inputs.overlayImage);
  }
  if (inputs.overlayName !== undefined) {
    assertMakeValue("input 'overlay-name'", inputs.overlayName);
    args.push('--overlay-name', inputs.overlayName);
  }
  for (const option of inputs.overlayOptions ?? []) {
    assertMakeValue("input 'overlay-options'", option);
    args.push(`--overlay-option=${option}`);
  }
  if (inputs.insecure) args.push('--insecure');
  return args;
}

/** Options for running an imager image directly. */
export interface ImagerRunOptions extends ImagerInputs {
  readonly imagerImage: string;
  /** `amd64`, `arm64`. */
  readonly arch: string;
  /** Host directory mounted at `/out`. */
  readonly outDir: string;
  /** `uid:gid` to run as, so the tarball belongs to the caller (talos main passes `--user`). */
  readonly user?: string;
}

/**
 * `docker` arguments that run the imager's installer profile as the talos Makefile's `image-%`
 * recipe does, without a checkout:
 * `run --rm --network=host [--user u:g] -e GITHUB_TOKEN -v <out>:/out <imager> installer --arch <arch> …`.
 * `-e GITHUB_TOKEN` passes the caller's token (when set) as upstream does, for the imager's
 * ghcr.io keychain.
 */
export function imagerDockerRunArgs(options: ImagerRunOptions): string[] {
  assertMakeValue("input 'imager-image'", options.imagerImage);
  assertMakeValue('platform architecture', options.arch);
  return [
    'run',
    '--rm',
    '--network=host',
    ...(options.user ? ['--user', options.user] : []),
    '-e',
    'GITHUB_TOKEN',
    '-v',
    `${options.outDir}:/out`,
    options.imagerImage,
    'installer',
    '--arch',
    options.arch,
    ...buildImagerArgs(options),
  ];
}
