import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

// "Stored with the right SHA-256" is checked on the bytes themselves, read back from the store,
// never on the metadata the archiver wrote next to them.

export async function s3ObjectSha256(client: S3Client, bucket: string, key: string): Promise<{ sha256: string; size: number }> {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of object.Body as Readable) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}
