/** Readers for bldr's variable files: `Pkgfile` (`vars:`), `vars.yaml`, Renovate comments. */
export type { Pkgfile } from './pkgfile';
export { parsePkgfile, readPkgfile, pkgfileVars } from './pkgfile';
export type { VarLine, VarBlock, VarSection } from './var-lines';
export { parseVarLines, parseScalar, splitLines, varRecord } from './var-lines';
export { parseVarsYaml } from './vars-yaml';
export type { RenovateAnnotation } from './renovate';
export { parseRenovateComment, isRenovateComment } from './renovate';
