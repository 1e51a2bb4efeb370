/** ttl.sh rules: the tag is the lifetime, at most 24 hours. */
export {
  ttlShHost,
  ttlShMaxSeconds,
  parseTtlShLifetime,
  isTtlSh,
  checkTtlShTag,
  defaultTtlShReference,
} from './ttl-sh';
