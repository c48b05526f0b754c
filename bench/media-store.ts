/**
 * Media store into S3 (a local Versity Gateway): throughput of a generated 1 GiB stream of unknown
 * length against curl uploading the same bytes from a file, and the process's peak RSS for 100 MiB
 * and 1 GiB bodies (streaming: it must not grow with the file).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { startVersityGateway } from '../src/local/s3-server.js';
import { createS3Client, mediaKey, S3MediaStore } from '../src/storage/index.js';
import { figure, trackPeakRss, type BenchFigure } from './figures.js';

const MIB = 1024 * 1024;

/** `mib` MiB of incompressible bytes, as a download would deliver them: 1 MiB chunks, no length known. */
function generated(mib: number): Readable {
  const block = randomBytes(MIB);
  let sent = 0;
  return new Readable({
    read() {
      if (sent === mib) {
        this.push(null);
        return;
      }
      // A distinct first byte per block keeps each MiB different without the cost of fresh randomness.
      const chunk = Buffer.from(block);
      chunk[0] = sent % 256;
      sent++;
      this.push(chunk);
    },
  });
}

/** Seconds for `curl -T` to PUT a file to the S3 server, signed by curl itself (SigV4). */
function curlPutSeconds(file: string, url: string, region: string, accessKeyId: string, secretAccessKey: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn('curl', ['-sf', '-o', '/dev/null', '-T', file, '--aws-sigv4', `aws:amz:${region}:s3`, '--user', `${accessKeyId}:${secretAccessKey}`, '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD', url], { stdio: 'ignore' });
    child.once('error', () => resolve(undefined));
    child.once('exit', (code) => resolve(code === 0 ? (performance.now() - started) / 1000 : undefined));
  });
}

export async function runMediaStoreBench(): Promise<BenchFigure[]> {
  const s3 = await startVersityGateway();
  const workDir = mkdtempSync(join(tmpdir(), 'za-bench-store-'));
  try {
    const client = createS3Client(s3);
    const bucket = 'bench-media';
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const store = new S3MediaStore({ bucket, client });
    const key = (mib: number) => mediaKey({ tenantId: 'bench', sourcePlatform: 'Zoom Meeting', startedAt: new Date(), conversationId: `/bench+${mib}==`, zoomFileId: `f-${mib}`, extension: 'mp4' });

    const put = async (mib: number) => {
      const rss = trackPeakRss(20);
      const started = performance.now();
      await store.put(key(mib), generated(mib), { expectedSize: mib * MIB });
      return { seconds: (performance.now() - started) / 1000, peakMib: rss.stop() / MIB };
    };
    const small = await put(100);
    const large = await put(1024);

    const file = join(workDir, 'same-bytes.bin');
    await pipeline(generated(1024), createWriteStream(file));
    const curl = await curlPutSeconds(file, `${s3.endpoint}/${bucket}/curl-baseline.bin`, s3.region, s3.accessKeyId, s3.secretAccessKey);

    const mibS = 1024 / large.seconds;
    const note = 'staged multipart upload + SHA-256 + server-side copy + HEAD';
    return [
      curl === undefined
        ? figure('store.s3_put_mib_s', mibS, 'MiB/s', undefined, `${note}; curl absent or failed: no baseline`)
        : figure('store.s3_put_mib_s', mibS, 'MiB/s', 1024 / curl, `${note}; baseline curl -T of the same 1 GiB from a file (SigV4)`),
      figure('store.peak_rss_100mib_mib', small.peakMib, 'MiB', undefined, 'whole process, 100 MiB body'),
      figure('store.peak_rss_1gib_mib', large.peakMib, 'MiB', small.peakMib, 'whole process, 1 GiB body; baseline: the 100 MiB body'),
    ];
  } finally {
    rmSync(workDir, { recursive: true, force: true });
    await s3.stop();
  }
}
