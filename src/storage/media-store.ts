import type { Readable } from 'node:stream';

// Where media files go. Two implementations with the same guarantees: S3 (s3-media-store.ts) and a
// local folder (local-media-store.ts, the embedded default). An object is only ever visible
// complete and verified; a key is written once: the same bytes again are a no-op, other bytes a
// MediaConflictError.

export interface PutOptions {
  /** Zoom's file_size: a body of another length is refused. */
  expectedSize?: number;
  /** Hex SHA-256 the body must have; when it matches an object already stored, the body is not read. */
  expectedSha256?: string;
  contentType?: string;
  /** Stored with the object (S3 user metadata); keys are lower-case [a-z0-9-]. */
  metadata?: Record<string, string>;
}

export interface StoredObject {
  key: string;
  size: number;
  /** Hex SHA-256 of the stored bytes. */
  sha256: string;
  /** True when the same bytes were already stored under this key and nothing was written. */
  alreadyStored: boolean;
}

export interface ObjectInfo {
  size: number;
  sha256: string;
}

export interface MediaStore {
  /** Where objects go, for logs and the start-up summary (no credentials). */
  readonly location: string;
  /**
   * Streams `body` to `key`, computing its size and SHA-256 on the way; resolves once the object
   * is durable and verified. On any failure (body error, size or checksum mismatch, conflict)
   * nothing is left under the key and the promise rejects.
   */
  put(key: string, body: Readable, options?: PutOptions): Promise<StoredObject>;
  /** Size and SHA-256 of a stored object, or null when there is none. */
  head(key: string): Promise<ObjectInfo | null>;
  /** The stored bytes; rejects with MediaNotFoundError when there is no object. */
  get(key: string): Promise<Readable>;
  /**
   * Checked once when a worker starts, so a wrong bucket, endpoint or credentials fail the start
   * with one clear message rather than every download later. `create` makes a missing bucket or folder.
   */
  checkWritable(options?: { create?: boolean }): Promise<void>;
}

export class MediaStoreError extends Error {
  override name = 'MediaStoreError';
  constructor(readonly key: string, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A different body under a key that is already stored: never overwritten. */
export class MediaConflictError extends MediaStoreError {
  override name = 'MediaConflictError';
  constructor(key: string, readonly storedSha256: string, readonly incomingSha256: string) {
    super(key, `'${key}' is already stored with SHA-256 ${storedSha256}; refusing to replace it with different bytes (SHA-256 ${incomingSha256})`);
  }
}

/** The body was not what was expected (ended early, too long, wrong checksum); nothing was stored. */
export class MediaIntegrityError extends MediaStoreError {
  override name = 'MediaIntegrityError';
}

/** The store cannot be used at all (no such bucket, credentials refused, endpoint unreachable). */
export class MediaStoreUnavailableError extends Error {
  override name = 'MediaStoreUnavailableError';
}

export class MediaNotFoundError extends MediaStoreError {
  override name = 'MediaNotFoundError';
  constructor(key: string) {
    super(key, `no object under '${key}'`);
  }
}
