import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GroundTruthFile } from '../../src/simulator/index.js';
import { ZoomDownloadIntegrityError } from '../../src/zoom/index.js';
import { clientFor, sha256Of, startSimulator, type Simulator } from './sim-helpers.js';

// A phone recording's download (`audio: true`) against the simulator's faults: Zoom lists no size
// for it, so what came is held to its Content-Length and its first bytes; an answer that is not
// audio is refused with a typed error before any byte is passed on.

const NOW = '2026-03-10T12:00:00Z';
const DOWNLOAD = 'GET /phone/recording/download/{fileId}';
let sim: Simulator;
let accountId: string;
let userId: string;

beforeAll(async () => {
  sim = await startSimulator({ seed: 33, now: new Date(NOW), freezeClock: true, tenants: [{ users: 2, inactiveUsers: 0, days: 0, phoneCallsPerDay: 0 }] });
  accountId = sim.tenants[0]!.accountId;
  userId = (await sim.control.groundTruth(accountId)).users.find((u) => u.phone_extension !== null)!.id;
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(async () => {
  await sim.control.resetCounters();
});

let calls = 0;
/** A new one-leg recorded call's recording file. */
async function recording(): Promise<GroundTruthFile> {
  calls += 1;
  const call = await sim.control.addPhoneCall(accountId, { userId, legs: 1, recorded: true, start_time: new Date(Date.parse(NOW) - calls * 3600_000).toISOString(), durationSeconds: 90 });
  return call.legs[0]!.recording!.file;
}
const downloads = async () => (await sim.control.getCounters()).tenantEndpoints[accountId]?.[DOWNLOAD] ?? 0;
const refusal = async (file: GroundTruthFile) => {
  const client = clientFor(sim.tenants[0]!);
  try {
    return await client.downloadFile({ url: file.download_url, audio: true }).then(() => undefined, (e: unknown) => e);
  } finally {
    await client.close();
  }
};

describe('a phone recording\'s download', () => {
  it('passes the simulator\'s MP3 on byte-exact, its first bytes an ID3 tag', async () => {
    const file = await recording();
    const client = clientFor(sim.tenants[0]!);
    const res = await client.downloadFile({ url: file.download_url, audio: true });
    expect(res.contentType).toBe('audio/mpeg');
    expect(res.contentLength).toBe(file.file_size);
    const chunks: Buffer[] = [];
    res.stream.on('data', (c: Buffer) => { if (chunks.length === 0) chunks.push(c); });
    expect(await sha256Of(res.stream)).toEqual({ sha256: file.sha256, bytes: file.file_size });
    expect(chunks[0]!.subarray(0, 3).toString('latin1')).toBe('ID3');
    await client.close();
  });

  it('refuses Zoom\'s error JSON answered with 200 as Zoom refusing, with its code and message, after one fresh token', async () => {
    const file = await recording();
    await sim.control.setFileFault(accountId, file.id, 'json_body');
    const err = await refusal(file);
    expect(err).toBeInstanceOf(ZoomDownloadIntegrityError);
    const e = err as ZoomDownloadIntegrityError;
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/answered application\/json.* instead of the recording: Zoom refused the download \(Zoom said: 3301 This recording does not exist\.\)/);
    expect([e.zoomCode, e.zoomMessage]).toEqual([3301, 'This recording does not exist.']);
    // A revoked token gets a refusal too: asked once more with a fresh one.
    expect(await downloads()).toBe(2);
  });

  it('refuses an empty body (Content-Length: 0), not retryable', async () => {
    const file = await recording();
    await sim.control.setFileFault(accountId, file.id, 'empty_body');
    const err = await refusal(file);
    expect(err).toBeInstanceOf(ZoomDownloadIntegrityError);
    expect((err as ZoomDownloadIntegrityError).retryable).toBe(false);
    expect((err as Error).message).toMatch(/answered an empty body \(Content-Length: 0\) instead of the recording/);
    expect(await downloads()).toBe(2);
  });

  it('refuses a body whose first bytes are not audio as retryable, naming them', async () => {
    // A file served as application/octet-stream with the generator's random bytes (no header for "BIN").
    const meeting = await sim.control.addMeeting(accountId, { start_time: '2026-03-09T10:00:00Z', durationMinutes: 10, participants: 0, archive: false, files: [{ file_type: 'MP4', file_extension: 'BIN', file_size: 5000 }] });
    const file = meeting.files[0]!;
    expect(file.content_type).toBe('application/octet-stream');
    const err = await refusal(file);
    expect(err).toBeInstanceOf(ZoomDownloadIntegrityError);
    expect((err as ZoomDownloadIntegrityError).retryable).toBe(true);
    expect((err as Error).message).toMatch(/the body does not start like audio \(MP3, M4A\/MP4 or WAV\): ([0-9a-f]{2} ){11}[0-9a-f]{2} \(/);
  });
});
