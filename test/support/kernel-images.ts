/**
 * Kernel image files for tests, in the real layouts and made with the real tools:
 * - a vmlinux ELF assembled and linked by binutils (`as`, `ld`) from a reproduction of
 *   certs/system_certificates.S and certs/revocation_certificates.S holding openssl-made DER
 *   certificates, with a linux_banner (and decoy certificates) in `.rodata`, padded with
 *   code-like bytes; an arm64 Image is its `objcopy -O binary`;
 * - payloads compressed the way the kernel's build does (scripts/Makefile.lib): `gzip -n -9`,
 *   `xz --check=crc32 --x86|--arm64 --lzma2=,dict=32MiB` (scripts/xz_wrap.sh), `zstd -22 --ultra`,
 *   `lz4 -l -12 --favor-decSpeed`, each but gzip followed by the u32 LE uncompressed size;
 * - an x86 bzImage (boot protocol 2.15 setup header, Documentation/arch/x86/boot.rst), an arm64
 *   Image (64-byte header, Documentation/arch/arm64/booting.rst), an arm64 zboot `vmlinuz.efi`
 *   (drivers/firmware/efi/libstub/zboot-header.S layout), and a UKI made with `objcopy
 *   --add-section` onto Debian's systemd-boot stub (systemd-boot-efi).
 * Certificates are made with openssl like the kernel's certs/Makefile (x509.genkey).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's systemd-boot stub (package systemd-boot-efi). */
export const SYSTEMD_STUB = '/usr/lib/systemd/boot/efi/linuxx64.efi.stub';

/** A certificate made with openssl, with its key. */
export interface TestCertificate {
  readonly der: Uint8Array;
  readonly pem: string;
  readonly keyPem: string;
}

function withTemp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'kernel-image-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(tool: string, args: readonly string[], input?: Uint8Array): Uint8Array {
  const out = execFileSync(tool, args, {
    maxBuffer: 1 << 30,
    ...(input ? { input } : {}),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * A self-signed module signing certificate as certs/Makefile makes one (`openssl req -new -nodes
 * -utf8 -x509 -config x509.genkey`): default subject like Talos's throw-away key.
 */
export function makeCertificate(
  options: { commonName?: string; organization?: string; key?: 'rsa' | 'ec' } = {},
): TestCertificate {
  const cn = options.commonName ?? 'Build time throw-away kernel key';
  const org = options.organization ?? 'Sidero Labs, Inc.';
  return withTemp((dir) => {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    const newkey =
      options.key === 'ec'
        ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp384r1']
        : ['-newkey', 'rsa:2048'];
    run('openssl', [
      'req',
      '-new',
      '-nodes',
      '-utf8',
      '-x509',
      '-days',
      '36500',
      ...newkey,
      '-sha512',
      '-subj',
      `/O=${org.replace(/\//g, '\\/')}/CN=${cn}`,
      '-addext',
      'basicConstraints=critical,CA:FALSE',
      '-addext',
      'keyUsage=digitalSignature',
      '-addext',
      'subjectKeyIdentifier=hash',
      '-addext',
      'authorityKeyIdentifier=keyid',
      '-keyout',
      key,
      '-out',
      cert,
    ]);
    const der = run('openssl', ['x509', '-in', cert, '-outform', 'DER']);
    return { der, pem: readFileSync(cert, 'utf8'), keyPem: readFileSync(key, 'utf8') };
  });
}

/** A kernel's linux_banner line for `release`. */
export function linuxBanner(release: string): string {
  return `Linux version ${release} (builder@talos-kmod) (gcc (GCC) 14.2.0, GNU ld (GNU Binutils) 2.44) #1 SMP PREEMPT_DYNAMIC Thu Dec  3 06:00:00 UTC 2026\n`;
}

/** Deterministic bytes that look like x86/arm64 code (so the BCJ filters have work to do). */
export function codeLike(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const r = s >>> 24;
    out[i] = r < 24 ? 0xe8 : r < 40 ? 0 : r < 56 ? 0xff : r < 72 ? 0x94 : r;
  }
  return out;
}

/** What the kernel under test holds. */
export interface KernelContent {
  readonly release: string;
  /**
   * DER certificates, concatenated into system_certificate_list: the first is the module signing
   * key (`signing_key.x509`), the rest CONFIG_SYSTEM_TRUSTED_KEYS (none: a kernel without
   * CONFIG_MODULE_SIG).
   */
  readonly certificates: readonly Uint8Array[];
  /**
   * How many of `certificates` make up signing_key.x509 (default 1): extract-cert writes every
   * certificate of CONFIG_MODULE_SIG_KEY's PEM, so a key file with its chain gives several.
   */
  readonly signingKeyCertificates?: number;
  /** DER certificates of revocation_certificate_list (CONFIG_SYSTEM_REVOCATION_KEYS). */
  readonly revoked?: readonly Uint8Array[];
  /** DER certificates compiled in elsewhere (`.rodata`), as cfg80211's regulatory keys are. */
  readonly decoys?: readonly Uint8Array[];
  /**
   * certs/system_certificates.S as of: `v5.13` (default: module_cert_size after the list size),
   * `v5.4` (only system_certificate_list_size), or `bare` (the certificates between zeros, no
   * size word: a layout the reader does not know).
   */
  readonly layout?: 'v5.13' | 'v5.4' | 'bare';
  /** CONFIG_SYSTEM_EXTRA_CERTIFICATE_SIZE: reserve the area insert-sys-cert fills. */
  readonly extraCertificateSize?: number;
  /** A certificate put into the reserved area as scripts/insert-sys-cert.c does. */
  readonly extraCertificate?: Uint8Array;
  /** `.quad` (64-bit, default) or `.long` (32-bit) size words. */
  readonly wordSize?: 4 | 8;
  /** Bytes of code-like padding (default 256 KiB). */
  readonly padding?: number;
}

/**
 * certs/system_certificates.S and certs/revocation_certificates.S for `content`, with `.align N`
 * written as `.balign` of the bytes the target's GNU as means (`arm`: 2^N, as on arm64).
 */
function certificateAssembly(content: KernelContent, dir: string, target: 'x86' | 'arm'): string {
  const align = (n: number) => `\t.balign ${target === 'arm' ? 1 << n : n}`;
  const word = content.wordSize === 4 ? '.long' : '.quad';
  const file = (name: string, data: Uint8Array) => {
    writeFileSync(join(dir, name), data);
    return `\t.incbin "${join(dir, name)}"`;
  };
  const lines = ['\t.section ".init.data","aw"', file('initdata.bin', codeLike(1000, 5))];
  const split = content.signingKeyCertificates ?? 1;
  const signingKey = content.certificates.slice(0, split);
  const trusted = content.certificates.slice(split);
  if (signingKey.length > 0) {
    const layout = content.layout ?? 'v5.13';
    const extra = content.extraCertificateSize;
    const inserted = content.extraCertificate;
    lines.push(
      '\t.section ".init.rodata","a"',
      align(8),
      'system_certificate_list:',
      '__cert_list_start:',
      '__module_cert_start:',
      file('signing_key.x509', Buffer.concat(signingKey)),
      '__module_cert_end:',
      file('x509_certificate_list', Buffer.concat(trusted)),
      '__cert_list_end:',
    );
    if (layout === 'bare') {
      lines.push('\t.fill 64, 1, 0');
    } else {
      if (extra !== undefined) {
        lines.push(
          'system_extra_cert:',
          inserted
            ? `${file('extra.x509', inserted)}\n\t.fill ${extra - inserted.length}, 1, 0`
            : `\t.fill ${extra}, 1, 0`,
          align(4),
          'system_extra_cert_used:',
          // insert-sys-cert stores the inserted certificate's length here (`*used = cert_size`)
          `\t.int ${inserted ? inserted.length : 0}`,
        );
      }
      // insert-sys-cert adds the inserted certificate's length to system_certificate_list_size
      const size = `__cert_list_end - __cert_list_start${inserted ? ` + ${inserted.length}` : ''}`;
      lines.push(align(8), 'system_certificate_list_size:', `\t${word} ${size}`);
      if (layout === 'v5.13') {
        lines.push(
          align(8),
          'module_cert_size:',
          `\t${word} __module_cert_end - __module_cert_start`,
        );
      }
    }
  }
  if (content.revoked?.length) {
    lines.push(
      '\t.section ".init.rodata","a"',
      align(8),
      'revocation_certificate_list:',
      '__revocation_list_start:',
      file('x509_revocation_list', Buffer.concat(content.revoked)),
      '__revocation_list_end:',
      align(8),
      'revocation_certificate_list_size:',
      `\t${word} __revocation_list_end - __revocation_list_start`,
    );
  }
  lines.push(
    '\t.section ".rodata","a"',
    file('banner.bin', Buffer.concat([Buffer.from(linuxBanner(content.release)), Buffer.alloc(1)])),
  );
  content.decoys?.forEach((d, i) => lines.push(align(8), file(`decoy${i}.x509`, d)));
  return `${lines.join('\n')}\n`;
}

/**
 * Assembles and links a kernel with GNU as and ld: `.head.text` (when `head` is given), `.text`
 * (code-like bytes), `.rodata` (banner, decoys), and `.init.data` holding the kernel's own init
 * data and both certificate lists, as include/asm-generic/vmlinux.lds.h's INIT_DATA collects
 * `.init.data` and `.init.rodata` input sections into the vmlinux's `.init.data`.
 */
function linkKernel(
  content: KernelContent,
  dir: string,
  target: 'x86' | 'arm',
  head?: Uint8Array,
): string {
  writeFileSync(
    join(dir, 'text.bin'),
    codeLike(content.padding ?? 256 * 1024, target === 'arm' ? 7 : 1),
  );
  const source = [
    ...(head ? ['\t.section ".head.text","ax"', `\t.incbin "${join(dir, 'head.bin')}"`] : []),
    '\t.text',
    '\t.globl _start',
    '_start:',
    `\t.incbin "${join(dir, 'text.bin')}"`,
    certificateAssembly(content, dir, target),
  ].join('\n');
  if (head) writeFileSync(join(dir, 'head.bin'), head);
  writeFileSync(join(dir, 'kernel.S'), source);
  writeFileSync(
    join(dir, 'kernel.lds'),
    `SECTIONS {
  . = ${target === 'arm' ? '0xffff800080000000' : '0xffffffff81000000'};
  .head.text : { *(.head.text) }
  .text : { *(.text) }
  . = ALIGN(4096);
  .rodata : { *(.rodata) }
  . = ALIGN(4096);
  .init.data : { *(.init.data) *(.init.rodata) }
}
`,
  );
  run('as', ['--64', '-o', join(dir, 'kernel.o'), join(dir, 'kernel.S')]);
  const out = join(dir, 'vmlinux');
  run('ld', ['-m', 'elf_x86_64', '-T', join(dir, 'kernel.lds'), '-o', out, join(dir, 'kernel.o')]);
  return out;
}

/**
 * An x86-64 vmlinux ELF linked by ld from certs/system_certificates.S and
 * certs/revocation_certificates.S as the kernel writes them (see {@link KernelContent}).
 */
export function makeVmlinux(content: KernelContent): Uint8Array {
  return withTemp((dir) => readFileSync(linkKernel(content, dir, 'x86')));
}

/**
 * A raw arm64 `Image` (`objcopy -O binary` of the linked kernel, as arch/arm64/boot/Makefile
 * makes it): the 64-byte boot header (`ARM\x64` at 0x38) is the image's first bytes, then code,
 * banner and the certificate lists with `.align` as arm64's GNU as means it (2^N bytes).
 */
export function makeArm64Image(content: KernelContent): Uint8Array {
  return withTemp((dir) => {
    const header = Buffer.alloc(64);
    header.write('MZ', 0, 'latin1'); // EFI stub: code0 is "MZ" + a branch
    header.writeBigUInt64LE(0n, 8); // text_offset
    header.writeBigUInt64LE(0xan, 24); // flags: little-endian, 4K pages
    header.write('ARM\x64', 0x38, 'latin1');
    const elf = linkKernel(content, dir, 'arm', header);
    const raw = join(dir, 'Image');
    run('objcopy', ['-O', 'binary', elf, raw]);
    const image = readFileSync(raw);
    image.writeBigUInt64LE(BigInt(image.length), 16); // image_size
    return image;
  });
}

/** Compressions the kernel build offers that the real tools here can make. */
export type KernelCompression = 'gzip' | 'xz' | 'zstd' | 'lz4';

const compressed = new Map<string, Uint8Array>();

/**
 * Compresses a kernel as scripts/Makefile.lib does (size appended except for gzip). Results are
 * kept per process: `zstd -22 --ultra` takes seconds even on small inputs.
 */
export function compressKernel(
  data: Uint8Array,
  kind: KernelCompression,
  arch: 'amd64' | 'arm64' = 'amd64',
): Uint8Array {
  const key = `${kind}/${arch}/${createHash('sha256').update(data).digest('hex')}`;
  const hit = compressed.get(key);
  if (hit) return hit;
  const out = compressUncached(data, kind, arch);
  compressed.set(key, out);
  return out;
}

function compressUncached(
  data: Uint8Array,
  kind: KernelCompression,
  arch: 'amd64' | 'arm64' = 'amd64',
): Uint8Array {
  const size = Buffer.alloc(4);
  size.writeUInt32LE(data.length);
  switch (kind) {
    case 'gzip':
      return run('gzip', ['-n', '-9', '-c'], data);
    case 'xz':
      return Buffer.concat([
        run(
          'xz',
          ['--check=crc32', arch === 'arm64' ? '--arm64' : '--x86', '--lzma2=,dict=32MiB', '-c'],
          data,
        ),
        size,
      ]);
    case 'zstd':
      return Buffer.concat([run('zstd', ['-22', '--ultra', '-c', '-q'], data), size]);
    case 'lz4':
      return Buffer.concat([run('lz4', ['-l', '-12', '--favor-decSpeed', '-c', '-q'], data), size]);
  }
}

/**
 * An x86 bzImage: MZ, setup header `HdrS` (protocol 2.15) with setup_sects 4, kernel_version
 * pointing at `<release> (builder) #1 …`, and the compressed vmlinux as payload after a stand-in
 * for the decompressor.
 */
export function makeBzImageFromPayload(payload: Uint8Array, release: string): Uint8Array {
  const setupSects = 4;
  const setup = Buffer.alloc((setupSects + 1) * 512);
  setup.write('MZ', 0, 'latin1');
  setup[0x1f1] = setupSects;
  setup.writeUInt16LE(0xaa55, 0x1fe);
  setup.write('HdrS', 0x202, 'latin1');
  setup.writeUInt16LE(0x020f, 0x206); // boot protocol 2.15
  const versionString = `${release} (builder@talos-kmod) #1 SMP PREEMPT_DYNAMIC Thu Dec  3 06:00:00 UTC 2026`;
  setup.write(versionString + '\0', 0x400, 'latin1');
  setup.writeUInt16LE(0x400 - 0x200, 0x20e); // kernel_version
  setup[0x211] = 0x01; // loadflags: LOADED_HIGH
  const decompressorStub = Buffer.from(codeLike(4096, 3));
  setup.writeUInt32LE(decompressorStub.length, 0x248); // payload_offset (from the protected-mode code)
  setup.writeUInt32LE(payload.length, 0x24c); // payload_length
  const image = Buffer.concat([setup, decompressorStub, payload, Buffer.alloc(64)]);
  return image;
}

/** An x86 bzImage holding `content`, compressed with `kind` (default zstd, as Talos builds). */
export function makeBzImage(content: KernelContent, kind: KernelCompression = 'zstd'): Uint8Array {
  return makeBzImageFromPayload(
    compressKernel(makeVmlinux(content), kind, 'amd64'),
    content.release,
  );
}

/** An arm64 zboot `vmlinuz.efi` holding a raw Image with `content` (compression name as Talos: zstd22). */
export function makeZboot(content: KernelContent, kind: KernelCompression = 'zstd'): Uint8Array {
  const image = makeArm64Image(content);
  // zboot pads the image to its in-memory size, then appends the size even for gzip
  const compressed =
    kind === 'gzip' ? run('gzip', ['-n', '-9', '-c'], image) : compressKernel(image, kind, 'arm64');
  const header = Buffer.alloc(0x200);
  header.write('MZ', 0, 'latin1');
  header.write('zimg', 4, 'latin1');
  header.writeUInt32LE(0x200, 8); // payload offset
  header.writeUInt32LE(compressed.length, 12); // payload size
  header.write(kind === 'zstd' ? 'zstd22' : kind, 24, 'latin1');
  header.writeUInt32LE(0x40, 0x3c); // e_lfanew: a PE header would follow in a real stub
  return Buffer.concat([header, compressed, Buffer.alloc(512)]);
}

/** Sections to add to the systemd-boot stub. */
export interface UkiContent {
  readonly linux: Uint8Array;
  readonly cmdline?: string;
  readonly uname?: string;
  readonly osrel?: string;
  readonly initrd?: Uint8Array;
}

/**
 * A UKI made the way systemd documents the manual recipe: `objcopy --add-section .<name>=<file>
 * --change-section-vma .<name>=<addr>` onto the stub, each section above the stub's own.
 */
export function makeUki(content: UkiContent): Uint8Array {
  return withTemp((dir) => {
    const args: string[] = [];
    let vma = 0x100000;
    const add = (name: string, data: Uint8Array | string | undefined) => {
      if (data === undefined) return;
      const file = join(dir, name.slice(1));
      writeFileSync(file, data);
      args.push(
        '--add-section',
        `${name}=${file}`,
        '--change-section-vma',
        `${name}=0x${vma.toString(16)}`,
      );
      const length = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
      vma += Math.ceil((length + 1) / 0x10000) * 0x10000;
    };
    add('.osrel', content.osrel);
    add('.cmdline', content.cmdline);
    add('.uname', content.uname);
    add('.initrd', content.initrd);
    add('.linux', content.linux);
    const out = join(dir, 'uki.efi');
    run('objcopy', [...args, SYSTEMD_STUB, out]);
    return readFileSync(out);
  });
}
