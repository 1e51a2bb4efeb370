/**
 * ttl.sh, the anonymous registry whose tag is the image's lifetime (replicatedhq/ttl.sh
 * sidecar/internal/ttl: a tag matching `^[0-9]+(s|m|h|d|w)$` with a positive number is the
 * lifetime; any other tag gets the default; anything longer is cut to the maximum, 24 hours).
 * Because ttl.sh silently shortens long lifetimes, a lifetime over 24 hours is refused here, and so
 * is a tag that is not a lifetime.
 */
import { randomUUID } from 'node:crypto';
import { FieldError } from '@talos-kmod/common';

/** The registry host. */
export const ttlShHost = 'ttl.sh';

/** The longest lifetime ttl.sh keeps an image: 24 hours, in seconds. */
export const ttlShMaxSeconds = 24 * 60 * 60;

const units: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** The lifetime a ttl.sh tag encodes, in seconds; `undefined` when the tag is not a lifetime. */
export function parseTtlShLifetime(tag: string): number | undefined {
  const m = /^([0-9]+)([smhdw])$/.exec(tag);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = units[m[2] ?? ''];
  if (!Number.isSafeInteger(n) || n <= 0 || unit === undefined) return undefined;
  return n * unit;
}

/** True when `registry` (a host, possibly with a port) is ttl.sh. */
export function isTtlSh(registry: string): boolean {
  return registry.toLowerCase() === ttlShHost;
}

/**
 * Checks the tag of a ttl.sh destination: it must be a lifetime (`5m`, `1600s`, `4h`, `1d`) of at
 * most 24 hours. `field` is the input that holds the reference; the error names it. Returns the
 * lifetime in seconds.
 */
export function checkTtlShTag(field: string, reference: string, tag: string | undefined): number {
  const example = `${ttlShHost}/<name>:1h`;
  if (tag === undefined || tag === '') {
    throw new FieldError(
      field,
      (n) =>
        `${n(field)} is '${reference}': a ttl.sh image needs a tag that is its lifetime, e.g. ${example} (5m, 1600s, 4h, 1d; at most 24h)`,
    );
  }
  if (/^[0-9]+$/.test(tag)) {
    throw new FieldError(
      field,
      (n) =>
        `${n(field)} is '${reference}': ttl.sh reads the tag '${tag}' as no lifetime (a number needs a unit): use ${tag}s, ${tag}m or ${tag}h (at most 24h)`,
    );
  }
  const seconds = parseTtlShLifetime(tag);
  if (seconds === undefined) {
    throw new FieldError(
      field,
      (n) =>
        `${n(field)} is '${reference}': on ttl.sh the tag is the image's lifetime, and '${tag}' is not one: use a number and a unit, e.g. 5m, 1600s, 4h, 1d (at most 24h)`,
    );
  }
  if (seconds > ttlShMaxSeconds) {
    throw new FieldError(
      field,
      (n) =>
        `${n(field)} is '${reference}': ttl.sh keeps images at most 24 hours and would silently drop '${tag}' to 24h: use a lifetime of 24h (1d) or less, or push to a registry you own`,
    );
  }
  return seconds;
}

/** The default destination for an installer: `ttl.sh/<random uuid>:1h`. */
export function defaultTtlShReference(uuid: string = randomUUID()): string {
  return `${ttlShHost}/${uuid}:1h`;
}
