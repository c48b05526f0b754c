import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createTestBucket, type TestBucket } from '../harness/index.js';

describe('S3-compatible server through @aws-sdk/client-s3', () => {
  let bucket: TestBucket;
  beforeAll(async () => { bucket = await createTestBucket(); });
  afterAll(async () => { await bucket?.drop(); });

  it('stores an object and returns the same bytes, checksum and metadata', async () => {
    const body = randomBytes(3 * 1024 * 1024 + 17);
    const sha256 = createHash('sha256').update(body).digest('hex');
    await bucket.client.send(new PutObjectCommand({
      Bucket: bucket.bucket, Key: 'smoke/file.bin', Body: body, Metadata: { sha256 },
    }));
    const got = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.bucket, Key: 'smoke/file.bin' }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(bytes.length).toBe(body.length);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha256);
    expect(got.Metadata?.sha256).toBe(sha256);
  });
});
