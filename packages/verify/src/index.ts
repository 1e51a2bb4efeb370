/**
 * Verification of Talos kernel-module chain images: open an image (registry, archive, layout or
 * directory), run the checks a node and the imager would apply, and report. Used by the
 * verify-image action, the build steps and the CLI.
 */
export type { VerifyImageOptions, ValidatedVerifyOptions } from './options';
export { validateModuleNames, validateVerifyOptions } from './options';
export type {
  VerifyReport,
  Check,
  CheckSeverity,
  CertificateReport,
  InstallerReport,
  ModuleReport,
  ModuleVerdict,
  PlatformReport,
  SignatureProof,
} from './report';
export { isFailing } from './report';
export type { VerifyImageDeps } from './verify-image';
export { verifyImage } from './verify-image';
export type { TextFormatOptions } from './format-text';
export { formatReportText } from './format-text';
export type { MarkdownFormatOptions } from './format-markdown';
export { formatReportMarkdown } from './format-markdown';
export {
  installersMarkdown as formatInstallersMarkdown,
  installersText as formatInstallersText,
} from './internal/installer/format-installers';
export type { CheckGroup } from './internal/summary';
export {
  failureMessage,
  describeCounts,
  orderedChecks,
  groupChecks,
  somePaths,
} from './internal/summary';
export type { TrustedCertificates } from './trusted-certificates';
export { readTrustedCertificatesFile } from './trusted-certificates';
// kernels inside images (kernel images, installers)
export type { ImageKernel, ReadImageKernelsOptions } from './read-image-kernels';
export { readImageKernels, kernelPathPattern } from './read-image-kernels';
