/**
 * Runs the real compressors the kernel's build uses (gzip, xz, zstd, lz4) on test data, so codec
 * and kernel-image tests decode what those tools really write.
 */
import { execFileSync } from 'node:child_process';
import { prng } from '../../../../test/support/fuzz-mutate';

/** `tool args…` with `input` on stdin; its stdout. */
export function runTool(tool: string, args: readonly string[], input: Uint8Array): Uint8Array {
  const out = execFileSync(tool, args, { input, maxBuffer: 1 << 30 });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Bytes that look like machine code to the BCJ filters: x86 CALL/JMP (E8/E9 followed by a 32-bit
 * offset whose top byte is 00 or FF) and arm64 BL/ADRP words, mixed with text and noise.
 */
export function codeLikeBytes(size: number, seed = 1): Uint8Array {
  const rand = prng(seed);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  for (let i = 0; i + 8 <= size; i += 4) {
    const r = rand();
    if (r < 0.2) {
      out[i] = rand() < 0.5 ? 0xe8 : 0xe9;
      view.setUint32(i + 1, (Math.floor(rand() * 0x20000) - 0x10000) >>> 0, true);
    } else if (r < 0.4) {
      view.setUint32(i, (0x94000000 | Math.floor(rand() * 0x03ffffff)) >>> 0, true); // BL
    } else if (r < 0.55) {
      const imm = Math.floor(rand() * 0x40000) - 0x20000;
      const word = 0x90000000 | ((imm & 3) << 29) | (((imm >> 2) & 0x7ffff) << 5) | (rand() * 31);
      view.setUint32(i, word >>> 0, true); // ADRP
    } else if (r < 0.8) {
      out.set(Buffer.from('Linux version 6.1.0 '.slice(0, 4)), i);
    } else {
      view.setUint32(i, Math.floor(rand() * 0x100000000) >>> 0, true);
    }
  }
  return out;
}
