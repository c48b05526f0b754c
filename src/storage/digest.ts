import type { Readable } from 'node:stream';
import { MediaConflictError, MediaIntegrityError, type ObjectInfo, type OpenBody, type PutOptions } from './media-store.js';
import { nativeSha256 } from './sha256.js';

// What both stores check of a body, and how they read the one they are given.

/** Refuses a body as soon as it grows past the expected size, so an oversized body is not stored in full first. */
export function checkNotLonger(key: string, bytes: number, expectedSize: number | undefined): void {
  if (expectedSize !== undefined && bytes > expectedSize) {
    throw new MediaIntegrityError(key, `body of '${key}' is longer than the expected ${expectedSize} bytes`);
  }
}

/** Size and SHA-256 of a whole body; throws when they do not match the expectations. */
export function verified(key: string, size: number, sha256: string, options: PutOptions): ObjectInfo {
  if (options.expectedSize !== undefined && size !== options.expectedSize) {
    throw new MediaIntegrityError(key, `body of '${key}' ended after ${size} of the expected ${options.expectedSize} bytes`);
  }
  if (options.expectedSha256 !== undefined && sha256 !== options.expectedSha256.toLowerCase()) {
    throw new MediaIntegrityError(key, `body of '${key}' has SHA-256 ${sha256}, expected ${options.expectedSha256}`);
  }
  return { size, sha256 };
}

/** Digests a whole stream without keeping it. */
export async function digestStream(key: string, body: Readable, expectedSize?: number): Promise<ObjectInfo> {
  const hash = nativeSha256();
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    checkNotLonger(key, size, expectedSize);
    hash.update(chunk);
  }
  return { size, sha256: hash.digest() };
}

export interface BodyOpener {
  open: OpenBody;
  /** Lets go of a plain stream that was never opened, so its source does not wait for ever. */
  release(): void;
}

/** Either kind of body as an OpenBody; a plain stream can only be read once, from byte 0. */
export function bodyOpener(body: Readable | OpenBody, options: PutOptions): BodyOpener {
  if (typeof body === 'function') return { open: body, release: () => undefined };
  if (options.resumeFrom) throw new TypeError('resuming a put needs a body that opens at an offset (an OpenBody), not a stream');
  let opened = false;
  return {
    open: async (offset) => {
      if (opened || offset !== 0) throw new TypeError(`a stream body can only be read once, from byte 0 (asked for byte ${offset})`);
      opened = true;
      return body;
    },
    release: () => {
      if (!opened) body.destroy();
    },
  };
}

/**
 * A put under a key that already holds `stored`: the same bytes are a no-op, others a conflict.
 * The body is only read when the caller's expected SHA-256 does not already answer the question.
 */
export async function compareWithStored(key: string, body: BodyOpener, stored: ObjectInfo, options: PutOptions): Promise<ObjectInfo> {
  if (options.expectedSha256 !== undefined && options.expectedSha256.toLowerCase() === stored.sha256) return stored;
  const read = await digestStream(key, await body.open(0), options.expectedSize);
  const incoming = verified(key, read.size, read.sha256, options);
  if (incoming.sha256 !== stored.sha256 || incoming.size !== stored.size) throw new MediaConflictError(key, stored.sha256, incoming.sha256);
  return stored;
}
