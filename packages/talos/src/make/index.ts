/** make: reading kres-generated Makefiles and building safe make command lines. */
export type { MakefileInfo, MakeAssignmentLine, MakeTargetLine } from './makefile';
export { parseMakefile, readMakefile, makeVariable } from './makefile';
export type { MakeValue } from './values';
export {
  findUnsafeCharacter,
  isMakeValue,
  makeValue,
  referenceMakeValue,
  unsafeMakeValueProblem,
} from './values';
export type {
  MakeAssignment,
  MakeInvocation,
  ExtensionsMakeInvocation,
} from './pkgs-extensions-args';
export {
  parseMakeArgs,
  pkgsMakeArgs,
  extensionsMakeArgs,
  makeArgsVariables,
  metadataFileCiArg,
  reservedMakeVariables,
  forbiddenMakeVariables,
} from './pkgs-extensions-args';
