import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { createS3Client, LocalMediaStore, MediaStoreUnavailableError, S3MediaStore } from '../../src/storage/index.js';
import { testS3Client, testS3Endpoint, uniqueSuffix } from '../harness/index.js';

// The check a worker runs on its media store before it polls, against the real S3 server: a
// wrong bucket or credentials fail the start with one message naming the bucket and endpoint.

const admin = testS3Client();
const created: string[] = [];

afterAll(async () => {
  for (const bucket of created) await admin.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
  admin.destroy();
});

describe('S3 store check at start', () => {
  const s3 = testS3Endpoint();

  it('names the missing bucket and the endpoint, and creates it when asked (twice is fine)', async () => {
    const bucket = `za-check-${uniqueSuffix()}`;
    const store = new S3MediaStore({ bucket, client: admin });
    const missing = store.checkWritable();
    await expect(missing).rejects.toThrow(MediaStoreUnavailableError);
    await expect(missing).rejects.toThrow(`S3 bucket '${bucket}' at ${s3.endpoint} does not exist: create it, or set S3_CREATE_BUCKET=true`);

    created.push(bucket);
    await Promise.all([store.checkWritable({ create: true }), store.checkWritable({ create: true })]);
    await expect(admin.send(new HeadBucketCommand({ Bucket: bucket }))).resolves.toBeDefined();
    await expect(store.checkWritable()).resolves.toBeUndefined();
  });

  it('says the credentials were refused, not that the bucket is missing', async () => {
    const bucket = `za-check-${uniqueSuffix()}`;
    created.push(bucket);
    await new S3MediaStore({ bucket, client: admin }).checkWritable({ create: true });
    const wrongKeys = createS3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, accessKeyId: s3.accessKeyId, secretAccessKey: `${s3.secretAccessKey}x` });
    await expect(new S3MediaStore({ bucket, client: wrongKeys }).checkWritable({ create: true }))
      .rejects.toThrow(`S3 refused the credentials for bucket '${bucket}' at ${s3.endpoint} (403)`);
    wrongKeys.destroy();
  });

  it('names an endpoint that does not answer', async () => {
    const nobody = createS3Client({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', forcePathStyle: true, accessKeyId: 'a', secretAccessKey: 'b' });
    await expect(new S3MediaStore({ bucket: 'za-nowhere', client: nobody }).checkWritable())
      .rejects.toThrow(/S3 bucket 'za-nowhere' at http:\/\/127\.0\.0\.1:9 cannot be reached/);
    nobody.destroy();
  });
});

describe('local folder check at start', () => {
  it('creates the folder when asked and refuses one that cannot be written', async () => {
    const root = mkdtempSync(join(tmpdir(), 'za-check-'));
    try {
      const store = new LocalMediaStore(join(root, 'media'));
      await expect(store.checkWritable()).rejects.toThrow(`media folder ${join(root, 'media')} is not writable`);
      await store.checkWritable({ create: true });
      await expect(store.checkWritable()).resolves.toBeUndefined();
      // Root may write anywhere: a path through a regular file is what no one can create.
      writeFileSync(join(root, 'a-file'), '');
      await expect(new LocalMediaStore(join(root, 'a-file', 'media')).checkWritable({ create: true })).rejects.toThrow(MediaStoreUnavailableError);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
