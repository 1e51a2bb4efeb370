/**
 * Pieces both build steps use: registry options from the step's inputs, and the temporary
 * directory buildx writes its metadata files into.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecFn, Logger } from '@talos-kmod/common';
import type { RegistryOptions } from '@talos-kmod/oci';
import { findUnsafeCharacter } from '@talos-kmod/talos';
import type { RegistryAccess } from './build-options';

/** Registry options: insecure hosts, explicit credentials for the step's registry only, docker config. */
export function stepRegistryOptions(
  o: RegistryAccess & { readonly registry: string },
  deps: { readonly logger: Logger; readonly exec: ExecFn; readonly dockerConfigDir?: string },
): RegistryOptions {
  const creds = o.credentials;
  return {
    insecureRegistries: o.insecureRegistries,
    ...(creds
      ? {
          credentials: (host: string) =>
            host === o.registry
              ? { username: creds.username, password: creds.password }
              : undefined,
        }
      : {}),
    ...(deps.dockerConfigDir ? { dockerConfigDir: deps.dockerConfigDir } : {}),
    logger: deps.logger,
    exec: deps.exec,
  };
}

/**
 * A new temporary directory for buildx metadata files, or undefined (with a warning) when its path
 * has characters make would split on — the step then relies on the registry alone.
 */
export async function createMetadataDir(
  parent: string | undefined,
  logger: Logger,
): Promise<string | undefined> {
  await mkdir(parent ?? tmpdir(), { recursive: true });
  const dir = await mkdtemp(join(parent ?? tmpdir(), 'talos-kmod-metadata-'));
  if (findUnsafeCharacter(dir) !== undefined) {
    logger.warning(
      `the temporary directory ${dir} has characters make would split on; buildx metadata files are not requested, digests come from the registry only`,
    );
    await rm(dir, { recursive: true, force: true });
    return undefined;
  }
  return dir;
}
