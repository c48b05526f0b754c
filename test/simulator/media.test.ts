import { createHash } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaStream, mediaKey, mediaSha256 } from '../../src/simulator/media.js';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { getToken, startTestSimulator } from './helpers.js';

const MiB = 1024 ** 2;
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startTestSimulator({ tenants: [{ users: 1, days: 0, phoneCallsPerDay: 0 }] });
});
afterAll(async () => sim.close());

describe('media generator', () => {
  it('produces any byte range equal to the same slice of the whole file', async () => {
    const key = mediaKey(1, 'file-a');
    const read = async (start: number, end: number): Promise<Buffer> => {
      const parts: Buffer[] = [];
      for await (const c of new MediaStream(key, start, end)) parts.push(c as Buffer);
      return Buffer.concat(parts);
    };
    const whole = await read(0, 300_000);
    expect((await read(65_530, 200_001)).equals(whole.subarray(65_530, 200_001))).toBe(true);
    expect(createHash('sha256').update(whole).digest('hex')).toBe(await mediaSha256(key, 300_000));
    expect((await read(0, 1000)).equals((await (async () => { const p: Buffer[] = []; for await (const c of new MediaStream(mediaKey(1, 'file-b'), 0, 1000)) p.push(c as Buffer); return Buffer.concat(p); })()))).toBe(false);
  });

  // Correctness only: how fast the bytes come and how flat memory stays while 1 GiB streams are
  // figures of `npm run bench simulator`, not assertions in a worker shared with other test files.
  it('streams a file of many chunks over HTTP: exactly file_size bytes with the ground truth SHA-256', async () => {
    const t = sim.tenants[0]!;
    // Not a multiple of the generator's 64 KiB chunk, and many times its stream buffer.
    const size = 64 * MiB + 12_345;
    const meeting = await sim.control.addMeeting(t.accountId, {
      start_time: '2026-03-09T10:00:00Z', durationMinutes: 60, participants: 0, archive: false,
      files: [{ file_type: 'MP4', file_size: size }],
    });
    const file = meeting.files[0]!;
    expect(file.file_size).toBe(size);
    const token = await getToken(t);
    const res = await request(file.download_url, { headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(200);
    expect(Number(res.headers['content-length'])).toBe(size);
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of res.body) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    expect(bytes).toBe(size);
    expect(hash.digest('hex')).toBe(file.sha256);
  });
});
