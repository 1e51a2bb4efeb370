/** verify-image's inputs, validated up front. */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { UserError } from '@talos-kmod/common';
import { parseImageSpec, registryOf, type RegistryOptions } from '@talos-kmod/oci';
import type { VerifyImageOptions } from '@talos-kmod/pipeline';
import {
  readBoolean,
  readChoice,
  readList,
  readRequired,
  readSecret,
  readString,
} from '@talos-kmod/action-kit';
import { pairCredentials } from '@talos-kmod/pipeline/contracts';

/** Everything the action reads. */
export interface VerifyInputs {
  readonly options: VerifyImageOptions & { reportPath: string };
  readonly registry: RegistryOptions;
  /** Token for the PR comment, when `pr-comment` is on. */
  readonly prComment?: { token: string };
}

/** The registry host of an image input, or undefined for archives and directories. */
function registryHostOf(image: string): string | undefined {
  try {
    return registryOf(parseImageSpec(image));
  } catch {
    return undefined;
  }
}

/**
 * Explicit credentials belong to one registry host: the `registry` input, else the host of
 * `image`. Other hosts (a kernel-image elsewhere) get only the docker config.
 */
function scopedCredentials(image: string): Pick<RegistryOptions, 'credentials'> {
  const credentials = pairCredentials(
    readString('registry-username'),
    readSecret('registry-password'),
  );
  const host = readString('registry') ?? registryHostOf(image);
  if (!credentials) return {};
  if (!host) {
    throw new UserError(
      `input 'registry-username' is set but image '${image}' is not in a registry: set input 'registry' to the registry host the credentials are for`,
    );
  }
  return { credentials: { registry: host, ...credentials } };
}

/** Reads and validates the inputs. */
export function readInputs(): VerifyInputs {
  const image = readRequired('image');
  const access = scopedCredentials(image);
  const kernelImage = readString('kernel-image');
  const kernelCert = readString('kernel-cert');
  const kernelRelease = readString('kernel-release');
  const extensionName = readString('extension-name');
  const talosVersion = readString('talos-version');
  const platform = readString('platform');
  const reportPath =
    readString('report-path') ??
    join(process.env.RUNNER_TEMP ?? tmpdir(), 'verify-image-report.json');
  const prComment = readBoolean('pr-comment', false);
  const token = readSecret('github-token');
  if (prComment && !token) {
    throw new UserError(
      "input 'pr-comment' is true but 'github-token' is empty: pass ${{ github.token }} (the default) or a token with pull-requests: write",
    );
  }
  return {
    options: {
      image,
      ...(kernelImage ? { kernelImage } : {}),
      ...(kernelCert ? { kernelCert } : {}),
      ...(kernelRelease ? { kernelRelease } : {}),
      modules: readList('modules'),
      extensions: readList('extensions'),
      ...(extensionName ? { extensionName } : {}),
      ...(talosVersion ? { talosVersion } : {}),
      ...(platform ? { platform } : {}),
      failOn: readChoice('fail-on', ['error', 'warning'] as const, 'error'),
      reportPath,
    },
    registry: {
      insecureRegistries: readList('insecure-registries'),
      ...access,
    },
    ...(prComment && token ? { prComment: { token } } : {}),
  };
}
