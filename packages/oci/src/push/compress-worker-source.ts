/**
 * The program of a layer-compression worker thread (see compress.ts), as CommonJS source text:
 * text runs the same from the TypeScript sources under jest and from every single-file esbuild
 * bundle, with nothing to ship beside them. It uses only Node's own modules. A worker runs one
 * job at a time and then waits for the next.
 *
 * main → worker  { type: 'start', job, level, slots: SharedArrayBuffer, slotSize, slotCount,
 *                  digestAlgorithm, file?: { path, offset, size } }
 *                                     without `file`, input arrives as 'data' messages
 *                { type: 'data', job, chunk }     input, acknowledged with
 *                                                 { type: 'ack', job, bytes } once copied
 *                { type: 'end', job }             no more input
 *                { type: 'release', job, slot }   the main thread is done with an output slot
 * worker → main  { type: 'member', job, slot, length }   the next gzip member, in order
 *                { type: 'done', job, inputDigest, inputSize, digest, size }
 *                { type: 'error', job, message, code }
 *
 * Output: the input cut into 1 MiB pieces, each one gzip member (RFC 1952 §2.2): stored (deflate
 * stored blocks, RFC 1951 §3.2.4) when a 16 KiB sample from the middle of the piece looks
 * incompressible, else deflated at `level` by zlib, up to three pieces at once on the thread
 * pool; a deflated member larger than a slot (it did not shrink after all) is stored instead.
 * "Looks incompressible": the sample's byte entropy is at least 7.95 bits (random or already
 * compressed bytes; costs microseconds), or it deflates at level 1 to more than 95% of its size.
 * Every decision depends only on the bytes, so the output is the same on every run and from a
 * file or a stream. From a file, a piece is read straight into its slot in stored layout, so
 * incompressible bytes are copied once, by the kernel.
 */
export const compressWorkerSource = String.raw`
'use strict';
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const zlib = require('node:zlib');

const PIECE = 1024 * 1024;
const SAMPLE = 16 * 1024;
const IN_FLIGHT = 3;
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
const BLOCK = 0xffff;
const counts = new Uint32Array(256);

function entropy(sample) {
  counts.fill(0);
  for (let i = 0; i < sample.length; i++) counts[sample[i]]++;
  let bits = 0;
  for (let i = 0; i < 256; i++) {
    const c = counts[i];
    if (c > 0) {
      const p = c / sample.length;
      bits -= p * Math.log2(p);
    }
  }
  return bits;
}

function incompressible(sample) {
  if (sample.length === 0) return false;
  if (entropy(sample) >= 7.95) return true;
  return zlib.deflateRawSync(sample, { level: 1 }).length > sample.length * 0.95;
}

/** Where the piece's sample starts, or -1 when the piece is too small to be sampled. */
function sampleStart(length) {
  return length < 4096 ? -1 : Math.max(0, (length >> 1) - SAMPLE / 2);
}

/** Offset in a stored member of piece byte p. */
function storedOffset(p) {
  return HEADER.length + Math.floor(p / BLOCK) * 5 + 5 + p;
}

function storedLength(length) {
  return HEADER.length + Math.max(1, Math.ceil(length / BLOCK)) * 5 + length + 8;
}

function blockHeader(out, at, n, last) {
  out[at] = last ? 1 : 0;
  out.writeUInt16LE(n, at + 1);
  out.writeUInt16LE(n ^ 0xffff, at + 3);
}

function storeInto(piece, out) {
  const blocks = Math.max(1, Math.ceil(piece.length / BLOCK));
  let at = HEADER.copy(out, 0);
  for (let from = 0, i = 0; i < blocks; i++, from += BLOCK) {
    const n = Math.min(BLOCK, piece.length - from);
    blockHeader(out, at, n, i === blocks - 1);
    at += 5 + piece.copy(out, at + 5, from, from + n);
  }
  out.writeUInt32LE(zlib.crc32(piece), at);
  out.writeUInt32LE(piece.length >>> 0, at + 4);
  return at + 8;
}

/** Copies piece bytes [from, to) out of a stored member into target. */
function unstore(out, from, to, target) {
  let t = 0;
  while (from < to) {
    const blockEnd = Math.min(to, (Math.floor(from / BLOCK) + 1) * BLOCK);
    const at = storedOffset(from);
    t += out.copy(target, t, at, at + (blockEnd - from));
    from = blockEnd;
  }
  return target.subarray(0, t);
}

function gzipAsync(piece, level) {
  return new Promise((resolve, reject) =>
    zlib.gzip(piece, { level, chunkSize: piece.length + 1024 }, (e, out) => (e ? reject(e) : resolve(out))),
  );
}

function startJob(start) {
  const { job, level, slotSize, slotCount, digestAlgorithm, file } = start;
  const slotBytes = Buffer.from(start.slots);
  const inputHash = createHash(digestAlgorithm);
  const outputHash = createHash('sha256');
  let inputSize = 0;
  let outputSize = 0;
  let failed = false;

  const released = Array.from({ length: slotCount }, () => Promise.resolve());
  const release = new Array(slotCount);
  let nextSlot = 0;
  let ready = Promise.resolve();
  const sample = Buffer.allocUnsafe(SAMPLE);

  async function takeSlot() {
    const slot = nextSlot;
    nextSlot = (nextSlot + 1) % slotCount;
    await released[slot];
    released[slot] = new Promise((r) => (release[slot] = r));
    return { slot, out: slotBytes.subarray(slot * slotSize, (slot + 1) * slotSize) };
  }

  function announce(slot, out, produced) {
    ready = ready.then(async () => {
      const length = await produced;
      const member = out.subarray(0, length);
      outputHash.update(member);
      outputSize += length;
      parentPort.postMessage({ type: 'member', job, slot, length });
    });
    ready.catch(() => undefined);
  }

  // A contiguous piece (stream input): stored, or deflated; pieceDone() frees its buffer.
  async function emitPiece(piece, pieceDone) {
    const { slot, out } = await takeSlot();
    const s = sampleStart(piece.length);
    if (level === 0 || (s >= 0 && incompressible(piece.subarray(s, s + SAMPLE)))) {
      const length = storeInto(piece, out);
      pieceDone();
      announce(slot, out, Promise.resolve(length));
      return;
    }
    announce(slot, out, gzipAsync(piece, level).then((deflated) => {
      const length = deflated.length <= out.length ? deflated.copy(out, 0) : storeInto(piece, out);
      pieceDone();
      return length;
    }));
  }

  const pieces = Array.from({ length: IN_FLIGHT + 1 }, () => ({ buffer: Buffer.allocUnsafe(PIECE), free: Promise.resolve() }));
  let pieceIndex = 0;
  let current = pieces[0];
  let filled = 0;
  let any = false;

  async function nextPiece() {
    pieceIndex = (pieceIndex + 1) % pieces.length;
    current = pieces[pieceIndex];
    filled = 0;
    await current.free;
  }

  async function finishPiece(length) {
    const p = current;
    let done;
    p.free = new Promise((r) => (done = r));
    await emitPiece(p.buffer.subarray(0, length), done);
    await nextPiece();
  }

  async function consume(data) {
    inputHash.update(data);
    inputSize += data.length;
    while (data.length > 0) {
      const n = data.copy(current.buffer, filled, 0, PIECE - filled);
      filled += n;
      data = data.subarray(n);
      if (filled === PIECE) {
        any = true;
        await finishPiece(PIECE);
      }
    }
  }

  // After the last member has been announced: both digests and sizes.
  async function done() {
    await ready;
    parentPort.postMessage({
      type: 'done',
      job,
      inputDigest: digestAlgorithm + ':' + inputHash.digest('hex'),
      inputSize,
      digest: 'sha256:' + outputHash.digest('hex'),
      size: outputSize,
    });
  }

  async function finish() {
    if (filled > 0 || !any) await finishPiece(filled);
    await done();
  }

  // One piece of a file, read straight into a slot in stored layout.
  async function filePiece(fd, position, length) {
    const { slot, out } = await takeSlot();
    const blocks = Math.max(1, Math.ceil(length / BLOCK));
    let crc = 0;
    let at = HEADER.copy(out, 0);
    for (let from = 0, i = 0; i < blocks; i++, from += BLOCK) {
      const n = Math.min(BLOCK, length - from);
      blockHeader(out, at, n, i === blocks - 1);
      for (let got = 0; got < n; ) {
        const r = fs.readSync(fd, out, at + 5 + got, n - got, position + from + got);
        if (r === 0) throw Object.assign(new Error(file.path + ' ended before the layer did'), { code: 'ETRUNCATED' });
        got += r;
      }
      const data = out.subarray(at + 5, at + 5 + n);
      inputHash.update(data);
      crc = zlib.crc32(data, crc);
      at += 5 + n;
    }
    inputSize += length;
    const s = sampleStart(length);
    if (level === 0 || (s >= 0 && incompressible(unstore(out, s, s + SAMPLE, sample)))) {
      out.writeUInt32LE(crc >>> 0, at);
      out.writeUInt32LE(length >>> 0, at + 4);
      announce(slot, out, Promise.resolve(at + 8));
      return;
    }
    // compressible: deflate a contiguous copy (the slot is rewritten with the deflated member)
    await current.free;
    const p = current;
    let done;
    p.free = new Promise((r) => (done = r));
    const piece = unstore(out, 0, length, p.buffer);
    pieceIndex = (pieceIndex + 1) % pieces.length;
    current = pieces[pieceIndex];
    announce(slot, out, gzipAsync(piece, level).then((deflated) => {
      const n = deflated.length <= out.length ? deflated.copy(out, 0) : storeInto(piece, out);
      done();
      return n;
    }));
  }

  async function readFile() {
    const fd = fs.openSync(file.path, 'r');
    try {
      let position = file.offset;
      let left = file.size;
      do {
        const length = Math.min(PIECE, left);
        await filePiece(fd, position, length);
        position += length;
        left -= length;
      } while (left > 0);
    } finally {
      fs.closeSync(fd);
    }
    await done();
  }

  function fail(e) {
    if (failed) return;
    failed = true;
    parentPort.postMessage({ type: 'error', job, message: String((e && e.message) || e), code: e && e.code });
  }

  let inbox = Promise.resolve();
  const handlers = {
    release(m) {
      const r = release[m.slot];
      if (r) r();
    },
    data(m) {
      inbox = inbox.then(async () => {
        const chunk = Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength);
        await consume(chunk);
        parentPort.postMessage({ type: 'ack', job, bytes: chunk.length });
      });
      inbox.catch(fail);
    },
    end() {
      inbox = inbox.then(finish);
      inbox.catch(fail);
    },
  };
  if (file) readFile().catch(fail);
  return handlers;
}

let active;
parentPort.on('message', (m) => {
  if (m.type === 'start') {
    active = { job: m.job, handlers: startJob(m) };
  } else if (active && m.job === active.job) {
    active.handlers[m.type](m);
  }
});
`;
