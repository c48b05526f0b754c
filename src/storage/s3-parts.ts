import type { Readable } from 'node:stream';
import { ListPartsCommand, UploadPartCommand, type PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { checkNotLonger } from './digest.js';

// The pieces of a multipart upload on S3: the body cut into parts, parts uploaded a few at a time,
// and which prefix of them is durable (parts finish out of order; a checkpoint only ever names
// parts 1..n all done).

/**
 * Part-sized buffers, reused: a put holds at most `count` parts however large its body, and the
 * garbage collector has no 16 MiB buffers to chase. Created on demand, so a small body touches one.
 */
export class PartBuffers {
  private readonly free: Buffer[] = [];
  private readonly waiting: Array<(buffer: Buffer) => void> = [];
  private created = 0;

  constructor(readonly partSize: number, private readonly count: number) {}

  async take(): Promise<Buffer> {
    const free = this.free.pop();
    if (free) return free;
    if (this.created < this.count) {
      this.created += 1;
      return Buffer.allocUnsafeSlow(this.partSize);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Gives back a part (or a view of one) once nothing reads it any more. */
  give(part: Buffer): void {
    // Each buffer owns its memory (allocUnsafeSlow): a view of it leads back to the whole.
    const whole = Buffer.from(part.buffer, 0, this.partSize);
    const next = this.waiting.shift();
    if (next) next(whole);
    else this.free.push(whole);
  }
}

/**
 * The body copied into parts of exactly `partSize` bytes (the last one shorter; none for an empty
 * body), refused as soon as it runs past `expectedSize`. `from`: the byte the body starts at.
 */
export async function* partsOf(key: string, body: Readable, buffers: PartBuffers, from: number, expectedSize: number | undefined): AsyncGenerator<Buffer> {
  let part: Buffer | undefined;
  let filled = 0;
  let total = from;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.length;
    checkNotLonger(key, total, expectedSize);
    for (let offset = 0; offset < chunk.length;) {
      part ??= await buffers.take();
      const copied = chunk.copy(part, filled, offset);
      filled += copied;
      offset += copied;
      if (filled === part.length) {
        yield part;
        part = undefined;
        filled = 0;
      }
    }
  }
  if (part) yield part.subarray(0, filled);
}

/**
 * The SDK signs a SHA-256 of each body sent over plain HTTP: one more full pass over the bytes on
 * each side. The CRC32 checksum it also sends guards the transfer, as `curl -T` does with UNSIGNED-PAYLOAD.
 */
export function unsignedPayload<C extends UploadPartCommand | PutObjectCommand>(command: C): C {
  (command as UploadPartCommand).middlewareStack.add((next) => async (args) => {
    const request = args.request as { headers?: Record<string, string> };
    if (request.headers) request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    return next(args);
  }, { step: 'build', name: 'unsignedPayload' });
  return command;
}

/**
 * ETags of parts 1..`count` of an upload when each is there with `partSize` bytes; undefined when
 * the upload is gone (completed, aborted or expired) or lacks one of them.
 */
export async function listDurableParts(client: S3Client, bucket: string, key: string, uploadId: string, count: number, partSize: number): Promise<string[] | undefined> {
  const etags: string[] = [];
  let marker: string | undefined;
  try {
    do {
      const page = await client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, ...(marker ? { PartNumberMarker: marker } : {}) }));
      for (const part of page.Parts ?? []) {
        if (part.PartNumber !== undefined && part.PartNumber <= count && part.Size === partSize && part.ETag) etags[part.PartNumber - 1] = part.ETag;
      }
      marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
    } while (marker !== undefined);
  } catch (err) {
    if ((err as Error).name === 'NoSuchUpload') return undefined;
    throw err;
  }
  for (let i = 0; i < count; i++) if (etags[i] === undefined) return undefined;
  return etags;
}

export interface PartUploaderOptions {
  client: S3Client;
  bucket: string;
  key: string;
  uploadId: string;
  /** Parts uploaded at once. */
  queueSize: number;
  /** Where each part's buffer goes back once it is sent. */
  buffers: PartBuffers;
  /** ETags of the parts already durable (1..n), from a resumed upload. */
  done: string[];
  /** Called when parts 1..n are all done, with what `add` was told about part n. */
  onDurable?: (bytes: number, sha256State: string) => void;
}

/** Uploads parts `queueSize` at a time; `add` waits while the queue is full, so memory stays bounded. */
export class PartUploader {
  private readonly etags: string[];
  private readonly inFlight = new Set<Promise<void>>();
  /** Checkpoint data per part number, until the parts before it are done too. */
  private readonly pendingCheckpoints = new Map<number, { bytes: number; sha256State: string }>();
  private durableParts: number;
  private failure: { error: unknown } | undefined;

  constructor(private readonly options: PartUploaderOptions) {
    this.etags = [...options.done];
    this.durableParts = options.done.length;
  }

  /** Parts 1..n all durable (resumed ones included). */
  get durable(): number {
    return this.durableParts;
  }

  /** Queues the next part; `checkpoint` describes the body up to its end (a full part only). */
  async add(body: Buffer, checkpoint?: { bytes: number; sha256State: string }): Promise<void> {
    while (this.inFlight.size >= this.options.queueSize) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure.error;
    const partNumber = this.etags.length + 1;
    this.etags.push('');
    if (checkpoint) this.pendingCheckpoints.set(partNumber, checkpoint);
    const { client, bucket, key, uploadId } = this.options;
    const sending = client.send(unsignedPayload(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length })))
      .then((answer) => {
        this.etags[partNumber - 1] = answer.ETag!;
        this.advance();
      }, (error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.options.buffers.give(body));
    const tracked: Promise<void> = sending.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** Waits for every part; the list CompleteMultipartUpload takes. */
  async finish(): Promise<{ PartNumber: number; ETag: string }[]> {
    await this.settle();
    if (this.failure) throw this.failure.error;
    return this.etags.map((ETag, i) => ({ PartNumber: i + 1, ETag }));
  }

  /** Waits until no part is in flight (before an abort, or to give up). */
  async settle(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  private advance(): void {
    let latest: { bytes: number; sha256State: string } | undefined;
    while (this.durableParts < this.etags.length && this.etags[this.durableParts] !== '') {
      this.durableParts += 1;
      latest = this.pendingCheckpoints.get(this.durableParts) ?? latest;
      this.pendingCheckpoints.delete(this.durableParts);
    }
    if (latest) this.options.onDurable?.(latest.bytes, latest.sha256State);
  }
}
