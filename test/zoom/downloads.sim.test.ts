import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RateLimiter, resolveRateLimits, ZoomDownloadIntegrityError, ZoomRequestError, type Pacer } from '../../src/zoom/index.js';
import type { GroundTruthFile, GroundTruthMeeting } from '../../src/simulator/index.js';
import { clientFor, sha256Of, startSimulator, type Simulator } from './sim-helpers.js';

let sim: Simulator;
let meetings: GroundTruthMeeting[];
let file: GroundTruthFile;
let meeting: GroundTruthMeeting;

const noFaults = { serverError: 0, connectionReset: 0, truncatedBody: 0, slowBody: 0, tokenRevoked: 0, pageTokenExpired: 0, rateLimitStorm: 0, targets: 'all' as const };

beforeAll(async () => {
  sim = await startSimulator({ seed: 11, tenants: [{ plan: 'business', users: 3, inactiveUsers: 0, meetingsPerDay: 4, days: 2, unrecordedShare: 0, externalHostShare: 0, oddUuidShare: 0.5, phoneCallsPerDay: 0, mediaScale: 0.3 }] });
  const tenant = sim.tenants[0]!;
  await sim.control.completeProcessing(tenant.accountId);
  meetings = (await sim.control.groundTruth(tenant.accountId)).meetings.filter((m) => m.recorded);
  meeting = meetings.find((m) => m.files.some((f) => f.file_type === 'MP4' && f.file_size > 100_000))!;
  file = meeting.files.find((f) => f.file_type === 'MP4')!;
});

afterAll(async () => {
  await sim?.close();
});

beforeEach(async () => {
  await sim.control.setFaults(noFaults);
  await sim.control.resetCounters();
});

describe('downloads against the simulator', () => {
  it('takes a fresh token once when Zoom answers its HTML page to a revoked one, and gets the file', async () => {
    const tenant = sim.tenants[0]!;
    const client = clientFor(tenant);
    await client.listUsers().toArray();
    // Zoom quirk: a download with a revoked token gets the same HTML page as a deleted recording.
    await sim.control.revokeTokens(tenant.accountId);
    const res = await client.downloadFile({ url: file.download_url, expectedSize: file.file_size });
    expect(await sha256Of(res.stream)).toEqual({ sha256: file.sha256, bytes: file.file_size });
    expect(client.tokens.requests).toBe(2);
    await client.close();
  });

  it('paces a phone recording\'s download like the API call it is (phone, medium), and a meeting file\'s not at all', async () => {
    const tenant = sim.tenants[0]!;
    const user = (await sim.control.groundTruth(tenant.accountId)).users[0]!;
    const call = await sim.control.addPhoneCall(tenant.accountId, { userId: user.id, legs: 1, start_time: '2026-03-09T10:00:00Z', durationSeconds: 60 });
    const rec = call.legs[0]!.recording!;
    // The pacer of a real limiter, with every acquire written down.
    const acquired: string[] = [];
    const real = new RateLimiter({ profile: resolveRateLimits('business', undefined) });
    const pacer: Pacer = {
      acquire: (family, category) => { acquired.push(`${family}/${category}`); return real.acquire(family, category); },
      pause: (family, category, ms) => real.pause(family, category, ms),
      blockDaily: (family, until) => real.blockDaily(family, until),
    };
    const client = clientFor(tenant, {}, { rateLimiter: pacer });
    const phone = await client.downloadFile({ url: rec.file.download_url });
    expect(await sha256Of(phone.stream)).toEqual({ sha256: rec.file.sha256, bytes: rec.file.file_size });
    expect(acquired).toEqual(['phone/medium']);
    const video = await client.downloadFile({ url: file.download_url, expectedSize: file.file_size });
    expect((await sha256Of(video.stream)).sha256).toBe(file.sha256);
    expect(acquired).toEqual(['phone/medium']);
    await client.close();
  });

  it('streams a file with the bearer token, byte-exact', async () => {
    const client = clientFor(sim.tenants[0]!);
    const res = await client.downloadFile({ url: file.download_url, expectedSize: file.file_size });
    expect(res.contentLength).toBe(file.file_size);
    expect(res.contentType).toBe(file.content_type);
    expect(await sha256Of(res.stream)).toEqual({ sha256: file.sha256, bytes: file.file_size });
    await client.close();
  });

  it('resumes from an offset with Range', async () => {
    const client = clientFor(sim.tenants[0]!);
    const whole: Buffer[] = [];
    for await (const c of (await client.downloadFile({ url: file.download_url, expectedSize: file.file_size })).stream) whole.push(c as Buffer);
    const offset = Math.floor(file.file_size / 3);
    const rest: Buffer[] = [];
    const res = await client.downloadFile({ url: file.download_url, expectedSize: file.file_size, offset });
    expect(res.contentLength).toBe(file.file_size - offset);
    for await (const c of res.stream) rest.push(c as Buffer);
    expect(Buffer.concat(rest).equals(Buffer.concat(whole).subarray(offset))).toBe(true);
    await client.close();
  });

  it('survives resets, truncation and 5xx bursts mid-download', async () => {
    const client = clientFor(sim.tenants[0]!, {}, { downloadResumes: 20 });
    await sim.control.setFaults({ connectionReset: 0.4, truncatedBody: 0.3, serverError: 0.3, targets: 'downloads' });
    const files = meetings.slice(0, 4).flatMap((m) => m.files.filter((x) => !x.idless));
    for (const f of files) {
      const res = await client.downloadFile({ url: f.download_url, expectedSize: f.file_size });
      expect(await sha256Of(res.stream)).toEqual({ sha256: f.sha256, bytes: f.file_size });
    }
    const { faults, downloads } = await sim.control.getCounters();
    // Seeded dice: this run meets each of the three faults (without one, its recovery went untested).
    expect(faults.connectionReset).toBeGreaterThan(0);
    expect(faults.truncatedBody).toBeGreaterThan(0);
    expect(faults.serverError).toBeGreaterThan(0);
    expect(Object.keys(faults).sort()).toEqual(['connectionReset', 'serverError', 'truncatedBody']);
    // Each broken body cost exactly one resume, each 500 one more request (a 500 streams no body):
    // bodies served = one per file + one per reset or truncation.
    expect(downloads.requests).toBe(files.length + faults.connectionReset! + faults.truncatedBody!);
    // Every byte was sent at least once; a reset may lose some in flight, to be sent again.
    expect(downloads.bytes).toBeGreaterThanOrEqual(files.reduce((n, f) => n + f.file_size, 0));
    await client.close();
  });

  it('errors the stream with a typed, resumable error when it cannot finish', async () => {
    const client = clientFor(sim.tenants[0]!, {}, { downloadResumes: 0 });
    await sim.control.setFaults({ truncatedBody: 1, targets: 'downloads' });
    const res = await client.downloadFile({ url: file.download_url, expectedSize: file.file_size });
    const err = await sha256Of(res.stream).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZoomDownloadIntegrityError);
    const e = err as ZoomDownloadIntegrityError;
    expect(e.retryable).toBe(true);
    // The simulator closes cleanly at half the body: the error says exactly where to resume.
    expect(e.bytesReceived).toBe(Math.floor(file.file_size / 2));
    expect((await sim.control.getCounters()).faults).toEqual({ truncatedBody: 1 });
    await client.close();
  });

  it('refuses a foreign host without sending the token', async () => {
    const client = clientFor(sim.tenants[0]!);
    const url = file.download_url.replace(/^http:\/\/[^/]+/, 'http://evil.example');
    const err = await client.downloadFile({ url, expectedSize: file.file_size }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZoomRequestError);
    expect((err as ZoomRequestError).message).toMatch(/evil\.example.*not allowed/);
    expect((await sim.control.getCounters()).downloads.requests).toBe(0);
    // Zoom's own hosts are the default.
    const zoomDefault = clientFor(sim.tenants[0]!, { downloadHosts: undefined });
    await expect(zoomDefault.downloadFile({ url: file.download_url, expectedSize: file.file_size })).rejects.toBeInstanceOf(ZoomRequestError);
    await client.close();
    await zoomDefault.close();
  });

  it('refuses a size different from file_size', async () => {
    const client = clientFor(sim.tenants[0]!);
    const err = await client.downloadFile({ url: file.download_url, expectedSize: file.file_size + 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZoomDownloadIntegrityError);
    expect((err as Error).message).toMatch(/content-length \d+ differs from file_size/);
    await client.close();
  });

  it('uses a meeting download_access_token (odd UUID double-encoded), then refuses the HTML page of a trashed recording', async () => {
    const client = clientFor(sim.tenants[0]!);
    const odd = meetings.find((m) => (m.uuid.startsWith('/') || m.uuid.includes('//')) && m.files.some((f) => !f.idless))!;
    expect(odd).toBeDefined();
    const rec = await client.getMeetingRecordings(odd.uuid, { downloadAccessTokenTtlSeconds: 3600 });
    expect(rec.uuid).toBe(odd.uuid);
    const f = rec.recording_files.find((x) => x.file_size !== undefined && x.download_url)!;
    const truth = odd.files.find((x) => x.id === f.id)!;
    for (const downloadTokenInQuery of [false, true]) {
      const res = await client.downloadFile({ url: f.download_url!, expectedSize: f.file_size!, downloadToken: rec.download_access_token!, downloadTokenInQuery });
      expect((await sha256Of(res.stream)).sha256).toBe(truth.sha256);
    }

    await client.trashMeetingRecordings(odd.uuid);
    const err = await client.downloadFile({ url: f.download_url!, expectedSize: f.file_size! }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZoomDownloadIntegrityError);
    expect((err as Error).message).toMatch(/text\/html/);
    await client.close();
  });
});
