/**
 * Finds the DER X.509 certificates compiled into a kernel and tells apart the ones it trusts for
 * module signatures from the ones it revokes and any others.
 *
 * The kernel trusts exactly `system_certificate_list` (linux certs/system_certificates.S; before
 * v5.13 as at torvalds/linux@611c9dd331ed, since then with `module_cert_size` appended, added with
 * load_module_cert() for IMA): the module signing certificate (`__module_cert_start` …
 * `__module_cert_end`), then CONFIG_SYSTEM_TRUSTED_KEYS (`x509_certificate_list`), then, with
 * CONFIG_SYSTEM_EXTRA_CERTIFICATE, a zero-filled reserved area (`system_extra_cert`, default 4096
 * bytes) and the `.int system_extra_cert_used`; then `.align 8`, `system_certificate_list_size`
 * (`.quad` on 64-bit, `.long` on 32-bit) = the list's length, and since v5.13 `.align 8`,
 * `module_cert_size` = the length of signing_key.x509 (the signing certificate, or with it the
 * others of CONFIG_MODULE_SIG_KEY's PEM: certs/extract-cert.c writes each one).
 * scripts/insert-sys-cert.c (torvalds/linux@8042783592c5) writes a certificate at the start of the
 * reserved area, right after the list, adds its length to system_certificate_list_size and stores
 * that length in system_extra_cert_used, so the inserted certificate is part of the list.
 * load_system_certificate_list() walks the list as DER SEQUENCEs `30 82 <len16>`. The size words
 * are read little-endian; a big-endian kernel (the caller tells) is `not-located` and said so.
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
 *   (past zero padding, an extra-certificate area and its used-bytes word) by a size word L and
 *   then a word equal to the length of the run's first certificate (or first few: extract-cert
 *   writes every certificate of the signing key's PEM into signing_key.x509). Every other run followed by a size word is a revocation
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
 * Parses tried (distinct candidates): a real kernel has a few hundred candidates at most (one
 * valid certificate among ~80 on Debian's), and a parse costs up to a few milliseconds.
 */
const MAX_PARSES = 4096;
/**
 * How far past a run the size word may be: alignment padding (< 8 bytes on x86, < 256 on ARM),
 * and the extra-certificate area (CONFIG_SYSTEM_EXTRA_CERTIFICATE_SIZE, 4096 by default) with
 * its `.int` used-bytes word.
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
  /** Candidates parsed (copies of a certificate already read are not parsed again). */
  readonly parses: number;
  /**
   * True when the scan stopped before the region's end: at its bound on candidates or parses, or
   * at a certificate past the `max` distinct ones.
   */
  readonly truncated: boolean;
}

interface Found {
  readonly start: number;
  readonly end: number;
  /** Shared by every copy of the same certificate: a copy costs this small object only. */
  readonly info: CertificateInfo;
  readonly digest: string;
}

interface Parsed {
  readonly info: CertificateInfo;
  readonly digest: string;
  readonly der: Buffer;
}

/**
 * Every parseable certificate in `bytes[from, to)`, in order, at most `max` distinct ones. A copy of a certificate already
 * parsed is recognised by its bytes and not parsed again (parsing costs about a millisecond and
 * the parsed form a few KiB: a kernel made of copies of one certificate would otherwise cost
 * minutes and hundreds of MB). At most MAX_CANDIDATES candidates are examined and MAX_PARSES
 * parsed; `truncated` says when either stopped the scan.
 */
function scan(
  buf: Buffer,
  from: number,
  to: number,
  max: number,
): { found: Found[]; candidates: number; parses: number; truncated: boolean } {
  const found: Found[] = [];
  const byLength = new Map<number, Parsed[]>();
  let distinct = 0;
  let candidates = 0;
  let parses = 0;
  let truncated = false;
  for (
    let at = buf.indexOf(PATTERN, from);
    at >= 0 && at + 8 <= to;
    at = buf.indexOf(PATTERN, at + 1)
  ) {
    if (buf[at + 4] !== 0x30 || buf[at + 5] !== 0x82) continue;
    const length = 4 + buf.readUInt16BE(at + 2);
    if (at + length > to) continue;
    if (++candidates > MAX_CANDIDATES) {
      truncated = true;
      break;
    }
    const der = buf.subarray(at, at + length);
    const same = byLength.get(length);
    let parsed = same?.find((p) => p.der.equals(der));
    if (!parsed) {
      if (parses >= MAX_PARSES) {
        truncated = true;
        break;
      }
      parses++;
      const copy = Buffer.from(der); // never keep the whole kernel alive
      let info: CertificateInfo;
      try {
        info = readCertificate(copy);
      } catch {
        continue;
      }
      if (distinct >= max) {
        truncated = true; // a certificate past the `max` distinct ones
        break;
      }
      parsed = { info, digest: createHash('sha256').update(copy).digest('hex'), der: copy };
      if (same) same.push(parsed);
      else byLength.set(length, [parsed]);
      distinct++;
    }
    found.push({ start: at, end: at + length, info: parsed.info, digest: parsed.digest });
    at += length - 1;
  }
  return { found, candidates, parses, truncated };
}

/** A reading of the words after a run: the list's size, the word after it, the inserted bytes. */
interface Trailer {
  readonly size: number;
  /** The word after the size word (module_cert_size since v5.13). */
  readonly next?: number;
  /** system_extra_cert_used: bytes insert-sys-cert wrote right after the list, inside `size`. */
  readonly inserted?: number;
}

/**
 * The ways to read the words after a run of certificates ending at `end`. Past zero padding comes
 * the first non-zero 4-aligned word. Either it is system_certificate_list_size (or
 * revocation_certificate_list_size): 8-aligned, read as u32 LE with 4 zero bytes after it, as both
 * `.quad` (high half zero) and `.long` then `.align 8` (zero padding) leave it. Or, with
 * CONFIG_SYSTEM_EXTRA_CERTIFICATE and a certificate inserted, it is the `.int`
 * system_extra_cert_used, which scripts/insert-sys-cert.c sets to the inserted bytes' count
 * (`*used = cert_size`, torvalds/linux@8042783592c5) while it adds them to the size word, and the
 * size word is the next non-zero 8-aligned word. An unused area is all zeros, flag included.
 * `.align 8` is 8 bytes on x86 but 2^8 = 256 bytes on ARM targets, where GNU as reads `.align` as
 * a power of two (a 2025 patch proposes `.balign`), so the word after the size word is 8 bytes on
 * or at the next 256-byte boundary with zeros between. Work: at most TRAILER_WINDOW / 4 words.
 */
function trailersAfter(buf: Buffer, end: number): Trailer[] {
  const limit = Math.min(buf.length - 4, end + TRAILER_WINDOW);
  let p = (end + 3) & ~3;
  while (p <= limit && buf.readUInt32LE(p) === 0) p += 4;
  if (p > limit) return [];
  const out: Trailer[] = [];
  const plain = sizeWordAt(buf, p);
  if (plain) out.push(plain);
  let q = (p + 4 + 7) & ~7;
  while (q <= limit && buf.readUInt32LE(q) === 0 && wordAt(buf, q + 4) === 0) q += 8;
  const after = q <= limit ? sizeWordAt(buf, q) : undefined;
  if (after) out.push({ ...after, inserted: buf.readUInt32LE(p) });
  return out;
}

function wordAt(buf: Buffer, at: number): number {
  return at + 4 <= buf.length ? buf.readUInt32LE(at) : 0;
}

/** The size word at `at` (8-aligned, high half zero) and the word after it, or undefined. */
function sizeWordAt(buf: Buffer, at: number): Trailer | undefined {
  if (at % 8 !== 0 || wordAt(buf, at + 4) !== 0) return undefined;
  return { size: buf.readUInt32LE(at), ...nextWord(buf, at + 8) };
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

/**
 * The list a trailer names in `run` (ending at `end`): the suffix of the run `size` bytes long
 * (the list may start after certificates that merely precede it), and with an inserted
 * certificate a suffix of that list `inserted` bytes long, or undefined when the words do not
 * fall on certificate boundaries.
 */
function listNamed(run: readonly Found[], end: number, t: Trailer): List | undefined {
  const first = run.findIndex((c) => end - c.start === t.size);
  if (first < 0) return undefined;
  const inserted = t.inserted;
  if (inserted !== undefined && !run.some((c, i) => i >= first && end - c.start === inserted)) {
    return undefined;
  }
  const certs = run.slice(first);
  // module_cert_size is signing_key.x509's length: one certificate, or a key file's chain
  const start = certs[0]!.start;
  return { certs, moduleCertSize: certs.some((c) => c.end - start === t.next) };
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
    const named = trailersAfter(buf, end)
      .map((t) => listNamed(run, end, t))
      .filter((l): l is List => l !== undefined);
    // a reading confirmed by module_cert_size wins; else the one with the flag (two words on
    // certificate boundaries), else the plain size word
    const list = named.find((l) => l.moduleCertSize) ?? (named.length > 1 ? named[1] : named[0]);
    if (list) lists.push(list);
  }
  return lists;
}

function distinct(
  found: readonly Found[],
  exclude: ReadonlySet<string> = new Set(),
): CertificateInfo[] {
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
 * `littleEndian` false (a big-endian kernel, whose size words this reader does not read) makes
 * the result `not-located`.
 */
export function findCertificates(
  bytes: Uint8Array,
  max: number,
  from = 0,
  to = bytes.length,
  littleEndian = true,
): FoundCertificates {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { found, ...work } = scan(buf, from, to, max);
  const lists = littleEndian ? listsOf(buf, found) : [];
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
    return { trusted: distinct(found), revoked: [], other: [], rule, ...work };
  }
  const revokedCerts = revokedLists.flatMap((l) => l.certs);
  const known = new Set([...trustedList.certs, ...revokedCerts].map((c) => c.digest));
  return {
    trusted: distinct(trustedList.certs),
    revoked: distinct(revokedCerts),
    other: distinct(found, known),
    rule,
    listOffset: trustedList.certs[0]!.start,
    ...work,
  };
}
