/**
 * Every step's contract (inputs with defaults, outputs, option and output mappers), importable
 * without loading the steps themselves: the CLI registers its flags from these at start-up and
 * loads a step only when its command runs.
 */
export type {
  InputKind,
  InputSpec,
  InputSpecs,
  InputValue,
  InputValues,
  RawInputs,
  StepContract,
} from './contract/input-spec';
export { applyContract, inputsFor, resolveInputs, splitItems } from './contract/input-spec';
export {
  defaultPlatform,
  defaultRegistry,
  namespaceOrOwner,
  pairCredentials,
  registryAccessInputs,
  type Credentials,
} from './contract/common-inputs';
import { buildKernelPkgContract } from './build-kernel-pkg/contract';
import { buildExtensionContract } from './build-extension/contract';
import { buildInstallerContract } from './build-installer/contract';
import { verifyImageContract } from './verify-image/contract';
export { buildKernelPkgContract, buildExtensionContract, buildInstallerContract };
export {
  verifyImageContract,
  type VerifyStepOptions,
  type VerifyStepResult,
} from './verify-image/contract';

/** The contracts of the steps that are actions, by action name (the contract test walks these). */
export const stepContracts = {
  'build-kernel-pkg': buildKernelPkgContract,
  'build-extension': buildExtensionContract,
  'build-installer': buildInstallerContract,
  'verify-image': verifyImageContract,
} as const;
