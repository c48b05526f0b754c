import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { seedWords } from './random.js';

/**
 * Deterministic media bytes. A file's content is a pure function of (seed, file id): 64 KiB chunks,
 * each filled by xorshift128 seeded from the file key and the chunk number (counter mode), so any
 * byte range can be produced without the bytes before it and nothing is ever stored.
 */
export const CHUNK_SIZE = 64 * 1024;
const WORDS_PER_CHUNK = CHUNK_SIZE / 4;

export interface MediaKey {
  readonly words: readonly [number, number, number, number];
  /** The file's first bytes, in place of the random ones. */
  readonly header?: Buffer;
}

/**
 * Real-looking first bytes by file extension, so a client that checks what a body is (an audio
 * file's MPEG or MP4 header) finds what Zoom serves; the rest of the file stays random.
 */
const HEADERS: Readonly<Record<string, Buffer>> = {
  // An ID3v2.4 tag of no frames, then an MPEG-1 Layer III frame header (128 kbit/s, 44.1 kHz).
  MP3: Buffer.from([0x49, 0x44, 0x33, 0x04, 0, 0, 0, 0, 0, 0, 0xff, 0xfb, 0x90, 0x64]),
  M4A: Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypM4A \0\0\0\0M4A isom', 'latin1')]),
  MP4: Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom\0\0\x02\0isommp42', 'latin1')]),
};

/** The key of a file's bytes; with its extension, the file starts as such a file does. */
export function mediaKey(seed: number, fileId: string, extension?: string): MediaKey {
  const header = extension === undefined ? undefined : HEADERS[extension.toUpperCase()];
  return { words: seedWords('media', seed, fileId), ...(header ? { header } : {}) };
}

/** Fills `out` (CHUNK_SIZE bytes) with chunk `index` of the file. */
function fillChunk(key: MediaKey, index: number, out: Buffer): void {
  const [k0, k1, k2, k3] = key.words;
  let x = (k0 ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  let y = (k1 ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  let z = (k2 ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
  let w = (k3 ^ index) >>> 0 || 0x6d2b79f5;
  const words = new Uint32Array(out.buffer, out.byteOffset, WORDS_PER_CHUNK);
  // Warm up so that neighbouring chunk seeds do not produce correlated first words.
  for (let i = 0; i < 8; i++) {
    const t = x ^ (x << 11);
    x = y; y = z; z = w;
    w = (w ^ (w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
  }
  for (let i = 0; i < WORDS_PER_CHUNK; i++) {
    const t = x ^ (x << 11);
    x = y; y = z; z = w;
    w = (w ^ (w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    words[i] = w;
  }
  if (index === 0 && key.header) key.header.copy(out, 0);
}

function chunkBuffer(key: MediaKey, index: number): Buffer {
  // Uint32Array views need 4-byte alignment, which allocUnsafeSlow guarantees (its own ArrayBuffer).
  const out = Buffer.allocUnsafeSlow(CHUNK_SIZE);
  fillChunk(key, index, out);
  return out;
}

/** Bytes [start, endExclusive) of a file as a Readable that generates on demand (flat memory). */
export class MediaStream extends Readable {
  private position: number;

  constructor(
    private readonly key: MediaKey,
    start: number,
    private readonly endExclusive: number,
  ) {
    super({ highWaterMark: 4 * CHUNK_SIZE });
    this.position = start;
  }

  override _read(): void {
    while (this.position < this.endExclusive) {
      const index = Math.floor(this.position / CHUNK_SIZE);
      const chunkStart = index * CHUNK_SIZE;
      const from = this.position - chunkStart;
      const to = Math.min(CHUNK_SIZE, this.endExclusive - chunkStart);
      const chunk = chunkBuffer(this.key, index);
      this.position = chunkStart + to;
      const more = this.push(from === 0 && to === CHUNK_SIZE ? chunk : chunk.subarray(from, to));
      if (!more) return;
    }
    this.push(null);
  }
}

/** SHA-256 of the whole file, computed by generating it; yields to the event loop every 16 MiB. */
export async function mediaSha256(key: MediaKey, size: number): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafeSlow(CHUNK_SIZE);
  const chunks = Math.ceil(size / CHUNK_SIZE);
  for (let index = 0; index < chunks; index++) {
    fillChunk(key, index, buffer);
    hash.update(index === chunks - 1 ? buffer.subarray(0, size - index * CHUNK_SIZE) : buffer);
    if (index % 256 === 255) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return hash.digest('hex');
}
