/**
 * Zoom client figures against the in-process simulator: API calls to list N recordings (against
 * the ceil(N/300) minimum), the 429s drawn by calls paced at the configured share of the plan's
 * limit, and download throughput and peak memory of a 1 GiB file (against curl).
 */
import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { startSimulator } from '../src/simulator/index.js';
import { createZoomClient, type ZoomClient } from '../src/zoom/index.js';
import { figure, trackPeakRss, type BenchFigure } from './figures.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
type Sim = Awaited<ReturnType<typeof startSimulator>>;

function clientFor(sim: Sim): ZoomClient {
  const t = sim.tenants[0]!;
  return createZoomClient({
    tenantId: 'bench',
    accountId: t.accountId,
    clientId: t.clientId,
    clientSecret: t.clientSecret,
    plan: t.plan,
    apiBaseUrl: t.apiBaseUrl,
    oauthTokenUrl: t.oauthTokenUrl,
    downloadHosts: [new URL(t.downloadBaseUrl).hostname],
  });
}

async function listCalls(): Promise<BenchFigure> {
  const sim = await startSimulator({
    seed: 42,
    tenants: [{ users: 1, inactiveUsers: 0, meetingsPerDay: 80, days: 25, unrecordedShare: 0, externalHostShare: 0, phoneCallsPerDay: 0, mediaScale: 0.0001 }],
  });
  try {
    const accountId = sim.tenants[0]!.accountId;
    await sim.control.completeProcessing(accountId);
    const truth = await sim.control.groundTruth(accountId);
    const now = Date.parse(truth.now);
    const client = clientFor(sim);
    await sim.control.resetCounters();
    let n = 0;
    for await (const user of client.listAllUsers()) {
      for await (const _ of client.listUserRecordings(user.id, { from: new Date(now - 26 * 86_400_000).toISOString().slice(0, 10), to: truth.now.slice(0, 10) })) n++;
    }
    const { endpoints } = await sim.control.getCounters();
    const recordingPages = endpoints['GET /users/{userId}/recordings'] ?? 0;
    const userPages = endpoints['GET /users'] ?? 0;
    await client.close();
    return figure('client.list_calls', recordingPages + userPages, 'calls', Math.ceil(n / 300), `N=${n}: ${recordingPages} recording pages + ${userPages} user pages (active, inactive); OAuth token not counted`);
  } finally {
    await sim.close();
  }
}

/**
 * 429s the simulator answers to calls the client paces at its default share (0.8) of the plan's
 * light limit. Zero is the goal; a few can come from arrival jitter on a loaded machine (a request
 * delayed into the next second), which is why test/zoom/rate-limits.sim.test.ts does not assert it.
 */
async function pacedRateLimited(): Promise<BenchFigure> {
  const sim = await startSimulator({
    seed: 7,
    tenants: [{ plan: 'pro', users: 3, inactiveUsers: 0, meetingsPerDay: 6, days: 3, unrecordedShare: 0, externalHostShare: 0, phoneCallsPerDay: 0, mediaScale: 0.001 }],
  });
  try {
    const accountId = sim.tenants[0]!.accountId;
    const uuids = (await sim.control.groundTruth(accountId)).meetings.filter((m) => m.recorded).map((m) => m.uuid);
    const client = clientFor(sim);
    await client.tokens.getToken();
    await sim.control.resetCounters();
    const n = 150;
    const started = performance.now();
    await Promise.all(Array.from({ length: n }, (_, i) => client.getMeetingRecordings(uuids[i % uuids.length]!)));
    const seconds = (performance.now() - started) / 1000;
    await client.close();
    const { rateLimited } = await sim.control.getCounters();
    return figure('client.paced_429s', rateLimited.total, '429s', undefined, `${n} light calls at 0.8 of the pro plan's 30/s in ${seconds.toFixed(1)} s; the goal is 0`);
  } finally {
    await sim.close();
  }
}

function curlSeconds(url: string, token: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn('curl', ['-s', '-o', '/dev/null', '-H', `Authorization: Bearer ${token}`, url], { stdio: 'ignore' });
    child.on('error', () => resolve(undefined));
    child.on('exit', (code) => resolve(code === 0 ? (performance.now() - started) / 1000 : undefined));
  });
}

async function download(): Promise<BenchFigure[]> {
  const sim = await startSimulator({ seed: 3, tenants: [{ users: 1, inactiveUsers: 0, meetingsPerDay: 0, days: 0, phoneCallsPerDay: 0 }] });
  try {
    const accountId = sim.tenants[0]!.accountId;
    const meeting = await sim.control.addMeeting(accountId, { start_time: new Date(Date.now() - 3 * 3_600_000).toISOString(), durationMinutes: 60, recorded: true, files: [{ file_type: 'MP4', file_size: GIB, status: 'completed' }] });
    const file = meeting.files.find((f) => f.file_type === 'MP4')!;
    const client = clientFor(sim);
    const token = await client.tokens.getToken();

    const curl = await curlSeconds(file.download_url, token);

    const rssBefore = process.memoryUsage().rss;
    const rss = trackPeakRss(50);
    const started = performance.now();
    const res = await client.downloadFile({ url: file.download_url, expectedSize: file.file_size });
    let bytes = 0;
    await pipeline(res.stream, new Writable({ write: (chunk: Buffer, _enc, done) => { bytes += chunk.length; done(); } }));
    const seconds = (performance.now() - started) / 1000;
    const peak = rss.stop();
    await client.close();
    if (bytes !== file.file_size) throw new Error(`downloaded ${bytes} of ${file.file_size} bytes`);

    const mibS = file.file_size / MIB / seconds;
    return [
      curl === undefined
        ? figure('client.download_mib_s', mibS, 'MiB/s', undefined, 'curl absent or failed: no baseline')
        : figure('client.download_mib_s', mibS, 'MiB/s', file.file_size / MIB / curl, '1 GiB from the simulator; baseline curl -s -o /dev/null'),
      figure('client.download_peak_rss_mib', peak / MIB, 'MiB', undefined, `peak RSS of the whole process (simulator in-process) while streaming 1 GiB; ${Math.round(rssBefore / MIB)} MiB before`),
    ];
  } finally {
    await sim.close();
  }
}

export async function runZoomClientBench(): Promise<BenchFigure[]> {
  return [await listCalls(), await pacedRateLimited(), ...(await download())];
}
