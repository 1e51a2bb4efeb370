/** The build-extension contract: its inputs, defaults and outputs, for the action and the CLI. */
import {
  buildTargetInputs,
  buildTargetOf,
  jsonInput,
  registryAccessInputs,
  registryAccessOf,
  releasePairingInputs,
  releasePairingOf,
} from '../contract/common-inputs';
import { defineContract } from '../contract/input-spec';
import { parseNamespaceInput, parsePinnedInput, parseTagInput } from '../contract/parse-inputs';
import type { BuildExtensionResult } from './build-extension';
import type { BuildExtensionOptions } from './options';

/** build-extension's inputs and outputs. */
export const buildExtensionContract = defineContract({
  step: 'build-extension',
  inputs: {
    'extensions-dir': {
      kind: 'string',
      default: '.',
      help: 'siderolabs/extensions checkout',
      placeholder: '<dir>',
    },
    extension: {
      kind: 'string',
      required: true,
      help: 'extension (Makefile target), e.g. hailort',
      placeholder: '<name>',
    },
    'pkgs-prefix': {
      kind: 'string',
      default: '',
      help: 'PKGS_PREFIX (build-kernel-pkg pkgs-prefix)',
      placeholder: '<registry/namespace>',
    },
    'pkgs-tag': {
      kind: 'string',
      default: '',
      help: 'PKGS (build-kernel-pkg pkgs-tag)',
      placeholder: '<tag>',
    },
    'pkg-image': {
      kind: 'string',
      default: '',
      help: 'pinned package image to write into the extension pkg.yaml for the build',
      placeholder: '<ref>',
    },
    ...buildTargetInputs,
    ...releasePairingInputs,
    ...registryAccessInputs,
    ...jsonInput,
  },
  outputs: ['extension-image', 'extension-version', 'extension-name'],
  toOptions: (v, env): BuildExtensionOptions => ({
    extensionsDir: v['extensions-dir'],
    extension: v.extension,
    ...(v['pkgs-prefix']
      ? { pkgsPrefix: parseNamespaceInput('pkgs-prefix', v['pkgs-prefix']) }
      : {}),
    ...(v['pkgs-tag'] ? { pkgsTag: parseTagInput('pkgs-tag', v['pkgs-tag']) } : {}),
    ...(v['pkg-image']
      ? {
          pkgImage: parsePinnedInput(
            'pkg-image',
            v['pkg-image'],
            (n) =>
              `give a reference with @sha256:… (build-kernel-pkg's pkg-image output), or use ${n('pkgs-prefix')} and ${n('pkgs-tag')}`,
          ),
        }
      : {}),
    ...buildTargetOf(v, env),
    push: v.push,
    ...releasePairingOf(v),
    ...registryAccessOf(v),
  }),
  toOutputs: (r: BuildExtensionResult) => ({
    'extension-image': r.extensionImage?.toString(),
    'extension-version': r.extensionVersion,
    'extension-name': r.extensionName,
  }),
});
