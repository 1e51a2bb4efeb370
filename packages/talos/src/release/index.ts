/** Pairing the refs of one Talos release: pkgs, tools and extensions as talos pins them. */
export type { TalosRelease } from './talos-release';
export { parseTalosRelease, isExactRelease } from './talos-release';
export type { DescribedVersion } from './describe-version';
export { parseDescribe } from './describe-version';
export type { PinnedRepo, ReleaseRefs, GendataFiles } from './release-refs';
export { gendataDir, releaseRefsFromGendata, formatReleaseRefs } from './release-refs';
export type { ReadReleaseRefsOptions } from './read-release-refs';
export {
  defaultTalosRemote,
  isGitUrl,
  listReleaseTags,
  readReleaseRefs,
} from './read-release-refs';
export type { CheckoutFacts, CheckoutKind, ReleaseMatch } from './release-match';
export { checkCheckoutRelease, readCheckoutFacts } from './release-match';
