import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LocalMediaStore,
  MediaIntegrityError,
  mediaKey,
  S3MediaStore,
  type MediaStore,
  type OpenBody,
  type PutCheckpoint,
} from '../../src/storage/index.js';
import { createTestBucket, testS3Client } from '../harness/index.js';
import { s3ObjectSha256 } from '../harness/stored-bytes.js';

// Storage layer only: puts that leave checkpoints, fail, and continue from them in a later put,
// on the real S3 server (Versity Gateway) and on a local folder. Every stored object is hashed
// from the backend and compared with a SHA-256 computed here from the bytes that were sent.

const MiB = 1024 * 1024;
/** S3's smallest part; the local store checkpoints at the same step, so both tell the same story. */
const STEP = 5 * MiB;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A body in 64 KiB chunks that counts what it delivered; `failAfter` breaks it there, as a reset download would. */
function source(bytes: Buffer, options: { failAfter?: number } = {}): { stream: Readable; delivered: () => number } {
  let offset = 0;
  const stream = new Readable({
    read() {
      if (options.failAfter !== undefined && offset >= options.failAfter) {
        this.destroy(new Error('connection reset by Zoom'));
        return;
      }
      const end = Math.min(offset + 64 * 1024, bytes.length, options.failAfter ?? Infinity);
      this.push(offset < end ? bytes.subarray(offset, end) : null);
      offset = end;
    },
  });
  return { stream, delivered: () => offset };
}

/** An OpenBody over `bytes` that records every offset asked for and the bytes it delivered. */
function reopenable(bytes: Buffer): { open: OpenBody; offsets: number[]; delivered: () => number } {
  const offsets: number[] = [];
  const opened: Array<() => number> = [];
  return {
    open: async (offset) => {
      offsets.push(offset);
      const body = source(bytes.subarray(offset));
      opened.push(body.delivered);
      return body.stream;
    },
    offsets,
    delivered: () => opened.reduce((sum, d) => sum + d(), 0),
  };
}

/** Checkpoints only ever move forward, each on a step boundary. */
function expectGrowingSteps(checkpoints: PutCheckpoint[]): void {
  const offsets = checkpoints.map((c) => c.bytes);
  expect(offsets.every((b, i) => b % STEP === 0 && (i === 0 || b > offsets[i - 1]!))).toBe(true);
}

let keyCounter = 0;
const nextKey = () => mediaKey({
  tenantId: 'acme',
  sourcePlatform: 'Zoom Meeting',
  startedAt: new Date('2024-05-01T09:00:00Z'),
  conversationId: `resumable+${keyCounter}==`,
  zoomFileId: `file-${keyCounter++}`,
  extension: 'mp4',
});

interface Backend {
  store: MediaStore;
  /** SHA-256 and size of what the backend holds under `key`, read past the store. */
  storedBytes(key: string): Promise<{ sha256: string; size: number }>;
  /** Everything the backend holds: objects or files, and S3's unfinished uploads or the folder's hidden files. */
  everything(): Promise<string[]>;
  /** Makes a checkpoint useless behind the store's back: the upload aborted, or the partial file deleted. */
  destroyCheckpoint(checkpoint: PutCheckpoint): Promise<void>;
  cleanup(): Promise<void>;
}

const backends: Array<[string, () => Promise<Backend>]> = [
  ['S3', async () => {
    const bucket = await createTestBucket();
    return {
      store: new S3MediaStore({ bucket: bucket.bucket, client: bucket.client, partSize: STEP, queueSize: 3 }),
      storedBytes: (key) => s3ObjectSha256(bucket.client, bucket.bucket, key),
      everything: async () => {
        const objects = await bucket.client.send(new ListObjectsV2Command({ Bucket: bucket.bucket }));
        const uploads = await bucket.client.send(new ListMultipartUploadsCommand({ Bucket: bucket.bucket }));
        return [...(objects.Contents ?? []).map((o) => o.Key!), ...(uploads.Uploads ?? []).map((u) => `upload:${u.Key}`)].sort();
      },
      destroyCheckpoint: async (c) => { await bucket.client.send(new AbortMultipartUploadCommand({ Bucket: bucket.bucket, Key: c.key, UploadId: c.uploadId })); },
      cleanup: async () => {
        const uploads = await bucket.client.send(new ListMultipartUploadsCommand({ Bucket: bucket.bucket }));
        for (const u of uploads.Uploads ?? []) await bucket.client.send(new AbortMultipartUploadCommand({ Bucket: bucket.bucket, Key: u.Key, UploadId: u.UploadId }));
        await bucket.drop();
      },
    };
  }],
  ['a local folder', async () => {
    const root = mkdtempSync(join(tmpdir(), 'za-resumable-'));
    return {
      store: new LocalMediaStore(root, { checkpointBytes: STEP }),
      storedBytes: async (key) => {
        const bytes = await readFile(join(root, key));
        return { sha256: sha256(bytes), size: bytes.length };
      },
      everything: async () => readdirSync(root, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && !e.name.endsWith('.sha256'))
        .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
        .sort(),
      destroyCheckpoint: async (c) => { await unlink(join(root, c.key, '..', c.partialFile!)); },
      cleanup: async () => rmSync(root, { recursive: true, force: true }),
    };
  }],
];

describe.each(backends)('resumable puts on %s (storage layer only)', (_name, makeBackend) => {
  let backend: Backend;
  beforeAll(async () => { backend = await makeBackend(); });
  afterAll(async () => { await backend?.cleanup(); });

  /** Starts a put of `bytes` that breaks after `failAfter` bytes; returns its checkpoints. */
  async function interruptedPut(key: string, bytes: Buffer, failAfter: number): Promise<{ checkpoints: PutCheckpoint[]; delivered: number }> {
    const checkpoints: PutCheckpoint[] = [];
    const body = source(bytes, { failAfter });
    await expect(backend.store.put(key, body.stream, { expectedSize: bytes.length, onCheckpoint: (c) => checkpoints.push(c) }))
      .rejects.toThrow(/connection reset by Zoom/);
    return { checkpoints, delivered: body.delivered() };
  }

  it('continues an interrupted put from its last checkpoint: only the remaining bytes are read, the SHA-256 is of the whole body', async () => {
    const bytes = randomBytes(6 * STEP + 1234);
    const key = nextKey();
    const first = await interruptedPut(key, bytes, 4 * STEP + 2 * MiB);
    expect(first.delivered).toBe(4 * STEP + 2 * MiB);
    // Parts 1..4 (or the first 4 steps) were durable when the body broke; the 5th was not complete.
    // Parts finish out of order, so a checkpoint may cover several at once.
    expectGrowingSteps(first.checkpoints);
    const last = first.checkpoints.at(-1)!;
    expect(last).toMatchObject({ key, bytes: 4 * STEP, size: bytes.length });
    // A heartbeat's worth of JSON, whatever the body's size.
    expect(JSON.stringify(last).length).toBeLessThan(600);
    expect(await backend.store.head(key)).toBeNull();

    const resumed = reopenable(bytes);
    const checkpoints: PutCheckpoint[] = [];
    const stored = await backend.store.put(key, resumed.open, { expectedSize: bytes.length, resumeFrom: JSON.parse(JSON.stringify(last)) as PutCheckpoint, onCheckpoint: (c) => checkpoints.push(c) });
    expect(resumed.offsets).toEqual([4 * STEP]);
    expect(resumed.delivered()).toBe(bytes.length - 4 * STEP);
    expectGrowingSteps(checkpoints);
    expect(checkpoints.at(-1)?.bytes).toBe(6 * STEP);
    expect(checkpoints[0]!.bytes).toBeGreaterThan(4 * STEP);
    expect(stored).toEqual({ key, size: bytes.length, sha256: sha256(bytes), alreadyStored: false });
    expect(await backend.storedBytes(key)).toEqual({ size: bytes.length, sha256: sha256(bytes) });
    expect(await backend.store.head(key)).toEqual({ size: bytes.length, sha256: sha256(bytes) });
    expect(await backend.everything()).toEqual([key]);
  });

  it('finishes from a checkpoint at the very end of the body without reading it again', async () => {
    const bytes = randomBytes(3 * STEP);
    const key = nextKey();
    // The body breaks after its last byte, before it could end: every step is durable.
    const first = await interruptedPut(key, bytes, bytes.length);
    expect(first.checkpoints.at(-1)?.bytes).toBe(bytes.length);
    const resumed = reopenable(bytes);
    const stored = await backend.store.put(key, resumed.open, { expectedSize: bytes.length, resumeFrom: first.checkpoints.at(-1)! });
    expect(resumed.offsets).toEqual([]);
    expect(stored).toMatchObject({ size: bytes.length, sha256: sha256(bytes), alreadyStored: false });
    expect(await backend.storedBytes(key)).toEqual({ size: bytes.length, sha256: sha256(bytes) });
  });

  it('starts from byte 0 when the checkpoint no longer works: its upload or file gone, another key, another size, a damaged hash state', async () => {
    const bytes = randomBytes(3 * STEP + 99);
    const before = await backend.everything();
    // Each case: a checkpoint of an interrupted put to `key`, spoilt, handed to a put to the key returned.
    const cases: Array<[string, (c: PutCheckpoint) => Promise<[string, PutCheckpoint]>]> = [
      ['gone', async (c) => { await backend.destroyCheckpoint(c); return [c.key, c]; }],
      ['another key', async (c) => [nextKey(), c]],
      ['another size', async (c) => [c.key, { ...c, size: bytes.length + 1 }]],
      ['damaged hash state', async (c) => [c.key, { ...c, sha256State: Buffer.from('not a hash state').toString('base64') }]],
    ];
    const stored: string[] = [];
    for (const [label, spoil] of cases) {
      const first = await interruptedPut(nextKey(), bytes, 2 * STEP + 10);
      expect(first.checkpoints.at(-1)?.bytes, label).toBe(2 * STEP);
      const [key, checkpoint] = await spoil(first.checkpoints.at(-1)!);
      const resumed = reopenable(bytes);
      const result = await backend.store.put(key, resumed.open, { expectedSize: bytes.length, resumeFrom: checkpoint });
      expect(resumed.offsets, label).toEqual([0]);
      expect(resumed.delivered(), label).toBe(bytes.length);
      expect(result, label).toMatchObject({ size: bytes.length, sha256: sha256(bytes), alreadyStored: false });
      expect(await backend.storedBytes(key), label).toEqual({ size: bytes.length, sha256: sha256(bytes) });
      stored.push(key);
    }
    // The stale uploads or partial files were cleaned up, whichever key they were under.
    expect(await backend.everything()).toEqual([...before, ...stored].sort());
  });

  it('drops the checkpointed bytes when the resumed body proves wrong, and when the key is stored meanwhile', async () => {
    const bytes = randomBytes(3 * STEP + 5);
    const before = await backend.everything();
    const wrong = nextKey();
    const first = await interruptedPut(wrong, bytes, 2 * STEP + 1);
    const resumed = reopenable(bytes);
    await expect(backend.store.put(wrong, resumed.open, { expectedSize: bytes.length, expectedSha256: 'ab'.repeat(32), resumeFrom: first.checkpoints.at(-1)! }))
      .rejects.toBeInstanceOf(MediaIntegrityError);
    expect(resumed.offsets).toEqual([2 * STEP]);
    expect(await backend.everything()).toEqual(before);

    const raced = nextKey();
    const second = await interruptedPut(raced, bytes, 2 * STEP + 1);
    await backend.store.put(raced, Readable.from([bytes]));
    const late = reopenable(bytes);
    expect(await backend.store.put(raced, late.open, { expectedSha256: sha256(bytes), resumeFrom: second.checkpoints.at(-1)! }))
      .toEqual({ key: raced, size: bytes.length, sha256: sha256(bytes), alreadyStored: true });
    expect(late.offsets).toEqual([]);
    expect(await backend.everything()).toEqual([...before, raced].sort());
  });

  it('leaves nothing behind when a put without checkpoints fails', async () => {
    const before = await backend.everything();
    const bytes = randomBytes(3 * STEP);
    await expect(backend.store.put(nextKey(), source(bytes, { failAfter: 2 * STEP + 10 }).stream, { expectedSize: bytes.length })).rejects.toThrow(/connection reset/);
    expect(await backend.everything()).toEqual(before);
  });
});

describe('S3 put of a large body (storage layer only)', () => {
  let bucket: Awaited<ReturnType<typeof createTestBucket>>;
  const client = testS3Client();
  beforeAll(async () => { bucket = await createTestBucket(); });
  afterAll(async () => {
    client.destroy();
    await bucket?.drop();
  });

  it('sends parts in parallel, never more than queueSize at once, and stores the exact bytes', async () => {
    const queueSize = 3;
    let inFlight = 0;
    let most = 0;
    // Holds every part until `queueSize` are in flight together: an uploader that sends one part
    // at a time never gets there and the put never ends (the test then fails on its timeout).
    let gateOpen = false;
    const waiting: Array<() => void> = [];
    client.middlewareStack.add((next, context) => async (args) => {
      if (context.commandName !== 'UploadPartCommand') return next(args);
      inFlight += 1;
      most = Math.max(most, inFlight);
      if (inFlight === queueSize) gateOpen = true;
      if (!gateOpen) await new Promise<void>((resolve) => waiting.push(resolve));
      else waiting.splice(0).forEach((release) => release());
      try {
        return await next(args);
      } finally {
        inFlight -= 1;
      }
    }, { step: 'initialize', name: 'countParts' });
    const store = new S3MediaStore({ bucket: bucket.bucket, client, partSize: STEP, queueSize });
    const bytes = randomBytes(8 * STEP + 777);
    const key = nextKey();
    const stored = await store.put(key, source(bytes).stream, { expectedSize: bytes.length, contentType: 'video/mp4' });
    expect(most).toBe(queueSize);
    expect(stored).toEqual({ key, size: bytes.length, sha256: sha256(bytes), alreadyStored: false });
    expect(await s3ObjectSha256(bucket.client, bucket.bucket, key)).toEqual({ size: bytes.length, sha256: sha256(bytes) });
    expect(await store.head(key)).toEqual({ size: bytes.length, sha256: sha256(bytes) });
  });
});
