import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectTaggingCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidStorageKeyError,
  LocalMediaStore,
  MediaConflictError,
  MediaIntegrityError,
  MediaNotFoundError,
  mediaKey,
  S3MediaStore,
  type MediaStore,
} from '../../src/storage/index.js';
import { createTestBucket, testS3Client } from '../harness/index.js';
import { s3ObjectSha256 } from '../harness/stored-bytes.js';

const MiB = 1024 * 1024;

interface StoreUnderTest {
  store: MediaStore;
  /** Every object or file the backend holds, hidden and temporary ones included. */
  everything(): Promise<string[]>;
  /** SHA-256 and size of the bytes stored under `key`, read past the store (S3 GetObject, or the file itself). */
  storedBytes(key: string): Promise<{ sha256: string; size: number }>;
  cleanup(): Promise<void>;
}

const stores: Array<[string, () => Promise<StoreUnderTest>]> = [
  ['S3', async () => {
    const bucket = await createTestBucket();
    // Small parts so that a 12 MiB body takes the multipart path, 3 parts, 2 in flight.
    const store = new S3MediaStore({ bucket: bucket.bucket, client: bucket.client, partSize: 5 * MiB, queueSize: 2 });
    return {
      store,
      everything: async () => {
        const objects = await bucket.client.send(new ListObjectsV2Command({ Bucket: bucket.bucket }));
        const uploads = await bucket.client.send(new ListMultipartUploadsCommand({ Bucket: bucket.bucket }));
        return [...(objects.Contents ?? []).map((o) => o.Key!), ...(uploads.Uploads ?? []).map((u) => `upload:${u.Key}`)];
      },
      storedBytes: (key) => s3ObjectSha256(bucket.client, bucket.bucket, key),
      cleanup: () => bucket.drop(),
    };
  }],
  ['a local folder', async () => {
    const root = mkdtempSync(join(tmpdir(), 'za-media-'));
    return {
      store: new LocalMediaStore(root),
      everything: async () => readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(root.length + 1)),
      storedBytes: async (key) => {
        const bytes = await readFile(join(root, key));
        return { sha256: sha256(bytes), size: bytes.length };
      },
      cleanup: async () => rmSync(root, { recursive: true, force: true }),
    };
  }],
];

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A body delivered in 64 KiB chunks, as a download would be. */
function chunked(bytes: Buffer, options: { failAfter?: number } = {}): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (options.failAfter !== undefined && offset >= options.failAfter) {
        this.destroy(new Error('connection reset by Zoom'));
        return;
      }
      const end = Math.min(offset + 64 * 1024, bytes.length);
      this.push(offset < end ? bytes.subarray(offset, end) : null);
      offset = end;
    },
  });
}

let keyCounter = 0;
const nextKey = () =>
  mediaKey({
    tenantId: 'acme',
    sourcePlatform: 'Zoom Meeting',
    startedAt: new Date('2024-03-09T10:00:00Z'),
    conversationId: `/ajXp+112Qm//uoKj${keyCounter}==`,
    zoomFileId: `file-${keyCounter++}`,
    extension: 'mp4',
  });

describe.each(stores)('media store on %s', (_name, makeStore) => {
  let subject: StoreUnderTest;
  let store: MediaStore;
  beforeAll(async () => {
    subject = await makeStore();
    store = subject.store;
  });
  afterAll(async () => { await subject?.cleanup(); });

  const storedKeys: string[] = [];
  const stored = (key: string) => {
    storedKeys.push(key);
    return key;
  };

  it('round-trips bytes with their size and SHA-256', async () => {
    const bytes = randomBytes(3 * MiB + 17);
    const key = stored(nextKey());
    const result = await store.put(key, chunked(bytes), { expectedSize: bytes.length, contentType: 'video/mp4', metadata: { 'zoom-file-id': 'file' } });
    expect(result).toEqual({ key, size: bytes.length, sha256: sha256(bytes), alreadyStored: false });
    // The bytes themselves, hashed from the backend: not the checksum the store wrote beside them.
    expect(await subject.storedBytes(key)).toEqual({ size: bytes.length, sha256: sha256(bytes) });
    expect(await store.head(key)).toEqual({ size: bytes.length, sha256: sha256(bytes) });
    expect(sha256(await buffer(await store.get(key)))).toBe(sha256(bytes));
  });

  it('streams a body larger than one part, without knowing its length', async () => {
    const bytes = randomBytes(12 * MiB + 5);
    const key = stored(nextKey());
    expect(await store.put(key, chunked(bytes))).toMatchObject({ size: bytes.length, sha256: sha256(bytes), alreadyStored: false });
    expect(await subject.storedBytes(key)).toEqual({ size: bytes.length, sha256: sha256(bytes) });
    expect(sha256(await buffer(await store.get(key)))).toBe(sha256(bytes));
    expect(await store.head(key)).toEqual({ size: bytes.length, sha256: sha256(bytes) });
  });

  it('stores an empty file', async () => {
    const key = stored(nextKey());
    expect(await store.put(key, Readable.from([]), { expectedSize: 0 })).toMatchObject({ size: 0, sha256: sha256(Buffer.alloc(0)) });
    expect(await subject.storedBytes(key)).toEqual({ size: 0, sha256: sha256(Buffer.alloc(0)) });
    expect(await buffer(await store.get(key))).toHaveLength(0);
  });

  it('treats the same bytes under the same key as a no-op', async () => {
    const bytes = randomBytes(256 * 1024);
    const key = stored(nextKey());
    await store.put(key, chunked(bytes));
    expect(await store.put(key, chunked(bytes), { expectedSize: bytes.length })).toEqual({ key, size: bytes.length, sha256: sha256(bytes), alreadyStored: true });
    // With the checksum known up front the body is not even read.
    const unread = chunked(bytes, { failAfter: 0 });
    expect(await store.put(key, unread, { expectedSha256: sha256(bytes) })).toMatchObject({ alreadyStored: true });
    expect(unread.destroyed).toBe(true);
    expect(await subject.storedBytes(key)).toEqual({ size: bytes.length, sha256: sha256(bytes) });
  });

  it('refuses different bytes under a stored key and keeps the original', async () => {
    const original = randomBytes(100_000);
    const key = stored(nextKey());
    await store.put(key, chunked(original));
    const other = randomBytes(100_000);
    const refused = store.put(key, chunked(other));
    await expect(refused).rejects.toBeInstanceOf(MediaConflictError);
    await expect(refused).rejects.toThrow(sha256(other));
    expect(await subject.storedBytes(key)).toEqual({ size: original.length, sha256: sha256(original) });
    expect(sha256(await buffer(await store.get(key)))).toBe(sha256(original));
  });

  it('refuses different bytes under a stored key even when their own checksum is given up front', async () => {
    // The shortcut that skips reading the body holds only for the stored checksum, not any checksum.
    const original = randomBytes(50_000);
    const key = stored(nextKey());
    await store.put(key, chunked(original));
    const other = randomBytes(50_000);
    const refused = store.put(key, chunked(other), { expectedSha256: sha256(other), expectedSize: other.length });
    await expect(refused).rejects.toBeInstanceOf(MediaConflictError);
    expect(await subject.storedBytes(key)).toEqual({ size: original.length, sha256: sha256(original) });
  });

  it('leaves nothing behind when the body fails mid-stream', async () => {
    const before = await subject.everything();
    const bytes = randomBytes(7 * MiB);
    const key = nextKey();
    await expect(store.put(key, chunked(bytes, { failAfter: 6 * MiB }))).rejects.toThrow(/connection reset by Zoom/);
    await expect(store.put(nextKey(), chunked(bytes, { failAfter: 100_000 }))).rejects.toThrow(/connection reset by Zoom/);
    expect(await store.head(key)).toBeNull();
    expect(await subject.everything()).toEqual(before);
  });

  it('refuses a body that ends short of, or runs past, the expected size, or has another checksum', async () => {
    const before = await subject.everything();
    const bytes = randomBytes(6 * MiB);
    const short = nextKey();
    await expect(store.put(short, chunked(bytes.subarray(0, 5 * MiB)), { expectedSize: bytes.length })).rejects.toThrow(/ended after 5242880 of the expected 6291456 bytes/);
    const long = nextKey();
    await expect(store.put(long, chunked(bytes), { expectedSize: MiB })).rejects.toBeInstanceOf(MediaIntegrityError);
    const wrong = nextKey();
    await expect(store.put(wrong, chunked(bytes), { expectedSha256: 'ab'.repeat(32) })).rejects.toThrow(/has SHA-256/);
    for (const key of [short, long, wrong]) expect(await store.head(key)).toBeNull();
    expect(await subject.everything()).toEqual(before);
  });

  it('answers for missing objects and refuses unsafe keys', async () => {
    expect(await store.head('acme/never/stored.mp4')).toBeNull();
    await expect(store.get('acme/never/stored.mp4')).rejects.toBeInstanceOf(MediaNotFoundError);
    for (const key of ['../escape.mp4', 'acme/../../etc/passwd', '/abs/x', 'acme/.staging/x']) {
      await expect(store.put(key, Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(InvalidStorageKeyError);
    }
  });

  it('holds exactly the objects that were stored, and nothing of the failed puts', async () => {
    // The local store's hidden checksum sidecars belong to their stored file.
    const present = (await subject.everything()).filter((p) => !/(^|\/)\.[^/]+\.sha256$/.test(p));
    expect(present.sort()).toEqual([...storedKeys].sort());
    expect(storedKeys).toHaveLength(6);
  });
});

describe('media store on S3, objects it did not write', () => {
  let bucket: Awaited<ReturnType<typeof createTestBucket>>;
  beforeAll(async () => { bucket = await createTestBucket(); });
  afterAll(async () => { await bucket?.drop(); });

  it('computes the checksum of an object without sha256 metadata from its bytes', async () => {
    const bytes = randomBytes(1000);
    await bucket.client.send(new PutObjectCommand({ Bucket: bucket.bucket, Key: 'acme/foreign.bin', Body: bytes }));
    const store = new S3MediaStore({ bucket: bucket.bucket, client: bucket.client });
    expect(await store.head('acme/foreign.bin')).toEqual({ size: 1000, sha256: sha256(bytes) });
    await expect(store.put('acme/foreign.bin', Readable.from([randomBytes(1000)]))).rejects.toBeInstanceOf(MediaConflictError);
  });

  it('hashes a multipart object that has no sha256 tag (a put that died between completing and tagging), and tags it for next time', async () => {
    const bytes = randomBytes(5 * MiB + 300);
    const key = 'acme/untagged.mp4';
    const { UploadId } = await bucket.client.send(new CreateMultipartUploadCommand({ Bucket: bucket.bucket, Key: key }));
    const parts = [bytes.subarray(0, 5 * MiB), bytes.subarray(5 * MiB)];
    const etags = [];
    for (const [i, part] of parts.entries()) {
      etags.push((await bucket.client.send(new UploadPartCommand({ Bucket: bucket.bucket, Key: key, UploadId, PartNumber: i + 1, Body: part }))).ETag!);
    }
    await bucket.client.send(new CompleteMultipartUploadCommand({ Bucket: bucket.bucket, Key: key, UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }));
    const store = new S3MediaStore({ bucket: bucket.bucket, client: bucket.client });
    expect(await store.head(key)).toEqual({ size: bytes.length, sha256: sha256(bytes) });
    const { TagSet } = await bucket.client.send(new GetObjectTaggingCommand({ Bucket: bucket.bucket, Key: key }));
    expect(TagSet).toEqual([{ Key: 'sha256', Value: sha256(bytes) }]);
  });

  it('never replaces a key someone else wrote while the body streamed (If-None-Match on PutObject and on completing an upload)', async () => {
    const client = testS3Client();
    // Another writer stores `theirs` under the key just before this store's final request.
    let theirs: Buffer | undefined;
    client.middlewareStack.add((next, context) => async (args) => {
      const input = args.input as { Key?: string };
      if (theirs && (context.commandName === 'PutObjectCommand' || context.commandName === 'CompleteMultipartUploadCommand')) {
        await bucket.client.send(new PutObjectCommand({ Bucket: bucket.bucket, Key: input.Key, Body: theirs }));
      }
      return next(args);
    }, { step: 'initialize', name: 'concurrentWriter' });
    const store = new S3MediaStore({ bucket: bucket.bucket, client, partSize: 5 * MiB });
    try {
      for (const size of [1000, 11 * MiB]) {
        const ours = randomBytes(size);
        theirs = randomBytes(size);
        const key = `acme/raced-${size}.mp4`;
        await expect(store.put(key, Readable.from([ours]))).rejects.toBeInstanceOf(MediaConflictError);
        expect(await s3ObjectSha256(bucket.client, bucket.bucket, key)).toEqual({ size, sha256: sha256(theirs) });
        // The same bytes written meanwhile: stored once, and this put says so.
        theirs = ours;
        const again = `acme/raced-same-${size}.mp4`;
        expect(await store.put(again, Readable.from([ours]))).toEqual({ key: again, size, sha256: sha256(ours), alreadyStored: true });
      }
      const uploads = await bucket.client.send(new ListMultipartUploadsCommand({ Bucket: bucket.bucket }));
      expect(uploads.Uploads ?? []).toEqual([]);
    } finally {
      client.destroy();
    }
  });
});
