/** verify-image's inputs, validated up front (house style 5). */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { UserError } from '@talos-kmod/common';
import type { RegistryOptions } from '@talos-kmod/oci';
import type { VerifyImageOptions } from '@talos-kmod/pipeline';
import {
  readBoolean,
  readChoice,
  readList,
  readRequired,
  readSecret,
  readString,
  registryCredentials,
} from '../../shared/src/index';

/** Everything the action reads. */
export interface VerifyInputs {
  readonly options: VerifyImageOptions & { reportPath: string };
  readonly registry: RegistryOptions;
  /** Token for the PR comment, when `pr-comment` is on. */
  readonly prComment?: { token: string };
}

/** Reads and validates the inputs. */
export function readInputs(): VerifyInputs {
  const access = registryCredentials(
    readString('registry-username'),
    readSecret('registry-password'),
  );
  const kernelImage = readString('kernel-image');
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
      image: readRequired('image'),
      ...(kernelImage ? { kernelImage } : {}),
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
