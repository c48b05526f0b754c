import type { Readable } from 'node:stream';

// Where media files go. Two implementations with the same guarantees: S3 (s3-media-store.ts) and a
// local folder (local-media-store.ts, the embedded default). An object is only ever visible
// complete and verified; a key is written once: the same bytes again are a no-op, other bytes a
// MediaConflictError. A long put can leave checkpoints behind, so that a put interrupted (by a
// dead worker or a broken download) continues from its last durable byte in another process.

export interface PutOptions {
  /** Zoom's file_size: a body of another length is refused. The whole object's, also when resuming. */
  expectedSize?: number;
  /** Hex SHA-256 the body must have; when it matches an object already stored, the body is not read. */
  expectedSha256?: string;
  contentType?: string;
  /** Stored with the object (S3 user metadata); keys are lower-case [a-z0-9-]. */
  metadata?: Record<string, string>;
  /**
   * Asks for checkpoints: called each time more of the body is durable. Costs a slower (resumable)
   * SHA-256, so callers ask only for bodies large enough that starting again is costly.
   */
  onCheckpoint?: (checkpoint: PutCheckpoint) => void;
  /**
   * Continues the put a checkpoint describes; the body must then be an OpenBody. A checkpoint the
   * store can no longer honour (its upload or partial file gone, another key or size) is dropped
   * and the put starts from byte 0.
   */
  resumeFrom?: PutCheckpoint;
}

/** The body from `offset` on: a put that resumes asks for the bytes it does not hold yet. */
export type OpenBody = (offset: number) => Promise<Readable>;

/**
 * Where an interrupted put can continue: only ever bytes the store holds durably. Small JSON
 * (a few hundred bytes) whatever the body's size, meant for an activity's heartbeat.
 */
export interface PutCheckpoint {
  key: string;
  /** Bytes of the body durably stored: a resumed put reads the body from this byte on. */
  bytes: number;
  /** The whole body's size when the put knew it (its expectedSize). */
  size?: number;
  /** SHA-256 state after `bytes` bytes (hash-wasm's save(), base64); `bytes` is a multiple of 64, so it holds no file bytes. */
  sha256State: string;
  /** S3: the multipart upload on the final key and its part size (the parts' ETags are listed again on resume). */
  uploadId?: string;
  partSize?: number;
  /** Local folder: the partial file's name beside the final one. */
  partialFile?: string;
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
   * nothing is left under the key and the promise rejects; what a checkpoint described stays for
   * the put that resumes it, unless the failure was the body's integrity or a conflict.
   */
  put(key: string, body: Readable | OpenBody, options?: PutOptions): Promise<StoredObject>;
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
