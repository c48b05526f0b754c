/**
 * The simulator's media: how fast its generator makes bytes, and how fast (and in how much memory)
 * it serves a 1 GiB file over HTTP to a reader that hashes it. These were assertions in
 * test/simulator/media.test.ts (">100 MiB/s", "RSS grows < 200 MiB"); inside a vitest worker
 * shared with other files on two cores they measured the neighbours, so they are figures here.
 */
import { createHash } from 'node:crypto';
import { request } from 'undici';
import { startSimulator } from '../src/simulator/index.js';
import { MediaStream, mediaKey } from '../src/simulator/media.js';
import { figure, trackPeakRss, type BenchFigure } from './figures.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

async function generateOnly(): Promise<number> {
  const started = performance.now();
  let bytes = 0;
  for await (const chunk of new MediaStream(mediaKey(1, 'bench-file'), 0, GIB)) bytes += (chunk as Buffer).length;
  if (bytes !== GIB) throw new Error(`generated ${bytes} of ${GIB} bytes`);
  return GIB / MIB / ((performance.now() - started) / 1000);
}

export async function runSimulatorBench(): Promise<BenchFigure[]> {
  const generateMibS = await generateOnly();
  const sim = await startSimulator({ seed: 3, now: '2026-03-10T12:00:00Z', freezeClock: true, tenants: [{ users: 1, inactiveUsers: 0, meetingsPerDay: 0, days: 0, phoneCallsPerDay: 0 }] });
  try {
    const t = sim.tenants[0]!;
    const meeting = await sim.control.addMeeting(t.accountId, {
      start_time: '2026-03-09T10:00:00Z', durationMinutes: 60, participants: 0, archive: false,
      files: [{ file_type: 'MP4', file_size: GIB }],
    });
    const file = meeting.files[0]!;
    const tokenRes = await fetch(t.oauthTokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${t.clientId}:${t.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'account_credentials', account_id: t.accountId }),
    });
    const { access_token: token } = (await tokenRes.json()) as { access_token: string };

    const rssBefore = process.memoryUsage().rss;
    const rss = trackPeakRss(20);
    const started = performance.now();
    const res = await request(file.download_url, { headers: { authorization: `Bearer ${token}` } });
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of res.body) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    const seconds = (performance.now() - started) / 1000;
    const peak = rss.stop();
    if (bytes !== GIB || hash.digest('hex') !== file.sha256) throw new Error('the simulator served other bytes than its ground truth');
    return [
      figure('simulator.media_generate_mib_s', generateMibS, 'MiB/s', undefined, '1 GiB from the generator alone, no HTTP, no hashing'),
      figure('simulator.media_http_sha256_mib_s', GIB / MIB / seconds, 'MiB/s', generateMibS, '1 GiB served over HTTP and hashed, one process; baseline: the generator alone'),
      figure('simulator.media_http_rss_growth_mib', (peak - rssBefore) / MIB, 'MiB', undefined, `peak RSS over the ${Math.round(rssBefore / MIB)} MiB before, while serving and hashing 1 GiB (flat memory: it must not grow with the file)`),
    ];
  } finally {
    await sim.close();
  }
}
