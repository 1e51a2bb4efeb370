/**
 * The imager's `installer` flags (siderolabs/talos cmd/installer/cmd/imager): `--arch`,
 * `--base-installer-image`, `--system-extension-image` (repeatable), `--extra-kernel-arg`
 * (repeatable), `--overlay-image`, `--overlay-name`, `--overlay-option` (repeatable; an SBC
 * overlay such as ghcr.io/siderolabs/sbc-raspberrypi with `rpi_generic`), `--insecure`. The same list goes into `IMAGER_ARGS` (talos-dir mode) and onto the
 * `docker run` line (imager-image mode), so every value is a {@link MakeValue}: a space, `$`, `;`
 * or quote would split or change the command. The step's option validation checks them (naming
 * the input) before they get here.
 */
import type { MakeValue } from '../make/values';

/** What the imager builds the installer from. */
export interface ImagerInputs {
  /** Pinned installer-base. A later `--base-installer-image` overrides the Makefile's own (cobra). */
  readonly baseInstallerImage?: MakeValue;
  /** Pinned system extension images, in order. */
  readonly extensionImages: readonly MakeValue[];
  /** Extra kernel command line arguments, e.g. `console=ttyS0`. */
  readonly extraKernelArgs: readonly MakeValue[];
  /** An overlay image for single-board computers (`--overlay-image`), pinned. */
  readonly overlayImage?: MakeValue;
  /** The overlay's installer to use (`--overlay-name`, e.g. `rpi_generic`). */
  readonly overlayName?: MakeValue;
  /** Extra overlay options, `key=value` each (`--overlay-option`). */
  readonly overlayOptions?: readonly MakeValue[];
  /** Pull over plain HTTP / without TLS verification (`--insecure`). */
  readonly insecure: boolean;
}

/** The imager flags for `inputs`, one argv item per flag or value. */
export function buildImagerArgs(inputs: ImagerInputs): MakeValue[] {
  // Flag names and `--flag=` joined to a MakeValue are make values too.
  const flag = (text: string) => text as MakeValue;
  const args: MakeValue[] = [];
  if (inputs.baseInstallerImage !== undefined) {
    args.push(flag('--base-installer-image'), inputs.baseInstallerImage);
  }
  for (const image of inputs.extensionImages) {
    args.push(flag('--system-extension-image'), image);
  }
  for (const arg of inputs.extraKernelArgs) {
    // A negated argument (`-console`) goes in the `--flag=value` form, so no flag parser can
    // take it for a flag of its own.
    if (arg.startsWith('-')) args.push(flag(`--extra-kernel-arg=${arg}`));
    else args.push(flag('--extra-kernel-arg'), arg);
  }
  if (inputs.overlayImage !== undefined) {
    args.push(flag('--overlay-image'), inputs.overlayImage);
  }
  if (inputs.overlayName !== undefined) {
    args.push(flag('--overlay-name'), inputs.overlayName);
  }
  for (const option of inputs.overlayOptions ?? []) {
    args.push(flag(`--overlay-option=${option}`));
  }
  if (inputs.insecure) args.push(flag('--insecure'));
  return args;
}

/** Options for running an imager image directly. */
export interface ImagerRunOptions extends ImagerInputs {
  readonly imagerImage: MakeValue;
  /** `amd64`, `arm64`. */
  readonly arch: MakeValue;
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
