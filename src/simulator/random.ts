import { createHash } from 'node:crypto';

/**
 * Seeded randomness. Everything the simulator generates is a pure function of the seed and a
 * label, so two runs with the same seed produce the same tenant, ids and bytes.
 */
export interface Rng {
  next(): number; // [0, 1)
  int(min: number, max: number): number; // inclusive
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  bytes(n: number): Buffer;
}

export function seedWords(...labels: (string | number)[]): [number, number, number, number] {
  const digest = createHash('sha256').update(labels.join('\u0000')).digest();
  return [digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12)];
}

/** sfc32: small, fast and good enough for test data. */
export function createRng(...labels: (string | number)[]): Rng {
  let [a, b, c, d] = seedWords(...labels);
  const nextU32 = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  const next = (): number => nextU32() / 4294967296;
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    bytes(n) {
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i += 4) {
        const word = nextU32();
        for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (word >>> (8 * j)) & 0xff;
      }
      return out;
    },
  };
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Zoom user and account ids look like `_0ctZtY0REqWalTmwvrdIw`: 22 base64url characters. */
export function zoomId(rng: Rng): string {
  let out = '';
  for (let i = 0; i < 22; i++) out += BASE64URL[rng.int(0, 63)];
  return out;
}

/** Meeting instance UUIDs are base64 of 16 bytes, e.g. `4444AAAiAAAAAiAiAiiAii==`, so they hold `+`, `/`, `=`. */
export function meetingUuid(rng: Rng): string {
  return rng.bytes(16).toString('base64');
}

export function uuidV4(rng: Rng): string {
  const b = rng.bytes(16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function hex(rng: Rng, length: number): string {
  return rng.bytes(Math.ceil(length / 2)).toString('hex').slice(0, length);
}

export function digits(rng: Rng, length: number): string {
  let out = String(rng.int(1, 9));
  while (out.length < length) out += String(rng.int(0, 9));
  return out;
}
