import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { bodyOpener, compareWithStored, digestStream, verified, type BodyOpener } from './digest.js';
import { assertValidKey } from './keys.js';
import {
  MediaConflictError,
  MediaIntegrityError,
  MediaNotFoundError,
  MediaStoreError,
  MediaStoreUnavailableError,
  type MediaStore,
  type ObjectInfo,
  type OpenBody,
  type PutCheckpoint,
  type PutOptions,
  type StoredObject,
} from './media-store.js';
import { listDurableParts, PartBuffers, PartUploader, partsOf, unsignedPayload } from './s3-parts.js';
import { nativeSha256, resumableSha256, type ResumableSha256, type Sha256 } from './sha256.js';

// S3 as media store, written straight to the final key. A body of at most one part is held in
// memory, hashed, and sent in one PutObject with its `sha256` user metadata. A longer one is a
// multipart upload on the final key, parts sent `queueSize` at a time: it stays invisible until
// CompleteMultipartUpload, which is only sent once size and SHA-256 are verified (the upload is
// aborted otherwise), and the SHA-256 is then recorded as the object's `sha256` tag (S3 takes user
// metadata only when an upload starts). Both writes carry If-None-Match: *, so a key written
// meanwhile by someone else is never replaced. A put that asks for checkpoints keeps its upload
// when it fails; a bucket lifecycle rule (AbortIncompleteMultipartUpload) cleans up the uploads
// nobody resumes.

export interface S3Connection {
  endpoint?: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle?: boolean;
}

export interface S3MediaStoreOptions {
  bucket: string;
  client: S3Client;
  /** Bytes per uploaded part (more for a body that would need over 10,000); at least 5 MiB, a multiple of 64. */
  partSize?: number;
  /** Parts in flight at once: memory holds about partSize x (queueSize + 2). */
  queueSize?: number;
}

const MiB = 1024 * 1024;
/** S3's limits on a multipart upload. */
const MIN_PART_BYTES = 5 * MiB;
const MAX_PARTS = 10_000;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A multipart upload under way: fresh (no parts yet) or resumed from a checkpoint. */
interface Upload {
  uploadId: string;
  partSize: number;
  /** ETags of parts 1..n already durable. */
  done: string[];
  /** Bytes those parts hold, and the hash after them. */
  bytes: number;
  hash: Sha256 | ResumableSha256;
}

/** An S3 client for an endpoint; credentials from the default provider chain when not given. */
export function createS3Client(location: S3Connection): S3Client {
  return new S3Client({
    region: location.region,
    ...(location.endpoint ? { endpoint: location.endpoint } : {}),
    forcePathStyle: location.forcePathStyle ?? false,
    ...(location.accessKeyId && location.secretAccessKey
      ? { credentials: { accessKeyId: location.accessKeyId, secretAccessKey: location.secretAccessKey } }
      : {}),
  });
}

const statusOf = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/** If-None-Match: * refused: the key was written meanwhile (412), or is being written (409). */
const lostTheKey = (err: unknown) => statusOf(err) === 412 || statusOf(err) === 409;

export class S3MediaStore implements MediaStore {
  private readonly bucket: string;
  private readonly client: S3Client;
  private readonly partSize: number;
  private readonly queueSize: number;

  constructor(options: S3MediaStoreOptions) {
    this.bucket = options.bucket;
    this.client = options.client;
    this.partSize = Math.max(options.partSize ?? 16 * MiB, MIN_PART_BYTES);
    if (this.partSize % 64 !== 0) throw new RangeError(`partSize must be a multiple of 64 (SHA-256's block), got ${this.partSize}`);
    this.queueSize = options.queueSize ?? 4;
  }

  get location(): string {
    return `s3://${this.bucket}`;
  }

  async checkWritable(options: { create?: boolean } = {}): Promise<void> {
    const where = `bucket '${this.bucket}' at ${await this.endpointName()}`;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (err) {
      const status = statusOf(err);
      if (status === 403) throw new MediaStoreUnavailableError(`S3 refused the credentials for ${where} (403): check S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY and the bucket's policy`, { cause: err });
      if (status === 301) throw new MediaStoreUnavailableError(`S3 ${where} is in another region than S3_REGION (301)`, { cause: err });
      if (status !== 404) throw new MediaStoreUnavailableError(`S3 ${where} cannot be reached: ${(err as Error).name}: ${(err as Error).message}`, { cause: err });
      if (!options.create) throw new MediaStoreUnavailableError(`S3 ${where} does not exist: create it, or set S3_CREATE_BUCKET=true to have it created at start`, { cause: err });
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      // Another worker starting at the same time may have created it first.
      const name = (err as Error).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') {
        throw new MediaStoreUnavailableError(`could not create S3 ${where}: ${name}: ${(err as Error).message}`, { cause: err });
      }
    }
  }

  private async endpointName(): Promise<string> {
    const endpoint = await this.client.config.endpoint?.();
    return endpoint ? `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}` : `AWS S3 (${await this.client.config.region()})`;
  }

  async put(key: string, body: Readable | OpenBody, options: PutOptions = {}): Promise<StoredObject> {
    assertValidKey(key);
    const opener = bodyOpener(body, options);
    try {
      const stored = await this.head(key);
      if (stored) {
        if (options.resumeFrom) await this.abortQuietly(options.resumeFrom);
        return { key, ...(await compareWithStored(key, opener, stored, options)), alreadyStored: true };
      }
      const resumed = await this.resume(key, options);
      if (resumed) {
        // A checkpoint at the body's very end: there is nothing left to ask the source for.
        const source = resumed.bytes === options.expectedSize ? Readable.from([]) : await opener.open(resumed.bytes);
        const buffers = this.buffersFor(resumed.partSize);
        return await this.putParts(key, partsOf(key, source, buffers, resumed.bytes, options.expectedSize), buffers, options, resumed);
      }
      return await this.putFresh(key, opener, options);
    } finally {
      opener.release();
    }
  }

  /** One PutObject when the body fits in a part, else a multipart upload. */
  private async putFresh(key: string, opener: BodyOpener, options: PutOptions): Promise<StoredObject> {
    const hash = options.onCheckpoint ? await resumableSha256() : nativeSha256();
    const partSize = this.partSizeFor(options.expectedSize);
    const buffers = this.buffersFor(partSize);
    const parts = partsOf(key, await opener.open(0), buffers, 0, options.expectedSize);
    try {
      const first = await parts.next();
      const second = first.done ? first : await parts.next();
      if (second.done) return await this.putSingle(key, first.value ?? Buffer.alloc(0), hash, options);
      const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({
        Bucket: this.bucket,
        Key: key,
        ...(options.metadata ? { Metadata: options.metadata } : {}),
        ...(options.contentType ? { ContentType: options.contentType } : {}),
      }));
      const upload: Upload = { uploadId: UploadId!, partSize, done: [], bytes: 0, hash };
      return await this.putParts(key, prepend([first.value!, second.value], parts), buffers, options, upload);
    } finally {
      // Stops the body if it was not read to its end (an S3 error before the parts took it over).
      await parts.return(undefined);
    }
  }

  private async putSingle(key: string, body: Buffer, hash: Sha256, options: PutOptions): Promise<StoredObject> {
    hash.update(body);
    const info = verified(key, body.length, hash.digest(), options);
    try {
      await this.client.send(unsignedPayload(new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        IfNoneMatch: '*',
        Metadata: { ...options.metadata, sha256: info.sha256 },
        ...(options.contentType ? { ContentType: options.contentType } : {}),
      })));
    } catch (err) {
      if (lostTheKey(err)) return this.afterLostKey(key, info);
      throw this.failed(key, err);
    }
    return { key, ...info, alreadyStored: false };
  }

  /**
   * Uploads the remaining parts, verifies the whole body, then completes the upload and tags the
   * object. On failure the upload is aborted, unless it holds checkpointed parts and the body was
   * not proved wrong: then it stays for the put that resumes it.
   */
  private async putParts(key: string, parts: AsyncIterable<Buffer>, buffers: PartBuffers, options: PutOptions, upload: Upload): Promise<StoredObject> {
    const { onCheckpoint, expectedSize } = options;
    const uploader = new PartUploader({
      client: this.client,
      bucket: this.bucket,
      key,
      uploadId: upload.uploadId,
      queueSize: this.queueSize,
      buffers,
      done: upload.done,
      ...(onCheckpoint ? {
        onDurable: (bytes: number, sha256State: string) => onCheckpoint({
          key, bytes, ...(expectedSize !== undefined ? { size: expectedSize } : {}), sha256State, uploadId: upload.uploadId, partSize: upload.partSize,
        }),
      } : {}),
    });
    let info: ObjectInfo | undefined;
    try {
      let bytes = upload.bytes;
      for await (const part of parts) {
        upload.hash.update(part);
        bytes += part.length;
        // Only a full part ends on a part boundary a resumed upload can continue from.
        const checkpoint = onCheckpoint && part.length === upload.partSize ? { bytes, sha256State: (upload.hash as ResumableSha256).save() } : undefined;
        await uploader.add(part, checkpoint);
      }
      info = verified(key, bytes, upload.hash.digest(), options);
      const completed = await uploader.finish();
      await this.client.send(new CompleteMultipartUploadCommand({
        Bucket: this.bucket, Key: key, UploadId: upload.uploadId, MultipartUpload: { Parts: completed }, IfNoneMatch: '*',
      }));
    } catch (err) {
      await uploader.settle();
      const resumable = uploader.durable > 0 && (onCheckpoint !== undefined || upload.done.length > 0)
        && !(err instanceof MediaIntegrityError) && !lostTheKey(err);
      if (!resumable) await this.abortQuietly({ key, uploadId: upload.uploadId });
      if (lostTheKey(err) && info) return this.afterLostKey(key, info);
      throw this.failed(key, err);
    }
    await this.tag(key, info.sha256);
    return { key, ...info, alreadyStored: false };
  }

  /** Another writer stored the key while this body streamed: same rule as if it had been first. */
  private async afterLostKey(key: string, info: ObjectInfo): Promise<StoredObject> {
    const winner = await this.head(key);
    if (!winner) throw new MediaStoreError(key, `'${key}' was being written by someone else at the same time; try again`);
    if (winner.sha256 !== info.sha256 || winner.size !== info.size) throw new MediaConflictError(key, winner.sha256, info.sha256);
    return { key, ...winner, alreadyStored: true };
  }

  /** The body's own errors (a broken download) as they are; S3's wrapped with the key. */
  private failed(key: string, err: unknown): unknown {
    if (err instanceof MediaStoreError || statusOf(err) === undefined) return err;
    return new MediaStoreError(key, `storing '${key}' failed: ${(err as Error).name}: ${(err as Error).message}`, { cause: err });
  }

  /** Parts in flight, one waiting for a place among them, one being filled. */
  private buffersFor(partSize: number): PartBuffers {
    return new PartBuffers(partSize, this.queueSize + 2);
  }

  /** Larger parts for a body that would need more than S3's 10,000. */
  private partSizeFor(expectedSize: number | undefined): number {
    if (expectedSize === undefined || expectedSize <= this.partSize * MAX_PARTS) return this.partSize;
    return Math.ceil(expectedSize / MAX_PARTS / MiB) * MiB;
  }

  /** The upload a checkpoint describes, or undefined (the stale upload aborted) when it cannot be resumed. */
  private async resume(key: string, options: PutOptions): Promise<Upload | undefined> {
    const checkpoint = options.resumeFrom;
    if (!checkpoint) return undefined;
    const { bytes, size, uploadId, partSize } = checkpoint;
    const usable = checkpoint.key === key && typeof uploadId === 'string' && uploadId !== ''
      && Number.isSafeInteger(partSize) && partSize! >= MIN_PART_BYTES && partSize! % 64 === 0
      && Number.isSafeInteger(bytes) && bytes > 0 && bytes % partSize! === 0
      && (options.expectedSize === undefined || ((size === undefined || size === options.expectedSize) && bytes <= options.expectedSize));
    if (usable) {
      const done = await listDurableParts(this.client, this.bucket, key, uploadId!, bytes / partSize!, partSize!);
      const hash = await resumableSha256(checkpoint.sha256State).catch(() => undefined);
      if (done && hash) return { uploadId: uploadId!, partSize: partSize!, done, bytes, hash };
    }
    await this.abortQuietly(checkpoint);
    return undefined;
  }

  private async abortQuietly(upload: Pick<PutCheckpoint, 'key' | 'uploadId'>): Promise<void> {
    if (typeof upload.uploadId !== 'string' || upload.uploadId === '') return;
    try {
      assertValidKey(upload.key);
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.key, UploadId: upload.uploadId }));
    } catch {
      // Already gone (completed, aborted, expired) or not ours to name: nothing to clean up.
    }
  }

  private async tag(key: string, sha256: string): Promise<void> {
    await this.client.send(new PutObjectTaggingCommand({ Bucket: this.bucket, Key: key, Tagging: { TagSet: [{ Key: 'sha256', Value: sha256 }] } }));
  }

  async head(key: string): Promise<ObjectInfo | null> {
    assertValidKey(key);
    let head;
    try {
      head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
    const size = head.ContentLength ?? 0;
    const recorded = head.Metadata?.sha256 ?? (await this.taggedSha256(key));
    if (recorded !== undefined && SHA256_HEX.test(recorded)) return { size, sha256: recorded };
    // Written by someone else, or by a put that died between completing and tagging: the bytes are
    // the truth, and the tag a cache (a bucket that refuses tagging only costs reading them again).
    const { sha256 } = await digestStream(key, await this.get(key));
    await this.tag(key, sha256).catch(() => undefined);
    return { size, sha256 };
  }

  private async taggedSha256(key: string): Promise<string | undefined> {
    try {
      const { TagSet } = await this.client.send(new GetObjectTaggingCommand({ Bucket: this.bucket, Key: key }));
      return TagSet?.find((t) => t.Key === 'sha256')?.Value;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async get(key: string): Promise<Readable> {
    assertValidKey(key);
    try {
      const { Body } = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return Body as Readable;
    } catch (err) {
      if (statusOf(err) === 404) throw new MediaNotFoundError(key);
      throw err;
    }
  }
}

async function* prepend<T>(first: T[], rest: AsyncIterator<T>): AsyncGenerator<T> {
  yield* first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}
