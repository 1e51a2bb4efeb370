/** Reading siderolabs/extensions checkouts: extensions, pulled pkgs images, VERSION. */
export type { ExtensionsCheckout, ExtensionEntry } from './checkout';
export { readExtensionsCheckout, resolveExtension } from './checkout';
export type { PkgsImageLine } from './image-lines';
export {
  findPkgsImageLines,
  pinPkgsImageLine,
  withPinnedPkgsImage,
  repositoryBaseName,
} from './image-lines';
export type { RenderResult } from './template';
export { renderSimpleTemplate } from './template';
export type { ExtensionVersion, ExtensionBuildArgs } from './version';
export { extensionVariables, extensionVersion } from './version';
