/** The verify-image step: prove an image will load on a Talos node before anyone boots it. */
export type { VerifyImageOptions, ValidatedVerifyOptions } from './options';
export { validateVerifyOptions } from './options';
export type { VerifyReport, Check, CheckSeverity, ModuleReport, PlatformReport } from './report';
export { isFailing } from './report';
export type { VerifyImageDeps } from './verify-image';
export { verifyImage } from './verify-image';
export type { TextFormatOptions } from './format-text';
export { formatReportText } from './format-text';
export type { MarkdownFormatOptions } from './format-markdown';
export { formatReportMarkdown } from './format-markdown';
export { failureMessage, describeCounts, orderedChecks } from './summary';
export type { FileTree, FileWalkOptions, OpenedImage } from './file-tree';
export { openFileTrees } from './file-tree';
