/**
 * Reads a kernel image file as the boot loader and the kernel see it, and finds the certificates
 * the kernel trusts for module signatures. Layouts (checked in this order):
 * - x86 bzImage (Linux Documentation/arch/x86/boot.rst): `HdrS` at 0x202, the compressed payload
 *   at `(setup_sects+1)*512 + payload_offset` for `payload_length` bytes; every compression but
 *   gzip appends the uncompressed size (u32 LE). It inflates to an ELF vmlinux.
 * - arm64 zboot (drivers/firmware/efi/libstub/zboot-header.S): `MZ`, `zimg` at 4, payload offset
 *   and size at 8 and 12, compression name at 24; the payload ends with the size and inflates to a
 *   raw arm64 Image.
 * - arm64 Image (Documentation/arch/arm64/booting.rst): `ARM\x64` at 0x38; also gzip-compressed
 *   (Image.gz).
 * - ELF vmlinux; and a UKI: a PE file whose `.linux` section holds one of the above.
 */
import { readFile, stat } from 'node:fs/promises';
import { decompress } from '../codecs/decompress';
import { detectCompression, type CompressionKind } from '../codecs/detect';
import { DecompressError, DecompressLimitError } from '../codecs/errors';
import { isPeFile } from '../pe/read-pe-sections';
import { readUkiSections } from '../pe/read-uki-sections';
import { findBanner, releaseOfVersionString } from './banner';
import { isElf, isKernelModuleElf, readElfSections } from './elf-sections';
import { findCertificates, type FoundCertificates } from './find-certificates';
import {
  DEFAULT_MAX_CERTIFICATES,
  DEFAULT_MAX_INPUT,
  DEFAULT_MAX_KERNEL_SIZE,
  KernelImageError,
  type KernelImage,
  type KernelImageLimits,
} from './types';

interface Context {
  readonly name: string;
  readonly maxKernelSize: number;
  readonly maxCertificates: number;
}

/** The uncompressed kernel and what its container said about it. */
interface Unpacked {
  format: KernelImage['format'];
  compression: string;
  kernel: Uint8Array;
  /** kernel_version from a bzImage setup header. */
  headerVersion?: string;
  problems: string[];
}

function u16(b: Uint8Array, at: number): number {
  return (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
}

function u32(b: Uint8Array, at: number): number {
  return (u16(b, at) | (u16(b, at + 2) << 16)) >>> 0;
}

function has(b: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (b[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

function asciiz(b: Uint8Array, at: number, max: number): string {
  let s = '';
  for (let i = at; i < b.length && i < at + max && b[i] !== 0; i++)
    s += String.fromCharCode(b[i] ?? 0);
  return s;
}

function fail(ctx: Context, message: string): never {
  throw new KernelImageError(`${ctx.name}: ${message}`);
}

/**
 * Inflates a kernel payload. `sizeAppended`: the payload ends with the uncompressed size (u32 LE),
 * as the kernel's `*_with_size` build commands write it.
 */
async function inflate(
  ctx: Context,
  payload: Uint8Array,
  sizeAppended: boolean,
): Promise<{ kind: CompressionKind; data: Uint8Array }> {
  const kind = detectCompression(payload);
  if (kind === 'none')
    fail(
      ctx,
      'the kernel payload has no known compression magic (gzip, xz, zstd, lz4, lzma, bzip2, lzo)',
    );
  const options = { maxOutput: ctx.maxKernelSize };
  try {
    if (!sizeAppended || kind === 'gzip' || payload.length < 8) {
      return { kind, data: await decompress(kind, payload, options) };
    }
    const expectedSize = u32(payload, payload.length - 4);
    if (expectedSize > ctx.maxKernelSize) {
      fail(
        ctx,
        `the kernel payload says it inflates to ${expectedSize} bytes, more than the ${ctx.maxKernelSize}-byte limit (maxKernelSize)`,
      );
    }
    return {
      kind,
      data: await decompress(kind, payload.subarray(0, payload.length - 4), {
        ...options,
        expectedSize,
      }),
    };
  } catch (e: unknown) {
    if (e instanceof KernelImageError) throw e;
    if (e instanceof DecompressLimitError) {
      fail(
        ctx,
        `the ${kind} kernel payload inflates past the ${ctx.maxKernelSize}-byte limit (maxKernelSize); raise it if the kernel is genuine`,
      );
    }
    if (e instanceof DecompressError)
      fail(ctx, `the ${kind} kernel payload cannot be decompressed: ${e.message}`);
    throw e;
  }
}

async function unpackBzImage(ctx: Context, bytes: Uint8Array): Promise<Unpacked> {
  const protocol = u16(bytes, 0x206);
  if (protocol < 0x208)
    fail(
      ctx,
      `bzImage boot protocol ${protocol.toString(16)} predates payload_offset (2.08); too old to read`,
    );
  const setupSects = bytes[0x1f1] || 4;
  const pmStart = (setupSects + 1) * 512;
  const payloadStart = pmStart + u32(bytes, 0x248);
  const payloadLength = u32(bytes, 0x24c);
  const payloadEnd = payloadStart + payloadLength;
  if (payloadEnd > bytes.length)
    fail(
      ctx,
      `bzImage payload ends at byte ${payloadEnd} but the file has ${bytes.length}: it is truncated`,
    );
  if (payloadLength === 0) fail(ctx, 'bzImage payload_length is 0');
  const versionAt = u16(bytes, 0x20e);
  const headerVersion = versionAt ? asciiz(bytes, 0x200 + versionAt, 512) : undefined;
  const { kind, data } = await inflate(ctx, bytes.subarray(payloadStart, payloadEnd), true);
  return {
    format: 'bzImage',
    compression: kind,
    kernel: data,
    ...(headerVersion ? { headerVersion } : {}),
    problems: [],
  };
}

async function unpackZboot(ctx: Context, bytes: Uint8Array): Promise<Unpacked> {
  const offset = u32(bytes, 8);
  const size = u32(bytes, 12);
  const compType = asciiz(bytes, 24, 32);
  if (offset + size > bytes.length)
    fail(
      ctx,
      `zboot payload ends at byte ${offset + size} but the file has ${bytes.length}: it is truncated`,
    );
  if (size < 8) fail(ctx, `zboot payload size ${size} is too small`);
  const { kind, data } = await inflate(ctx, bytes.subarray(offset, offset + size), true);
  const problems: string[] = [];
  if (compType && !compType.startsWith(kind === 'lz4' ? 'lz4' : kind)) {
    problems.push(`zboot header names compression ${compType} but the payload is ${kind}`);
  }
  return { format: 'zboot', compression: kind, kernel: data, problems };
}

const isArm64Image = (b: Uint8Array) => has(b, 0x38, 'ARM\x64');
const isBzImage = (b: Uint8Array) => has(b, 0x202, 'HdrS');
const isZboot = (b: Uint8Array) => b[0] === 0x4d && b[1] === 0x5a && has(b, 4, 'zimg');

/** An ELF vmlinux; a kernel module (`.ko`, `.ko.xz`…) is refused by name. */
function elfKernel(ctx: Context, bytes: Uint8Array, compression: string): Unpacked {
  if (isKernelModuleElf(bytes)) {
    fail(
      ctx,
      `a kernel module (.ko${compression === 'none' ? '' : `, ${compression}-compressed`}), not a kernel: modinfo shows its signer; the certificates are in the kernel it loads into`,
    );
  }
  return { format: 'elf', compression, kernel: bytes, problems: [] };
}

async function unpack(ctx: Context, bytes: Uint8Array): Promise<Unpacked> {
  if (isBzImage(bytes)) return unpackBzImage(ctx, bytes);
  if (isZboot(bytes)) return unpackZboot(ctx, bytes);
  if (isArm64Image(bytes))
    return { format: 'arm64-image', compression: 'none', kernel: bytes, problems: [] };
  if (isElf(bytes)) return elfKernel(ctx, bytes, 'none');
  const kind = detectCompression(bytes);
  if (kind !== 'none') {
    // Image.gz and friends: a compressed raw image (arm64 installs it so)
    const { data } = await inflate(ctx, bytes, false);
    if (isArm64Image(data))
      return { format: 'arm64-image', compression: kind, kernel: data, problems: [] };
    if (isElf(data)) return elfKernel(ctx, data, kind);
    fail(ctx, `a ${kind} file that does not hold a kernel (no arm64 Image or ELF header inside)`);
  }
  return fail(
    ctx,
    'not a kernel image: no bzImage (HdrS), zboot (zimg), arm64 Image (ARM\\x64), ELF or UKI (PE with .linux) header',
  );
}

function archOf(format: KernelImage['format'], kernel: Uint8Array): KernelImage['arch'] {
  if (isArm64Image(kernel)) return 'arm64';
  const elf = readElfSections(kernel);
  if (elf?.machine === 62) return 'amd64';
  if (elf?.machine === 183) return 'arm64';
  return format === 'zboot' ? 'arm64' : 'unknown';
}

/**
 * True for a big-endian kernel: an ELF of data encoding ELFDATA2MSB, or an arm64 Image whose
 * header flags say so (bit 0; the header itself is little-endian, Documentation/arch/arm64/booting.rst).
 */
function isBigEndian(kernel: Uint8Array): boolean {
  if (isElf(kernel)) return kernel[5] === 2;
  return isArm64Image(kernel) && kernel.length >= 32 && (kernel[24]! & 1) === 1;
}

/** The certificates of `kernel`: an ELF's `.init.data` when it holds any, else the whole kernel. */
function certificatesOf(
  kernel: Uint8Array,
  max: number,
): FoundCertificates & { region: string; bigEndian: boolean } {
  const bigEndian = isBigEndian(kernel);
  const init = readElfSections(kernel)?.sections.find((s) => s.name === '.init.data');
  if (init) {
    const found = findCertificates(kernel, max, init.offset, init.offset + init.size, !bigEndian);
    if (found.trusted.length > 0) return { ...found, region: '.init.data', bigEndian };
  }
  return {
    ...findCertificates(kernel, max, 0, kernel.length, !bigEndian),
    region: 'whole kernel',
    bigEndian,
  };
}

async function readInner(ctx: Context, bytes: Uint8Array): Promise<KernelImage> {
  const unpacked = await unpack(ctx, bytes);
  const { kernel } = unpacked;
  const problems = [...unpacked.problems];
  const banner = findBanner(kernel);
  const headerRelease = unpacked.headerVersion
    ? releaseOfVersionString(unpacked.headerVersion)
    : undefined;
  const release = banner?.release ?? headerRelease;
  if (!banner) problems.push('no linux_banner ("Linux version …") found in the kernel');
  else if (headerRelease && headerRelease !== banner.release) {
    problems.push(
      `bzImage header says release ${headerRelease} but the kernel's banner says ${banner.release}`,
    );
  }
  const found = certificatesOf(kernel, ctx.maxCertificates);
  if (found.trusted.length === 0) {
    problems.push(
      'no X.509 certificate found in the kernel: built without CONFIG_MODULE_SIG? Modules cannot be checked against it',
    );
  }
  if (found.truncated) {
    problems.push(
      `certificate scan of the ${found.region} stopped after ${found.candidates} candidates (${found.parses} parsed): far more certificate-like data than a real kernel holds; certificates past that point were not read. Check that this file is the kernel you meant`,
    );
  }
  if (found.trusted.length > 0 && found.bigEndian) {
    problems.push(
      `a big-endian kernel: the size words that locate its trusted certificate list are not read on big-endian kernels, so every certificate found in the ${found.region} (${found.trusted.length}) is used, as if the kernel trusted them all`,
    );
  } else if (found.trusted.length > 0 && found.rule === 'not-located') {
    problems.push(
      `trusted certificate list not located (no run of certificates followed by system_certificate_list_size and module_cert_size, nor a lone one followed by its size): every certificate found in the ${found.region} (${found.trusted.length}) is used, as if the kernel trusted them all`,
    );
  }
  return {
    format: unpacked.format,
    arch: archOf(unpacked.format, kernel),
    compression: unpacked.compression,
    ...(release ? { release } : {}),
    ...(banner?.version ? { version: banner.version } : {}),
    kernelSize: kernel.length,
    certificates: found.trusted,
    revokedCertificates: found.revoked,
    otherCertificates: found.other,
    certificateList: {
      rule: found.rule,
      region: found.region,
      ...(found.listOffset !== undefined ? { offset: found.listOffset } : {}),
    },
    problems,
  };
}

async function readUki(ctx: Context, bytes: Uint8Array): Promise<KernelImage> {
  const uki = readUkiSections(bytes);
  if (!uki.linux)
    fail(ctx, `a PE file without a .linux section, so not a UKI (${uki.problems.join('; ')})`);
  const inner = await readInner({ ...ctx, name: `${ctx.name} (.linux)` }, uki.linux);
  const problems = [...uki.problems, ...inner.problems];
  if (uki.uname && inner.release && uki.uname !== inner.release) {
    problems.push(`UKI .uname says ${uki.uname} but its kernel's banner says ${inner.release}`);
  }
  const release = inner.release ?? uki.uname;
  return {
    ...inner,
    format: 'uki',
    ...(release ? { release } : {}),
    ...(uki.cmdline !== undefined ? { cmdline: uki.cmdline } : {}),
    uki: {
      sections: uki.sections,
      ...(uki.uname !== undefined ? { uname: uki.uname } : {}),
      ...(uki.osrel ? { osrel: uki.osrel } : {}),
      ...(uki.cmdline !== undefined ? { cmdline: uki.cmdline } : {}),
      ...(uki.sbat !== undefined ? { sbat: uki.sbat } : {}),
      ...(uki.initrd ? { initrdSize: uki.initrd.length } : {}),
    },
    problems,
  };
}

function contextOf(limits: KernelImageLimits | undefined): Context {
  return {
    name: limits?.name ?? 'kernel image',
    maxKernelSize: limits?.maxKernelSize ?? DEFAULT_MAX_KERNEL_SIZE,
    maxCertificates: limits?.maxCertificates ?? DEFAULT_MAX_CERTIFICATES,
  };
}

/**
 * Reads a kernel image (bzImage, zboot, arm64 Image or Image.gz, ELF vmlinux, UKI). Throws
 * {@link KernelImageError} when the bytes are not a readable kernel image; a kernel without any
 * certificate is not an error (empty `certificates` and a problem).
 */
export async function readKernelImage(
  bytes: Uint8Array,
  limits?: KernelImageLimits,
): Promise<KernelImage> {
  const ctx = contextOf(limits);
  const maxInput = limits?.maxInput ?? DEFAULT_MAX_INPUT;
  if (bytes.length > maxInput)
    fail(ctx, `${bytes.length} bytes is more than the ${maxInput}-byte limit (maxInput)`);
  if (bytes.length < 64) fail(ctx, `${bytes.length} bytes is too short for a kernel image`);
  if (isPeFile(bytes) && !isBzImage(bytes) && !isZboot(bytes) && !isArm64Image(bytes))
    return readUki(ctx, bytes);
  return readInner(ctx, bytes);
}

/** Reads a kernel image file; see {@link readKernelImage}. Messages name the path. */
export async function readKernelImageFile(
  path: string,
  limits?: KernelImageLimits,
): Promise<KernelImage> {
  const name = limits?.name ?? path;
  const maxInput = limits?.maxInput ?? DEFAULT_MAX_INPUT;
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (e: unknown) {
    throw new KernelImageError(
      `${name}: cannot read it: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (size > maxInput)
    throw new KernelImageError(
      `${name}: ${size} bytes is more than the ${maxInput}-byte limit (maxInput)`,
    );
  const bytes = await readFile(path);
  return readKernelImage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    ...limits,
    name,
  });
}
