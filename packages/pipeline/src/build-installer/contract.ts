/** The build-installer contract: its inputs, defaults and outputs, for the action and the CLI. */
import {
  buildTargetOf,
  jsonInput,
  makeArgsInput,
  platformsInput,
  pushTargetInputs,
  registryAccessInputs,
  registryAccessOf,
  releasePairingInputs,
  releasePairingOf,
  tagInput,
} from '../contract/common-inputs';
import { defineContract } from '../contract/input-spec';
import { parsePinnedInput, parseReferenceInput } from '../contract/parse-inputs';
import type { Reference } from '@talos-kmod/oci';
import type { BuildInstallerResult } from './build-installer';
import type { BuildInstallerOptions } from './options';

/** build-installer's inputs and outputs. */
export const buildInstallerContract = defineContract({
  step: 'build-installer',
  inputs: {
    'talos-dir': {
      kind: 'string',
      default: '',
      help: 'talos checkout: make installer-base imager, then image-installer',
      placeholder: '<dir>',
    },
    'imager-image': {
      kind: 'string',
      default: '',
      help: 'a ready imager image to run with docker (instead of --talos-dir)',
      placeholder: '<ref>',
    },
    'base-installer-image': {
      kind: 'string',
      default: '',
      help: 'installer-base for --imager-image',
      placeholder: '<ref>',
    },
    'kernel-image': {
      kind: 'string',
      default: '',
      help: 'kernel image (PKG_KERNEL) for --talos-dir',
      placeholder: '<ref>',
    },
    'extension-images': {
      kind: 'list',
      default: '',
      flag: 'extension-image',
      help: 'system extension image (repeatable)',
      placeholder: '<ref>',
    },
    'extra-extension-images': {
      kind: 'list',
      default: '',
      flag: 'extra-extension-image',
      help: "the node's other extensions to keep, pinned name:tag@sha256:… (repeatable); every extension is verified against the kernel first",
      placeholder: '<ref@sha256:…>',
    },
    schematic: {
      kind: 'string',
      default: '',
      help: 'Image Factory schematic YAML: its officialExtensions go into the installer too, as the images of talos-version',
      placeholder: '<file>',
    },
    'node-extensions': {
      kind: 'string',
      default: '',
      help: "saved 'talosctl get extensions -o yaml' output: the node's extensions go into the installer too (the module's own is replaced)",
      placeholder: '<file>',
    },
    'extensions-catalog': {
      kind: 'string',
      default: '',
      help: 'where official extension names resolve: a repository tagged per Talos release (default ghcr.io/siderolabs/extensions) or an image-digests file',
      placeholder: '<repo|file>',
    },
    ...releasePairingInputs,
    'extra-kernel-args': {
      kind: 'lines',
      default: '',
      flag: 'extra-kernel-arg',
      help: 'extra kernel argument (repeatable; commas stay inside it; -name removes a default one)',
      placeholder: '<arg>',
    },
    'overlay-image': {
      kind: 'string',
      default: '',
      help: 'overlay image for single-board computers, e.g. ghcr.io/siderolabs/sbc-raspberrypi:v0.1.0 (with --overlay-name)',
      placeholder: '<ref>',
    },
    'overlay-name': {
      kind: 'string',
      default: '',
      help: "the overlay's installer, e.g. rpi_generic (with --overlay-image)",
      placeholder: '<name>',
    },
    'overlay-options': {
      kind: 'lines',
      default: '',
      flag: 'overlay-option',
      help: 'extra overlay option key=value (repeatable)',
      placeholder: '<key=value>',
    },
    ...pushTargetInputs,
    ...platformsInput,
    ...tagInput,
    ...makeArgsInput,
    'installer-ref': {
      kind: 'string',
      default: '',
      help: 'where to push the installer (default ttl.sh/<uuid>:1h)',
      placeholder: '<ref>',
    },
    'out-dir': {
      kind: 'string',
      only: 'cli',
      help: 'where --imager-image writes installer-<arch>.tar (default: a temp dir)',
      placeholder: '<dir>',
    },
    'verify-installer': {
      kind: 'choice',
      choices: ['error', 'warning'],
      default: 'error',
      help: 'a failing check of the built installer: error (push nothing) or warning (push anyway)',
      placeholder: '<level>',
    },
    ...registryAccessInputs,
    ...jsonInput,
  },
  outputs: [
    'installer-image',
    'installer-images',
    'imager-image',
    'installer-base-image',
    'tarball',
  ],
  toOptions: (v, env): BuildInstallerOptions => ({
    ...(v['talos-dir'] ? { talosDir: v['talos-dir'] } : {}),
    ...referenceOption('imagerImage', 'imager-image', v['imager-image']),
    ...referenceOption('baseInstallerImage', 'base-installer-image', v['base-installer-image']),
    ...referenceOption('kernelImage', 'kernel-image', v['kernel-image']),
    extensionImages: v['extension-images'].map((e) => parseReferenceInput('extension-images', e)),
    extraExtensionImages: v['extra-extension-images'].map((e) =>
      parsePinnedInput(
        'extra-extension-images',
        e,
        () =>
          'give name:tag@sha256:<digest> (skopeo inspect or crane digest prints it), so the installer carries exactly the image that was checked',
        'has',
      ),
    ),
    ...(v.schematic ? { schematic: v.schematic } : {}),
    ...(v['node-extensions'] ? { nodeExtensions: v['node-extensions'] } : {}),
    ...(v['extensions-catalog'] ? { extensionsCatalog: v['extensions-catalog'] } : {}),
    ...releasePairingOf(v),
    extraKernelArgs: v['extra-kernel-args'],
    ...referenceOption('overlayImage', 'overlay-image', v['overlay-image']),
    ...(v['overlay-name'] ? { overlayName: v['overlay-name'] } : {}),
    ...(v['overlay-options'].length > 0 ? { overlayOptions: v['overlay-options'] } : {}),
    ...buildTargetOf(v, env),
    ...referenceOption('installerRef', 'installer-ref', v['installer-ref']),
    ...(v['out-dir'] ? { outDir: v['out-dir'] } : {}),
    verifyInstaller: v['verify-installer'] === 'warning' ? 'warning' : 'error',
    ...registryAccessOf(v),
  }),
  toOutputs: (r: BuildInstallerResult) => ({
    'installer-image': r.installerImage.toString(),
    'installer-images': JSON.stringify(r.installerImages),
    'imager-image': r.imagerImage.toString(),
    'installer-base-image': r.installerBaseImage.toString(),
    tarball: Object.values(r.tarballs).join('\n'),
  }),
});

/** `{ [key]: reference }` when input `field` is set, parsed; `{}` when it is empty. */
function referenceOption<K extends string>(
  key: K,
  field: string,
  text: string | undefined,
): { [P in K]?: Reference } {
  return (text ? { [key]: parseReferenceInput(field, text) } : {}) as { [P in K]?: Reference };
}
