/**
 * The kernel's linux_banner (init/version.c): `Linux version <release> (<builder>) (<compiler>)
 * <version>\n`, where version is UTS_VERSION (`#1 SMP PREEMPT_DYNAMIC <date>`).
 */

const MARKER = Buffer.from('Linux version ');
const MAX_LINE = 512;

const MAX_BANNERS = 16;

/**
 * The release and version of the kernel's banner. Kernels since 6.1 hold two: init/version.c's,
 * compiled before the build number is known (`# SMP …`), and init/version-timestamp.c's
 * (`#1 SMP …`), the one /proc/version shows; the numbered one wins.
 */
export function findBanner(bytes: Uint8Array): { release: string; version?: string } | undefined {
  let first: { release: string; version?: string } | undefined;
  let n = 0;
  for (const b of banners(bytes)) {
    if (b.version && /^#\d/.test(b.version)) return b;
    first ??= b;
    if (++n >= MAX_BANNERS) break;
  }
  return first;
}

function* banners(bytes: Uint8Array): Generator<{ release: string; version?: string }> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = buf.indexOf(MARKER); at >= 0; at = buf.indexOf(MARKER, at + 1)) {
    const start = at + MARKER.length;
    let end = start;
    while (end < buf.length && end - start < MAX_LINE && buf[end] !== 0 && buf[end] !== 0x0a) end++;
    const line = buf.toString('latin1', start, end);
    const m = /^(\d+\.\d+[^\s()%]*) \(/.exec(line);
    if (!m?.[1]) continue; // a format string such as "Linux version %s", not the banner
    const hash = line.indexOf(' #');
    yield { release: m[1], ...(hash >= 0 ? { version: line.slice(hash + 1) } : {}) };
  }
  return undefined;
}

/** The release in a bzImage's kernel_version string (`6.1.0-57-amd64 (builder) #1 SMP …`). */
export function releaseOfVersionString(s: string): string | undefined {
  return /^(\d+\.\d+[^\s()]*)/.exec(s)?.[1];
}
