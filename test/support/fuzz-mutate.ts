/**
 * Deterministic mutations for the fuzz tests: a seeded PRNG and region-aware mutators (truncate,
 * flip bits, overwrite integers and bytes, cut or duplicate chunks, rewrite hex digits), so
 * every run explores the same inputs and a failure can be replayed from its index.
 */

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

/**
 * Every fuzz test's iteration count, times FUZZ_SCALE (a positive integer, default 1): a long
 * sweep runs e.g. `FUZZ_SCALE=30 FUZZ_SEED=3 npx jest packages/boot/test/fuzz.test.ts`.
 */
export function fuzzIterations(n: number): number {
  return n * positiveInteger('FUZZ_SCALE', 1);
}

/**
 * A fuzz test's seed, changed by FUZZ_SEED (a non-negative integer; 0, the default, keeps the
 * seeds CI runs), so a sweep explores other inputs; a failure names both.
 */
export function fuzzSeed(base: number): number {
  const extra = positiveInteger('FUZZ_SEED', 0);
  return extra === 0 ? base : (base ^ Math.imul(extra, 0x9e3779b1)) >>> 0;
}

function positiveInteger(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < fallback || value < 0) {
    throw new Error(`${name}=${text} is not an integer >= ${fallback}; unset it or fix it`);
  }
  return value;
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
  const at = Math.min(input.length - 1, region.start + pick(span));
  const out = Uint8Array.from(input);
  const where = `at ${at} (${region.name})`;
  switch (pick(8)) {
    case 0: {
      const length = region.start + pick(span + 1);
      return { what: `truncate to ${length} (${region.name})`, bytes: out.subarray(0, length) };
    }
    case 1: {
      const flips = 1 + pick(4);
      for (let i = 0; i < flips; i++) {
        const p = region.start + pick(span);
        if (p < out.length) out[p] = (out[p] ?? 0) ^ (1 << pick(8));
      }
      return { what: `${flips} bit flips in ${region.name}`, bytes: out };
    }
    case 2: {
      const values = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0xffffffff];
      const value = values[pick(values.length)] ?? pick(2 ** 32);
      const view = new DataView(out.buffer);
      if (at + 4 <= out.length) view.setUint32(at, value, true);
      return { what: `u32 ${value} ${where}`, bytes: out };
    }
    case 3: {
      const view = new DataView(out.buffer);
      const value = [0, 1, 2, 7, 8, 14, 15, 0x8000, 0xffff, pick(65536)][pick(10)] ?? 0;
      if (at + 2 <= out.length) view.setUint16(at, value, true);
      return { what: `u16 ${value} ${where}`, bytes: out };
    }
    case 4: {
      // ASCII numbers (tar octal, chunk sizes, JSON): a digit, a letter, or a NUL or space.
      const chars = '0123456789abcdefFgz\0 ';
      out[at] = chars.charCodeAt(pick(chars.length));
      return { what: `char ${out[at]} ${where}`, bytes: out };
    }
    case 5: {
      const length = 1 + pick(Math.min(64, span));
      const cut = new Uint8Array(out.length - Math.min(length, out.length - at));
      cut.set(out.subarray(0, at), 0);
      cut.set(out.subarray(at + length), at);
      return { what: `cut ${length} bytes ${where}`, bytes: cut };
    }
    case 6: {
      const length = 1 + pick(Math.min(256, span));
      const chunk = out.subarray(at, at + length);
      const grown = new Uint8Array(out.length + chunk.length);
      grown.set(out.subarray(0, at + chunk.length), 0);
      grown.set(chunk, at + chunk.length);
      grown.set(out.subarray(at + chunk.length), at + 2 * chunk.length);
      return { what: `duplicate ${chunk.length} bytes ${where}`, bytes: grown };
    }
    default: {
      for (let i = at; i < Math.min(out.length, at + 16); i++) out[i] = pick(256);
      return { what: `16 random bytes ${where}`, bytes: out };
    }
  }
}

/** Messages that only a missed bounds check or a bug produces, never a reader's own problem. */
export const INTERNAL_ERROR =
  /is not a function|Cannot read propert|of undefined|of null|outside the bounds|Offset is outside|Invalid typed array length|Array buffer allocation failed|Maximum call stack|is not iterable|NaN/i;
