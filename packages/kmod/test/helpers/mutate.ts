/**
 * Deterministic mutations for the fuzz tests: a seeded PRNG and region-aware mutators (truncate,
 * flip bits, overwrite integers, cut chunks) so every run explores the same inputs and a failure
 * can be replayed from its seed and index.
 */

export { fuzzIterations, fuzzSeed } from '../../../../test/support/fuzz-mutate';

/** A small seeded PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A byte range of the input that mutations target. */
export interface Region {
  name: string;
  start: number;
  end: number;
}

/** One mutation: what was done (for failure messages) and the result. */
export interface Mutation {
  what: string;
  bytes: Uint8Array;
}

/** Applies one random mutation inside a random region. */
export function mutate(
  input: Uint8Array,
  regions: readonly Region[],
  rand: () => number,
): Mutation {
  const pick = (n: number) => Math.floor(rand() * n);
  const region = regions[pick(regions.length)] ?? { name: 'all', start: 0, end: input.length };
  const span = Math.max(1, region.end - region.start);
  const at = region.start + pick(span);
  const out = Uint8Array.from(input);
  switch (pick(6)) {
    case 0: {
      const length = region.start + pick(span + 1);
      return { what: `truncate to ${length} (${region.name})`, bytes: out.subarray(0, length) };
    }
    case 1: {
      const flips = 1 + pick(4);
      for (let i = 0; i < flips; i++) {
        const p = region.start + pick(span);
        out[p] = (out[p] ?? 0) ^ (1 << pick(8));
      }
      return { what: `${flips} bit flips in ${region.name}`, bytes: out };
    }
    case 2: {
      const value = [0, 1, 0x7f, 0x80, 0xff, 0xffffffff, 0x7fffffff, pick(2 ** 32)][pick(8)] ?? 0;
      const view = new DataView(out.buffer);
      if (at + 4 <= out.length) view.setUint32(at, value, rand() < 0.5);
      return { what: `u32 ${value} at ${at} (${region.name})`, bytes: out };
    }
    case 3: {
      out[at] = [0x00, 0x30, 0x31, 0x80, 0x84, 0xa0, 0xff][pick(7)] ?? 0;
      return { what: `byte ${out[at]} at ${at} (${region.name})`, bytes: out };
    }
    case 4: {
      const length = 1 + pick(Math.min(64, span));
      const cut = new Uint8Array(out.length - Math.min(length, out.length - at));
      cut.set(out.subarray(0, at), 0);
      cut.set(out.subarray(at + length), at);
      return { what: `cut ${length} bytes at ${at} (${region.name})`, bytes: cut };
    }
    default: {
      for (let i = at; i < Math.min(out.length, at + 16); i++) out[i] = pick(256);
      return { what: `16 random bytes at ${at} (${region.name})`, bytes: out };
    }
  }
}
