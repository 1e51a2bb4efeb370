/** The build-installer contract: its inputs, defaults and outputs, for the action and the CLI. */
import {
  jsonInput,
  makeArgsInput,
  namespaceOrOwner,
  platformsInput,
  pushTargetInputs,
  registryAccessInputs,
  registryAccessOf,
  tagInput,
} from '../contract/common-inputs';
import { defineContract } from '../contract/input-spec';
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
    'extra-kernel-args': {
      kind: 'lines',
      default: '',
      flag: 'extra-kernel-arg',
      help: 'extra kernel argument (repeatable; commas stay inside it; -name removes a default one)',
      placeholder: '<arg>',
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
    ...(v['imager-image'] ? { imagerImage: v['imager-image'] } : {}),
    ...(v['base-installer-image'] ? { baseInstallerImage: v['base-installer-image'] } : {}),
    ...(v['kernel-image'] ? { kernelImage: v['kernel-image'] } : {}),
    extensionImages: v['extension-images'],
    extraKernelArgs: v['extra-kernel-args'],
    registry: v.registry,
    username: namespaceOrOwner(v.username, env),
    platforms: v.platforms,
    ...(v.tag ? { tag: v.tag } : {}),
    makeArgs: v['make-args'],
    ...(v['installer-ref'] ? { installerRef: v['installer-ref'] } : {}),
    ...(v['out-dir'] ? { outDir: v['out-dir'] } : {}),
    verifyInstaller: v['verify-installer'] === 'warning' ? 'warning' : 'error',
    ...registryAccessOf(v),
  }),
  toOutputs: (r: BuildInstallerResult) => ({
    'installer-image': r.installerImage,
    'installer-images': JSON.stringify(r.installerImages),
    'imager-image': r.imagerImage,
    'installer-base-image': r.installerBaseImage,
    tarball: Object.values(r.tarballs).join('\n'),
  }),
});
