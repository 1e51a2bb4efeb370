/** The build-kernel-pkg contract: its inputs, defaults and outputs, for the action and the CLI. */
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
import type { BuildKernelPkgResult } from './build-kernel-pkg';
import type { BuildKernelPkgOptions } from './options';

/** build-kernel-pkg's inputs and outputs. */
export const buildKernelPkgContract = defineContract({
  step: 'build-kernel-pkg',
  inputs: {
    'pkgs-dir': {
      kind: 'string',
      default: '.',
      help: 'siderolabs/pkgs checkout',
      placeholder: '<dir>',
    },
    packages: {
      kind: 'list',
      default: '',
      flag: 'package',
      help: 'module package by pkg.yaml name, e.g. hailort-pkg (repeatable)',
      placeholder: '<name>',
    },
    ...buildTargetInputs,
    'verify-signatures': {
      kind: 'boolean',
      default: 'true',
      help: 'skip checking package modules against the kernel key',
    },
    cache: {
      kind: 'boolean',
      default: 'true',
      help: 'always build, even when an unchanged result is recorded',
    },
    'cache-dir': {
      kind: 'string',
      only: 'cli',
      help: 'where results are recorded (default ~/.cache/talos-kmod/build-kernel-pkg)',
      placeholder: '<dir>',
    },
    ...releasePairingInputs,
    ...registryAccessInputs,
    ...jsonInput,
  },
  outputs: ['kernel-image', 'pkg-images', 'pkg-image', 'pkgs-tag', 'pkgs-prefix', 'cache-hit'],
  toOptions: (v, env): BuildKernelPkgOptions => ({
    pkgsDir: v['pkgs-dir'],
    packages: v.packages,
    ...buildTargetOf(v, env),
    push: v.push,
    verifySignatures: v['verify-signatures'],
    cache: v.cache,
    ...releasePairingOf(v),
    ...registryAccessOf(v),
  }),
  toOutputs: (r: BuildKernelPkgResult) => ({
    'kernel-image': r.kernelImage?.toString(),
    'pkg-images': r.pushed ? JSON.stringify(r.pkgImages) : undefined,
    'pkg-image': r.pkgImage?.toString(),
    'pkgs-tag': r.pkgsTag,
    'pkgs-prefix': r.pkgsPrefix.toString(),
    'cache-hit': String(r.cacheHit),
  }),
});
