import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  S3Client,
  UploadPartCopyCommand,
  AbortMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { compareWithStored, digestStream, DigestingStream } from './digest.js';
import { assertValidKey } from './keys.js';
import {
  MediaConflictError,
  MediaIntegrityError,
  MediaNotFoundError,
  MediaStoreError,
  MediaStoreUnavailableError,
  type MediaStore,
  type ObjectInfo,
  type PutOptions,
  type StoredObject,
} from './media-store.js';

// S3 as media store. The SHA-256 is only known once the body has streamed through, but S3 takes
// user metadata when an upload starts, so a body is uploaded to a staging key first (multipart, of
// unknown length, memory bounded by partSize x queueSize), checked, then copied server-side to its
// final key with the `sha256` metadata and verified with a HEAD. The final key therefore only ever
// holds a complete, verified object. Staging objects live under `.staging/`, which no media key can
// address; a bucket lifecycle rule on that prefix cleans up after a crashed process.

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
  /** Bytes per uploaded part; S3 wants at least 5 MiB. */
  partSize?: number;
  /** Parts in flight at once. */
  queueSize?: number;
  /** Largest object copied in one CopyObject (S3's limit is 5 GiB); larger ones are copied in parts. */
  maxSingleCopyBytes?: number;
  copyPartSize?: number;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const STAGING_PREFIX = '.staging/';

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

/** CopySource is a URL path: percent escapes in our keys must be escaped once more. */
const copySource = (bucket: string, key: string) => `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;

export class S3MediaStore implements MediaStore {
  private readonly bucket: string;
  private readonly client: S3Client;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly maxSingleCopyBytes: number;
  private readonly copyPartSize: number;

  constructor(options: S3MediaStoreOptions) {
    this.bucket = options.bucket;
    this.client = options.client;
    this.partSize = Math.max(options.partSize ?? 8 * MiB, 5 * MiB);
    this.queueSize = options.queueSize ?? 2;
    this.maxSingleCopyBytes = options.maxSingleCopyBytes ?? 5 * GiB;
    this.copyPartSize = Math.max(options.copyPartSize ?? 512 * MiB, 5 * MiB);
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

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredObject> {
    assertValidKey(key);
    const stored = await this.head(key);
    if (stored) return { key, ...(await compareWithStored(key, body, stored, options)), alreadyStored: true };

    const staging = `${STAGING_PREFIX}${randomUUID()}`;
    try {
      const info = await this.upload(key, staging, body, options);
      // Another writer may have stored the key while this body streamed: same rule as if it had been first.
      const winner = await this.head(key);
      if (winner) {
        if (winner.sha256 !== info.sha256) throw new MediaConflictError(key, winner.sha256, info.sha256);
        return { key, ...winner, alreadyStored: true };
      }
      const metadata = { ...options.metadata, sha256: info.sha256 };
      await this.copy(staging, key, info.size, metadata, options.contentType);
      const landed = await this.head(key);
      if (!landed || landed.size !== info.size || landed.sha256 !== info.sha256) {
        await this.deleteQuietly(key);
        throw new MediaIntegrityError(key, `'${key}' did not verify after upload: expected ${info.size} bytes with SHA-256 ${info.sha256}, found ${landed ? `${landed.size} bytes with SHA-256 ${landed.sha256}` : 'nothing'}`);
      }
      return { key, ...info, alreadyStored: false };
    } finally {
      await this.deleteQuietly(staging);
    }
  }

  /** Streams the body to the staging key; rejects (and aborts the multipart upload) on any failure. */
  private async upload(key: string, staging: string, body: Readable, options: PutOptions): Promise<ObjectInfo> {
    const digest = new DigestingStream(key, options.expectedSize);
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: staging, Body: digest, ...(options.contentType ? { ContentType: options.contentType } : {}) },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    const uploading = upload.done();
    const piping = pipeline(body, digest);
    try {
      await Promise.all([piping, uploading]);
    } catch (err) {
      // Whichever side failed first, stop the other, and wait until the multipart upload is aborted.
      body.destroy();
      digest.destroy();
      await Promise.allSettled([piping, uploading]);
      throw err instanceof MediaStoreError ? err : new MediaStoreError(key, `storing '${key}' failed: ${(err as Error).message}`, { cause: err });
    }
    return digest.verified(options);
  }

  private async copy(from: string, to: string, size: number, metadata: Record<string, string>, contentType?: string): Promise<void> {
    const target = { Bucket: this.bucket, Key: to, Metadata: metadata, ...(contentType ? { ContentType: contentType } : {}) };
    if (size <= this.maxSingleCopyBytes) {
      await this.client.send(new CopyObjectCommand({ ...target, CopySource: copySource(this.bucket, from), MetadataDirective: 'REPLACE' }));
      return;
    }
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand(target));
    try {
      const parts: { PartNumber: number; ETag: string }[] = [];
      for (let start = 0, partNumber = 1; start < size; start += this.copyPartSize, partNumber++) {
        const end = Math.min(start + this.copyPartSize, size) - 1;
        const { CopyPartResult } = await this.client.send(new UploadPartCopyCommand({
          Bucket: this.bucket,
          Key: to,
          UploadId,
          PartNumber: partNumber,
          CopySource: copySource(this.bucket, from),
          CopySourceRange: `bytes=${start}-${end}`,
        }));
        parts.push({ PartNumber: partNumber, ETag: CopyPartResult!.ETag! });
      }
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (err) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId })).catch(() => undefined);
      throw err;
    }
  }

  private async deleteQuietly(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })).catch(() => undefined);
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
    const sha256 = head.Metadata?.sha256;
    if (sha256) return { size, sha256 };
    // An object this store did not write (no sha256 metadata): its bytes are the truth.
    const digest = await digestStream(key, await this.get(key));
    return { size, sha256: digest.verified({}).sha256 };
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
