/**
 * The xz branch/call/jump decoders the kernel's xz payloads need (.xz file format §5.3.3): Linux's
 * scripts/xz_wrap.sh compresses x86 kernels with `--x86` and arm64 ones with `--arm64`. Each turns
 * the absolute branch targets the encoder wrote back into the relative ones of the original code.
 * `start` is the filter's start offset property (0 unless given).
 */

const ALLOWED = [true, true, true, false, true, false, false, false];
const BIT_NUMBER = [0, 1, 2, 2, 3, 3, 3, 3];

function isMsByte(b: number): boolean {
  return b === 0 || b === 0xff;
}

/**
 * Decodes the x86 BCJ filter in place over one block's output. Only E8/E9 (CALL/JMP) bytes matter,
 * about one in 140 of a kernel: they are found with Buffer#indexOf (memchr), the rest skipped.
 */
export function decodeBcjX86(buf: Uint8Array, start = 0): void {
  if (buf.length < 5) return;
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let prevMask = 0;
  let prevPos = (start - 5) >>> 0;
  const limit = buf.length - 5;
  let nextE8 = bytes.indexOf(0xe8);
  let nextE9 = bytes.indexOf(0xe9);
  let i = 0;
  while (i <= limit) {
    if (nextE8 >= 0 && nextE8 < i) nextE8 = bytes.indexOf(0xe8, i);
    if (nextE9 >= 0 && nextE9 < i) nextE9 = bytes.indexOf(0xe9, i);
    const next = nextE8 < 0 ? nextE9 : nextE9 < 0 ? nextE8 : Math.min(nextE8, nextE9);
    if (next < 0 || next > limit) return;
    i = next;
    const pos = (start + i) >>> 0;
    const distance = (pos - prevPos) >>> 0;
    prevPos = pos;
    if (distance > 5) {
      prevMask = 0;
    } else {
      for (let k = 0; k < distance; k++) prevMask = ((prevMask & 0x77) << 1) & 0xff;
    }
    let b = buf[i + 4] ?? 0;
    if (isMsByte(b) && ALLOWED[(prevMask >>> 1) & 7] && prevMask >>> 1 < 0x10) {
      let src =
        ((b << 24) | ((buf[i + 3] ?? 0) << 16) | ((buf[i + 2] ?? 0) << 8) | (buf[i + 1] ?? 0)) >>>
        0;
      let dest: number;
      for (;;) {
        dest = (src - (pos + 5)) >>> 0;
        if (prevMask === 0) break;
        const n = BIT_NUMBER[prevMask >>> 1] ?? 0;
        b = (dest >>> (24 - n * 8)) & 0xff;
        if (!isMsByte(b)) break;
        src = (dest ^ (2 ** (32 - n * 8) - 1)) >>> 0;
      }
      buf[i + 4] = (dest >>> 24) & 1 ? 0xff : 0;
      buf[i + 3] = (dest >>> 16) & 0xff;
      buf[i + 2] = (dest >>> 8) & 0xff;
      buf[i + 1] = dest & 0xff;
      i += 5;
      prevMask = 0;
    } else {
      i++;
      prevMask |= 1;
      if (isMsByte(b)) prevMask |= 0x10;
    }
  }
}

/** Decodes the ARM64 BCJ filter (BL and ADRP instructions) in place over one block's output. */
export function decodeBcjArm64(buf: Uint8Array, start = 0): void {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let i = 0; i + 4 <= buf.length; i += 4) {
    const pc = (start + i) >>> 0;
    let instr = view.getUint32(i, true);
    if (instr >>> 26 === 0x25) {
      // BL: 26-bit word offset
      instr = (0x94000000 | ((instr - (pc >>> 2)) & 0x03ffffff)) >>> 0;
      view.setUint32(i, instr, true);
    } else if ((instr & 0x9f000000) >>> 0 === 0x90000000) {
      // ADRP: 21-bit page offset; only values within ±512 MiB were converted
      const src = ((instr >>> 29) & 3) | ((instr >>> 3) & 0x001ffffc);
      if ((src + 0x00020000) & 0x001c0000) continue;
      const dest = (src - (pc >>> 12)) >>> 0;
      instr &= 0x9000001f;
      instr |= (dest & 3) << 29;
      instr |= (dest & 0x0003fffc) << 3;
      instr |= (0 - (dest & 0x00020000)) & 0x00e00000;
      view.setUint32(i, instr >>> 0, true);
    }
  }
}
