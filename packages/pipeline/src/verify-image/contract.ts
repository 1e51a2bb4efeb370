/**
 * The verify-image contract: its inputs, defaults and outputs, for the action and the CLI's
 * `verify` command. Front-end extras are declared here too: the image is the CLI's positional
 * argument; the PR comment is the action's; `--json`, `--registry-timeout` and `--ca-file` are
 * the CLI's (each front end reads those values itself).
 */
import { FieldError } from '@talos-kmod/common';
import { parseImageSpec, refuseBareImageName, registryOf } from '@talos-kmod/oci';
import type { VerifyImageOptions, VerifyReport } from '@talos-kmod/verify';
import { pairCredentials, registryAccessInputs, type Credentials } from '../contract/common-inputs';
import { defineContract } from '../contract/input-spec';

/** What verify-image's inputs give: the step's options and the registry access for its images. */
export interface VerifyStepOptions {
  readonly verify: VerifyImageOptions;
  readonly access: {
    readonly insecureRegistries: readonly string[];
    /** Explicit credentials, for one registry host only. */
    readonly credentials?: Credentials & { readonly registry: string };
  };
}

/** What the outputs are made of: the report, and where it was written (if anywhere). */
export interface VerifyStepResult {
  readonly report: VerifyReport;
  readonly reportPath?: string | undefined;
}

/** The registry host of an image, or undefined for archives, directories and bad specs. */
function registryHostOf(image: string): string | undefined {
  try {
    return registryOf(parseImageSpec(image));
  } catch {
    return undefined; // the step parses the image again and says why it is bad
  }
}

/**
 * Explicit credentials belong to one registry host: `registry`, else the host of `image`. Other
 * hosts (a kernel-image elsewhere) get only the docker config.
 */
function scopedCredentials(
  image: string,
  registry: string | undefined,
  credentials: Credentials | undefined,
): VerifyStepOptions['access']['credentials'] {
  if (!credentials) return undefined;
  const host = registry ?? registryHostOf(image);
  if (!host) {
    throw new FieldError(
      ['registry-username', 'registry'],
      (n) =>
        `${n('registry-username')} is set but image '${image}' is not in a registry: set ${n('registry')} to the registry host the credentials are for`,
    );
  }
  return { registry: host, ...credentials };
}

/**
 * Input `field` naming an image: a bare name that is no path here (`hailort:v1`) fails at once,
 * as on the CLI, instead of being asked of Docker Hub as `docker.io/library/hailort:v1`.
 */
function refuseBareImage(field: string, text: string): void {
  try {
    refuseBareImageName(text);
  } catch (e: unknown) {
    const why = e instanceof Error ? e.message : String(e);
    throw new FieldError(field, (n) => `${n(field)}: ${why}`, { cause: e });
  }
}

/** verify-image's inputs and outputs. */
export const verifyImageContract = defineContract({
  step: 'verify-image',
  command: 'verify',
  inputs: {
    image: {
      kind: 'string',
      required: true,
      positional: true,
      help: 'registry reference, docker-archive:PATH, oci-archive:PATH, oci:DIR, dir:DIR, or a directory',
    },
    'kernel-image': {
      kind: 'string',
      default: '',
      help: 'kernel image whose /boot/vmlinuz certificate proves the signatures and whose modules directory gives the release',
      placeholder: '<ref>',
    },
    'kernel-cert': {
      kind: 'string',
      default: '',
      help: "the kernel's certificate(s), PEM or DER, or the kernel file (vmlinuz, UKI): every signature is verified against it",
      placeholder: '<file>',
    },
    'kernel-release': {
      kind: 'string',
      default: '',
      help: 'kernel release to match when there is no kernel image',
      placeholder: '<release>',
    },
    modules: {
      kind: 'list',
      default: '',
      flag: 'module',
      help: 'module that must be present (repeatable)',
      placeholder: '<name>',
    },
    extensions: {
      kind: 'list',
      default: '',
      flag: 'extension',
      help: 'installers: an extension the installer must carry, by name or image (repeatable)',
      placeholder: '<name-or-image>',
    },
    'extension-name': {
      kind: 'string',
      default: '',
      help: "the extension's package name (manifest metadata.name)",
      placeholder: '<name>',
    },
    'talos-version': {
      kind: 'string',
      default: '',
      help: 'Talos version the image is for (e.g. v1.11.2)',
      placeholder: '<version>',
    },
    platform: {
      kind: 'string',
      default: '',
      help: 'only this platform of a multi-platform image',
      placeholder: '<os/arch>',
    },
    'fail-on': {
      kind: 'choice',
      choices: ['error', 'warning'],
      default: 'error',
      help: 'error or warning',
      placeholder: '<level>',
    },
    'report-path': {
      kind: 'string',
      default: '',
      help: 'also write the JSON report to this file',
      placeholder: '<path>',
    },
    registry: {
      kind: 'string',
      default: '',
      help: "registry host --registry-username's credentials are for (default: the image's registry; other hosts use the docker config)",
      placeholder: '<host>',
    },
    ...registryAccessInputs,
    'registry-timeout': {
      kind: 'string',
      default: '',
      only: 'cli',
      help: 'how long a registry may take to answer a request (connecting: half of it; default 60)',
      placeholder: '<seconds>',
    },
    'ca-file': {
      kind: 'string',
      default: '',
      only: 'cli',
      help: 'extra CA certificate (PEM) to trust for registries',
      placeholder: '<path>',
    },
    'pr-comment': {
      kind: 'boolean',
      default: 'false',
      only: 'action',
      help: 'keep one pull request comment updated with the report',
    },
    'github-token': {
      kind: 'secret',
      default: '',
      actionDefault: '${{ github.token }}',
      only: 'action',
      help: 'token for the pull request comment',
    },
    json: {
      kind: 'boolean',
      default: 'false',
      only: 'cli',
      help: 'print the JSON report instead of text',
    },
  },
  outputs: ['passed', 'report', 'kernel-release', 'modules'],
  toOptions: (v): VerifyStepOptions => {
    if (v['pr-comment'] && !v['github-token']) {
      throw new FieldError(
        ['pr-comment', 'github-token'],
        (n) =>
          `${n('pr-comment')} is true but ${n('github-token')} is empty: pass \${{ github.token }} (the default) or a token with pull-requests: write`,
      );
    }
    refuseBareImage('image', v.image);
    if (v['kernel-image']) refuseBareImage('kernel-image', v['kernel-image']);
    const credentials = scopedCredentials(
      v.image,
      v.registry,
      pairCredentials(v['registry-username'], v['registry-password']),
    );
    return {
      verify: {
        image: v.image,
        ...(v['kernel-image'] ? { kernelImage: v['kernel-image'] } : {}),
        ...(v['kernel-cert'] ? { kernelCert: v['kernel-cert'] } : {}),
        ...(v['kernel-release'] ? { kernelRelease: v['kernel-release'] } : {}),
        modules: v.modules,
        extensions: v.extensions,
        ...(v['extension-name'] ? { extensionName: v['extension-name'] } : {}),
        ...(v['talos-version'] ? { talosVersion: v['talos-version'] } : {}),
        ...(v.platform ? { platform: v.platform } : {}),
        failOn: v['fail-on'] === 'warning' ? 'warning' : 'error',
        ...(v['report-path'] ? { reportPath: v['report-path'] } : {}),
      },
      access: {
        insecureRegistries: v['insecure-registries'],
        ...(credentials ? { credentials } : {}),
      },
    };
  },
  toOutputs: ({ report, reportPath }: VerifyStepResult) => {
    const releases = [...new Set(report.platforms.map((p) => p.kernelRelease).filter(Boolean))];
    return {
      passed: String(report.passed),
      report: reportPath,
      'kernel-release': report.kernelRelease ?? releases.join(','),
      modules: JSON.stringify(report.modules),
    };
  },
});
