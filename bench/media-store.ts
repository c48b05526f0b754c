/**
 * Media store into S3 (a local Versity Gateway).
 *
 * - Put: a generated 1 GiB stream of unknown length stored by S3MediaStore, without and with
 *   checkpoints (the resumable SHA-256), against `curl -T` uploading the same bytes from a file to
 *   the same server; best of two runs each, as the machine may be shared. Peak RSS of the process
 *   for 100 MiB and 1 GiB bodies (streaming: it must not grow with the file).
 * - Resume: a 4 GiB file downloaded from the Zoom simulator (in process) through the archive path
 *   (the Zoom client's downloader into S3MediaStore.put with checkpoints), once uninterrupted, and
 *   once cut at 3 GiB (the download destroyed) then resumed from its last checkpoint with a Range
 *   request. Figures: the bytes received from the simulator by each, their ratio, and peak RSS.
 *   The bytes are counted as the client received them: the simulator's own counter leaves out a
 *   response whose client went away.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CreateBucketCommand, DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { startVersityGateway, type RunningS3Server } from '../src/local/s3-server.js';
import { startSimulator } from '../src/simulator/index.js';
import { createS3Client, mediaKey, S3MediaStore, type PutCheckpoint } from '../src/storage/index.js';
import { createZoomClient } from '../src/zoom/index.js';
import { s3ObjectSha256 } from '../test/harness/stored-bytes.js';
import { figure, trackPeakRss, type BenchFigure } from './figures.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const BUCKET = 'bench-media';

const log = (line: string) => console.error(`[bench:media-store] ${line}`);

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

const keyFor = (name: string) => mediaKey({ tenantId: 'bench', sourcePlatform: 'Zoom Meeting', startedAt: new Date(), conversationId: `/bench+${name}==`, zoomFileId: name, extension: 'mp4' });

const deleteObject = (client: S3Client, key: string) => client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));

async function putFigures(s3: RunningS3Server, client: S3Client, workDir: string): Promise<BenchFigure[]> {
  const store = new S3MediaStore({ bucket: BUCKET, client });
  let run = 0;
  const put = async (mib: number, checkpoints: boolean) => {
    const key = keyFor(`put-${mib}-${run++}`);
    const rss = trackPeakRss(20);
    const started = performance.now();
    await store.put(key, generated(mib), { expectedSize: mib * MIB, ...(checkpoints ? { onCheckpoint: () => undefined } : {}) });
    const result = { seconds: (performance.now() - started) / 1000, peakMib: rss.stop() / MIB };
    await deleteObject(client, key);
    return result;
  };

  const file = join(workDir, 'same-bytes.bin');
  await pipeline(generated(1024), createWriteStream(file));
  const curl = async () => {
    const seconds = await curlPutSeconds(file, `${s3.endpoint}/${BUCKET}/curl-baseline.bin`, s3.region, s3.accessKeyId, s3.secretAccessKey);
    await deleteObject(client, 'curl-baseline.bin');
    return seconds;
  };

  const small = await put(100, false);
  const plain: number[] = [];
  const resumable: number[] = [];
  const curls: number[] = [];
  let largePeakMib = 0;
  for (let round = 0; round < 2; round++) {
    const c = await curl();
    if (c !== undefined) curls.push(c);
    const p = await put(1024, false);
    plain.push(p.seconds);
    largePeakMib = Math.max(largePeakMib, p.peakMib);
    const r = await put(1024, true);
    resumable.push(r.seconds);
    largePeakMib = Math.max(largePeakMib, r.peakMib);
    log(`round ${round + 1}: curl -T ${c?.toFixed(2) ?? '-'} s, put ${p.seconds.toFixed(2)} s, put with checkpoints ${r.seconds.toFixed(2)} s`);
  }
  const mibS = (seconds: number[]) => 1024 / Math.min(...seconds);
  const curlMibS = curls.length > 0 ? mibS(curls) : undefined;
  const note = 'PutObject or multipart on the final key, 16 MiB parts x 4 in flight, SHA-256 on the way, best of 2';
  const baseline = curlMibS === undefined ? 'curl absent or failed: no baseline' : 'baseline: curl -T of the same 1 GiB from a file (SigV4, unsigned payload)';
  return [
    figure('store.s3_put_mib_s', mibS(plain), 'MiB/s', curlMibS, `${note}; ${baseline}`),
    figure('store.s3_put_checkpoints_mib_s', mibS(resumable), 'MiB/s', curlMibS, `the same with checkpoints (hash-wasm SHA-256, state saved per part); ${baseline}`),
    figure('store.peak_rss_100mib_mib', small.peakMib, 'MiB', undefined, 'whole process, 100 MiB body'),
    figure('store.peak_rss_1gib_mib', largePeakMib, 'MiB', small.peakMib, 'whole process, 1 GiB bodies (with and without checkpoints); baseline: the 100 MiB body'),
  ];
}

/** Passes a download through, counting its bytes; with `cutAt`, destroys it (as a dying connection would) after that many. */
function counted(stream: Readable, counter: { bytes: number }, cutAt?: number): Readable {
  const out = new PassThrough({ highWaterMark: MIB });
  stream.on('data', (chunk: Buffer) => {
    counter.bytes += chunk.length;
    if (cutAt !== undefined && counter.bytes >= cutAt) stream.destroy(new Error(`bench: download cut at byte ${counter.bytes}`));
  });
  stream.on('error', (err) => out.destroy(err));
  stream.pipe(out);
  return out;
}

async function resumeFigures(client: S3Client): Promise<BenchFigure[]> {
  const size = 4 * GIB;
  const sim = await startSimulator({ seed: 4096, tenants: [{ users: 1, inactiveUsers: 0, meetingsPerDay: 0, days: 1, phoneCallsPerDay: 0 }] });
  try {
    const account = sim.tenants[0]!;
    const host = (await sim.control.groundTruth(account.accountId)).users[0]!;
    log('adding a meeting with one 4 GiB file (the simulator hashes it once)');
    const meeting = await sim.control.addMeeting(account.accountId, { hostId: host.id, participants: 0, files: [{ file_type: 'MP4', file_size: size }], archive: false, transcript: false, chat: false, timeline: false, individualAudio: false });
    const file = meeting.files[0]!;
    const zoom = createZoomClient({
      tenantId: 'bench', accountId: account.accountId, clientId: account.clientId, clientSecret: account.clientSecret, plan: account.plan,
      apiBaseUrl: account.apiBaseUrl, oauthTokenUrl: account.oauthTokenUrl, downloadHosts: [new URL(account.downloadBaseUrl).hostname],
    });
    const store = new S3MediaStore({ bucket: BUCKET, client });
    const rssBefore = process.memoryUsage().rss;
    const rss = trackPeakRss(50);
    try {
      const whole = { bytes: 0 };
      const wholeKey = keyFor('whole-4g');
      let started = performance.now();
      const download = await zoom.downloadFile({ url: file.download_url, expectedSize: size });
      const uninterrupted = await store.put(wholeKey, counted(download.stream, whole), { expectedSize: size, onCheckpoint: () => undefined });
      const wholeSeconds = (performance.now() - started) / 1000;
      if (uninterrupted.sha256 !== file.sha256) throw new Error('the uninterrupted 4 GiB put does not have the simulator\'s SHA-256');
      await deleteObject(client, wholeKey);
      log(`uninterrupted: ${whole.bytes} bytes received in ${wholeSeconds.toFixed(1)} s`);

      const resumedKey = keyFor('resumed-4g');
      const received = { bytes: 0 };
      let last: PutCheckpoint | undefined;
      started = performance.now();
      const first = await zoom.downloadFile({ url: file.download_url, expectedSize: size });
      await store.put(resumedKey, counted(first.stream, received, 3 * GIB), { expectedSize: size, onCheckpoint: (c) => { last = c; } })
        .then(() => { throw new Error('the cut download was stored'); }, (err: Error) => { if (!/cut at byte/.test(err.message)) throw err; });
      if (!last) throw new Error('the cut put left no checkpoint');
      log(`cut after ${received.bytes} bytes received; checkpoint at byte ${last.bytes}`);
      const resumed = await store.put(resumedKey, async (offset) => counted((await zoom.downloadFile({ url: file.download_url, offset, expectedSize: size })).stream, received), {
        expectedSize: size, resumeFrom: last, onCheckpoint: () => undefined,
      });
      const resumedSeconds = (performance.now() - started) / 1000;
      const stored = await s3ObjectSha256(client, BUCKET, resumedKey);
      if (resumed.sha256 !== file.sha256 || stored.sha256 !== file.sha256 || stored.size !== size) throw new Error('the resumed 4 GiB object does not have the simulator\'s bytes');
      await deleteObject(client, resumedKey);
      log(`cut and resumed: ${received.bytes} bytes received in ${resumedSeconds.toFixed(1)} s`);
      const peakMib = rss.stop() / MIB;
      await zoom.close();
      return [
        figure('store.resume_received_mib', received.bytes / MIB, 'MiB', whole.bytes / MIB, `4 GiB file cut at 3 GiB, resumed from its checkpoint at ${(last.bytes / MIB).toFixed(0)} MiB; baseline: uninterrupted (MiB received from the simulator)`),
        figure('store.resume_peak_rss_mib', peakMib, 'MiB', rssBefore / MIB, 'whole process (simulator in it), both 4 GiB runs; baseline: the process just before them'),
      ];
    } finally {
      rss.stop();
    }
  } finally {
    await sim.close();
  }
}

export async function runMediaStoreBench(): Promise<BenchFigure[]> {
  const s3 = await startVersityGateway();
  const workDir = mkdtempSync(join(tmpdir(), 'za-bench-store-'));
  const client = createS3Client(s3);
  try {
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    // The archive path first: its peak RSS is not to include what the 1 GiB puts left in the heap.
    const resume = await resumeFigures(client);
    return [...(await putFigures(s3, client, workDir)), ...resume];
  } finally {
    client.destroy();
    rmSync(workDir, { recursive: true, force: true });
    await s3.stop();
  }
}
