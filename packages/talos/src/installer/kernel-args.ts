/**
 * Module signature enforcement on a Talos kernel command line. Talos kernels are built with
 * CONFIG_MODULE_SIG=y; on release-1.9 … 1.11 pkgs also set CONFIG_MODULE_SIG_FORCE=y, so the kernel
 * refuses unsigned and foreign-key modules whatever the command line says (`module.sig_enforce` is
 * enable-only, linux kernel/module/signing.c). From Talos 1.12 the kernel leaves it to the command
 * line: the imager adds `module.sig_enforce=1` (siderolabs/talos pkg/machinery/kernel/kernel.go,
 * quirks SupportsDisablingModuleSignatureVerification, talos #11989), and a user can drop it with
 * `-module.sig_enforce module.sig_enforce=0`.
 */
import type { TalosVersion } from '../extension-rules/talos-version';

/** How a kernel command line treats module signatures. */
export interface SigEnforcement {
  /** The last `module.sig_enforce=` value on the line (the kernel keeps the last), if any. */
  readonly value?: string;
  /** Whether the booted kernel refuses bad module signatures. */
  readonly enforced: boolean;
  /** True when the Talos version's kernel forces enforcement at build time (1.9 … 1.11). */
  readonly forcedByConfig: boolean;
  /** One sentence: what the line does and the Talos rule behind it. */
  readonly explanation: string;
}

const truthy = new Set(['1', 'y', 'Y', 'yes', 'true', 'on']);

/** The rule for `cmdline` on `version` (undefined: the latest Talos, as the imager assumes). */
export function sigEnforcement(cmdline: string, version?: TalosVersion): SigEnforcement {
  let value: string | undefined;
  for (const arg of cmdline.trim().split(/\s+/)) {
    if (arg === 'module.sig_enforce') value = '1';
    else if (arg.startsWith('module.sig_enforce=')) value = arg.slice('module.sig_enforce='.length);
  }
  const forcedByConfig = version !== undefined && version.major === 1 && version.minor <= 11;
  const on = value !== undefined && truthy.has(value);
  const shown = value === undefined ? 'no module.sig_enforce' : `module.sig_enforce=${value}`;
  if (forcedByConfig) {
    return {
      ...(value !== undefined ? { value } : {}),
      enforced: true,
      forcedByConfig,
      explanation: `${shown}: Talos 1.9 to 1.11 kernels enforce module signatures by their build config (CONFIG_MODULE_SIG_FORCE=y), whatever the command line says`,
    };
  }
  return {
    ...(value !== undefined ? { value } : {}),
    enforced: on,
    forcedByConfig,
    explanation: on
      ? `${shown}: the kernel refuses unsigned modules and modules signed by another key (Talos 1.12 and later enforce signatures only through this argument)`
      : `${shown}: Talos 1.12 and later kernels enforce module signatures only with module.sig_enforce=1 on the command line, which the imager adds by default; without it unsigned or foreign-key modules load and taint the kernel`,
  };
}
