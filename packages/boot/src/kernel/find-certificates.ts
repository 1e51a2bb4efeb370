/**
 * Finds the DER X.509 certificates compiled into a kernel and tells apart the ones it trusts for
 * module signatures from the ones it revokes and any others.
 *
 * The kernel trusts exactly `system_certificate_list` (linux certs/system_certificates.S; before
 * v5.13 as at torvalds/linux@611c9dd331ed, since then with `module_cert_size` appended, added with
 * load_module_cert() for IMA): the module signing certificate (`__module_cert_start` …
 * `__module_cert_end`), then CONFIG_SYSTEM_TRUSTED_KEYS (`x509_certificate_list`), then, with
 * CONFIG_SYSTEM_EXTRA_CERTIFICATE, a zero-filled reserved area (`system_extra_cert`, default 4096
 * bytes, that scripts/insert-sys-cert.c fills right after the list) and the `.int
 * system_extra_cert_used`; then `.align 8`, `system_certificate_list_size` (`.quad` on 64-bit,
 * `.long` on 32-bit) = the list's length, and since v5.13 `.align 8`, `module_cert_size` = the
 * signing certificate's length. load_system_certificate_list() walks the list as DER SEQUENCEs
 * `30 82 <len16>`.
 *
 * certs/revocation_certificates.S (torvalds/linux@65e575744264; v5.13+, CONFIG_SYSTEM_REVOCATION_KEYS) has the same shape
 * without module_cert_size: `revocation_certificate_list`, `.align 8`,
 * `revocation_certificate_list_size`. Those keys go to the blacklist keyring, and a module signed
 * by one is refused (is_key_on_revocation_list() → -EKEYREJECTED). Both lists are `__INITRODATA`
 * (`.init.rodata`), which include/asm-generic/vmlinux.lds.h's INIT_DATA (torvalds/linux@000f8870a47b) puts into the vmlinux's `.init.data`, so the
 * section does not tell them apart: module_cert_size does.
 *
 * Rules, in order (the first that holds decides):
 * - `list-size-and-module-cert-size`: a contiguous run of certificates whose length L is followed
 *   (past zero padding and an extra-certificate area) by a size word L and then a word equal to
 *   the run's first certificate's length. Every other run followed by a size word is a revocation
 *   list.
 * - `list-size`: the only certificates are one run followed by a size word (kernels before v5.13,
 *   which have no revocation list; with other certificates about, a lone sized run might be a
 *   revocation list after a list this reader does not recognise, so that is `not-located`).
 * - `not-located`: every certificate found is trusted (what a kernel with an unknown layout may
 *   trust; no real kernel loses its certificate), and the caller says so in its problems.
 */
import { createHash } from 'node:crypto';
import { readCertificate, type CertificateInfo } from '@talos-kmod/kmod';

const PATTERN = Buffer.from([0x30, 0x82]);
const MAX_CANDIDATES = 200_000;
/**
 * How far past a run the size word may be: padding (< 8 bytes), and the extra-certificate area
 * (CONFIG_SYSTEM_EXTRA_CERTIFICATE_SIZE, 4096 by default) with its `.int` flag.
 */
const TRAILER_WINDOW = 64 * 1024;

/** Which rule located the trusted list; see the module comment. */
export type CertificateListRule = 'list-size-and-module-cert-size' | 'list-size' | 'not-located';

/** The certificates of a kernel, sorted by what the kernel does with them. */
export interface FoundCertificates {
  /** system_certificate_list (or every certificate, for `not-located`). */
  readonly trusted: CertificateInfo[];
  /** revocation_certificate_list. */
  readonly revoked: CertificateInfo[];
  /** Certificates compiled in elsewhere (no trust anchor: e.g. cfg80211's regulatory keys). */
  readonly other: CertificateInfo[];
  readonly rule: CertificateListRule;
  /** Byte offset of the trusted list in the scanned buffer, when located. */
  readonly listOffset?: number;
  /** `30 82 len 30 82` positions examined. */
  readonly candidates: number;
}

interface Found {
  readonly start: number;
  readonly end: number;
  readonly info: CertificateInfo;
  readonly digest: string;
}

/** Every parseable certificate in `bytes[from, to)`, in order (at most MAX_CANDIDATES tried). */
function scan(
  buf: Buffer,
  from: number,
  to: number,
  max: number,
): { found: Found[]; candidates: number } {
  const found: Found[] = [];
  const distinct = new Set<string>();
  let candidates = 0;
  for (
    let at = buf.indexOf(PATTERN, from);
    at >= 0 && at + 8 <= to;
    at = buf.indexOf(PATTERN, at + 1)
  ) {
    if (buf[at + 4] !== 0x30 || buf[at + 5] !== 0x82) continue;
    const length = 4 + buf.readUInt16BE(at + 2);
    if (at + length > to) continue;
    if (++candidates > MAX_CANDIDATES) break;
    const der = buf.subarray(at, at + length);
    let info: CertificateInfo;
    try {
      info = readCertificate(new Uint8Array(der)); // a copy: never keep the whole kernel alive
    } catch {
      continue;
    }
    const digest = createHash('sha256').update(der).digest('hex');
    found.push({ start: at, end: at + length, info, digest });
    distinct.add(digest);
    if (distinct.size >= max) break;
    at += length - 1;
  }
  return { found, candidates };
}

/**
 * The size word after a run of certificates ending at `end`: the first 8-aligned word past zero
 * padding (and at most one `system_extra_cert_used` flag), read as u32 LE, and the next word,
 * module_cert_size when the kernel has it. `.quad` (high half zero) and `.long` then `.align 8`
 * (zero padding) both put the value in the low 4 bytes with 4 zero bytes after it. `.align 8` is
 * 8 bytes on x86 but 2^8 = 256 bytes on ARM targets, where GNU as reads `.align` as a power of two
 * (the reason the kernel later moved these files to `.balign`), so the next word is 8 bytes on or
 * at the next 256-byte boundary with zeros between.
 */
function trailerAfter(buf: Buffer, end: number): { size: number; next?: number } | undefined {
  let flagSeen = false;
  const limit = Math.min(buf.length - 4, end + TRAILER_WINDOW);
  const u32 = (at: number) => (at + 4 <= buf.length ? buf.readUInt32LE(at) : 0);
  for (let p = (end + 7) & ~7; p <= limit; p += 8) {
    const lo = buf.readUInt32LE(p);
    const hi = u32(p + 4);
    if (lo === 0 && hi === 0) continue;
    if (!flagSeen && lo + hi === 1) {
      flagSeen = true;
      continue;
    }
    if (hi !== 0) return undefined;
    return { size: lo, ...nextWord(buf, p + 8) };
  }
  return undefined;
}

/** The word at `at` when it is not zero, else the word at the next 256-byte boundary if only zeros precede it. */
function nextWord(buf: Buffer, at: number): { next?: number } {
  if (at + 4 > buf.length) return {};
  const here = buf.readUInt32LE(at);
  if (here !== 0) return { next: here };
  const arm = (at + 255) & ~255;
  if (arm + 4 > buf.length) return {};
  for (let q = at; q < arm; q++) if (buf[q] !== 0) return { next: 0 };
  return { next: buf.readUInt32LE(arm) };
}

interface List {
  readonly certs: Found[];
  readonly moduleCertSize: boolean;
}

/** Runs of certificates each starting where the previous ends, and the lists their trailers name. */
function listsOf(buf: Buffer, found: readonly Found[]): List[] {
  const lists: List[] = [];
  let i = 0;
  while (i < found.length) {
    let j = i + 1;
    while (j < found.length && found[j]!.start === found[j - 1]!.end) j++;
    const run = found.slice(i, j);
    i = j;
    const end = run[run.length - 1]!.end;
    const trailer = trailerAfter(buf, end);
    if (!trailer) continue;
    // the list may start after certificates that merely precede it: take the suffix of length L
    const first = run.findIndex((c) => end - c.start === trailer.size);
    if (first < 0) continue;
    const certs = run.slice(first);
    lists.push({ certs, moduleCertSize: trailer.next === certs[0]!.end - certs[0]!.start });
  }
  return lists;
}

function distinct(found: readonly Found[], exclude: ReadonlySet<string>): CertificateInfo[] {
  const seen = new Set(exclude);
  const out: CertificateInfo[] = [];
  for (const f of found) {
    if (seen.has(f.digest)) continue;
    seen.add(f.digest);
    out.push(f.info);
  }
  return out;
}

/**
 * The certificates in `bytes[from, to)` sorted into trusted, revoked and other, at most `max`
 * distinct ones in all. `from` and `to` are offsets into `bytes`, whose offsets must be the
 * kernel's (an ELF vmlinux's file offsets or a raw Image's) so that `.align 8` holds in them.
 */
export function findCertificates(
  bytes: Uint8Array,
  max: number,
  from = 0,
  to = bytes.length,
): FoundCertificates {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { found, candidates } = scan(buf, from, to, max);
  const lists = listsOf(buf, found);
  const withModule = lists.filter((l) => l.moduleCertSize);
  let trustedList: List | undefined;
  let revokedLists: List[] = [];
  let rule: CertificateListRule = 'not-located';
  if (withModule.length === 1) {
    trustedList = withModule[0];
    revokedLists = lists.filter((l) => l !== trustedList);
    rule = 'list-size-and-module-cert-size';
  } else if (
    withModule.length === 0 &&
    lists.length === 1 &&
    lists[0]!.certs.length === found.length
  ) {
    trustedList = lists[0];
    rule = 'list-size';
  }
  if (!trustedList) {
    return { trusted: distinct(found, new Set()), revoked: [], other: [], rule, candidates };
  }
  const trusted = distinct(trustedList.certs, new Set());
  const trustedDigests = new Set(trustedList.certs.map((c) => c.digest));
  const revoked = distinct(
    revokedLists.flatMap((l) => l.certs),
    new Set(),
  );
  const known = new Set([
    ...trustedDigests,
    ...revokedLists.flatMap((l) => l.certs.map((c) => c.digest)),
  ]);
  return {
    trusted,
    revoked,
    other: distinct(found, known),
    rule,
    listOffset: trustedList.certs[0]!.start,
    candidates,
  };
}
