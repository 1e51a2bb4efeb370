/** The build-kernel-pkg step. */
export type { BuildKernelPkgOptions } from './options';
export type { RegistryAccess } from '../step-kit/build-options';
export { validateKernelPkgOptions } from './options';
export type { BuildKernelPkgDeps, BuildKernelPkgResult } from './build-kernel-pkg';
export { buildKernelPkg } from './build-kernel-pkg';
export type { SignatureCheck, VerifyAgainstKernelFn } from './signature-check';
export { signatureChecker } from './signature-check';
export { kernelPkgSummary, failureSummary } from './summary';
export type { KernelPkgCacheInputs } from './cache-key';
export { RegistryAccessError } from '../step-kit/preflight';
