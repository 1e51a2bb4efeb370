/** Options of the new-module step, validated before anything is downloaded or read. */
import { UserError } from '@talos-kmod/common';
import {
  assertChecksum,
  resolveModuleDefinition,
  type ModuleDefinition,
  type NewModuleInput,
} from '@talos-kmod/talos';

/** What `new-module` does and where. */
export interface NewModuleOptions extends NewModuleInput {
  /** A siderolabs/pkgs checkout to add the module package to. */
  readonly pkgsDir?: string;
  /** A siderolabs/extensions checkout to add the extension to. */
  readonly extensionsDir?: string;
  /** Checksums of the source tarball; both or neither (then the tarball is downloaded). */
  readonly sha256?: string;
  readonly sha512?: string;
  /** Plan and return the diff; write nothing. */
  readonly dryRun?: boolean;
  /** Overwrite generated files and values that differ. */
  readonly force?: boolean;
  /** Download timeout in milliseconds (default 10 minutes). */
  readonly downloadTimeoutMs?: number;
}

/** The validated module and the given checksums, if any. */
export interface ValidatedNewModule {
  readonly definition: ModuleDefinition;
  readonly checksums?: { readonly sha256: string; readonly sha512: string };
}

/** Validates everything that can be checked without touching the network or the checkouts. */
export function validateNewModuleOptions(o: NewModuleOptions): ValidatedNewModule {
  if (!o.pkgsDir && !o.extensionsDir) {
    throw new UserError(
      'give --pkgs DIR (a siderolabs/pkgs checkout), --extensions DIR (a siderolabs/extensions checkout), or both',
    );
  }
  const definition = resolveModuleDefinition(o);
  const has256 = o.sha256 !== undefined && o.sha256 !== '';
  const has512 = o.sha512 !== undefined && o.sha512 !== '';
  if (has256 !== has512) {
    throw new UserError(
      `only --${has256 ? 'sha256' : 'sha512'} was given: give both --sha256 and --sha512, or neither to compute them by downloading the tarball`,
    );
  }
  if (!has256) return { definition };
  return {
    definition,
    checksums: {
      sha256: assertChecksum(o.sha256 ?? '', 'sha256'),
      sha512: assertChecksum(o.sha512 ?? '', 'sha512'),
    },
  };
}
