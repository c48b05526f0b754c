import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable, type Readable } from 'node:stream';
import { MediaConflictError, MediaIntegrityError, type ObjectInfo, type PutOptions } from './media-store.js';

/**
 * Passes bytes through while counting them and computing their SHA-256. Fails the stream as soon
 * as it grows past the expected size, so an oversized body is not stored in full first.
 */
export class DigestingStream extends Transform {
  // Not `size`: lib-storage reads a body's `size` as its total length.
  bytesSeen = 0;
  private readonly hash: Hash = createHash('sha256');

  constructor(private readonly key: string, private readonly expectedSize?: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytesSeen += chunk.length;
    if (this.expectedSize !== undefined && this.bytesSeen > this.expectedSize) {
      callback(new MediaIntegrityError(this.key, `body of '${this.key}' is longer than the expected ${this.expectedSize} bytes`));
      return;
    }
    this.hash.update(chunk);
    callback(null, chunk);
  }

  /** Size and SHA-256 once the body has ended; throws when it does not match the expectations. */
  verified(options: PutOptions): ObjectInfo {
    const sha256 = this.hash.digest('hex');
    if (options.expectedSize !== undefined && this.bytesSeen !== options.expectedSize) {
      throw new MediaIntegrityError(this.key, `body of '${this.key}' ended after ${this.bytesSeen} of the expected ${options.expectedSize} bytes`);
    }
    if (options.expectedSha256 !== undefined && sha256 !== options.expectedSha256.toLowerCase()) {
      throw new MediaIntegrityError(this.key, `body of '${this.key}' has SHA-256 ${sha256}, expected ${options.expectedSha256}`);
    }
    return { size: this.bytesSeen, sha256 };
  }
}

/** Digests a whole stream without keeping it. */
export async function digestStream(key: string, body: Readable, expectedSize?: number): Promise<DigestingStream> {
  const digest = new DigestingStream(key, expectedSize);
  await pipeline(body, digest, new Writable({ write: (_chunk, _encoding, done) => done() }));
  return digest;
}

/**
 * A put under a key that already holds `stored`: the same bytes are a no-op, others a conflict.
 * The body is only read when the caller's expected SHA-256 does not already answer the question.
 */
export async function compareWithStored(key: string, body: Readable, stored: ObjectInfo, options: PutOptions): Promise<ObjectInfo> {
  if (options.expectedSha256 !== undefined && options.expectedSha256.toLowerCase() === stored.sha256) {
    body.destroy();
    return stored;
  }
  const incoming = (await digestStream(key, body, options.expectedSize)).verified(options);
  if (incoming.sha256 !== stored.sha256 || incoming.size !== stored.size) throw new MediaConflictError(key, stored.sha256, incoming.sha256);
  return stored;
}
