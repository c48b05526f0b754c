import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroundTruth, GroundTruthFile, GroundTruthMeeting, RunningSimulator, SimTenantCredentials } from '../../src/simulator/index.js';
import { START, allPages, api, encodeUuid, getToken, simControl, startTestSimulator } from './helpers.js';
import type { JsonBody } from './helpers.js';

/**
 * Scenario controls (deleted users, per-file faults, failed and late archives, external hosts,
 * a frozen clock, id-less files), driven through the `/_sim` HTTP API and observed over Zoom's API.
 */
let sim: RunningSimulator;
let t: SimTenantCredentials;
let token: string;
let truth: GroundTruth;

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const groundTruth = async (s: RunningSimulator, accountId: string): Promise<GroundTruth> => simControl<GroundTruth>(s, 'GET', `/tenants/${accountId}/ground-truth`);
const addMeeting = async (s: RunningSimulator, accountId: string, input: Record<string, unknown>): Promise<GroundTruthMeeting> =>
  simControl<GroundTruthMeeting>(s, 'POST', `/tenants/${accountId}/meetings`, input);

async function download(url: string, bearer: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; length: string | null; body: Buffer }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${bearer}`, ...headers } });
  return { status: res.status, type: res.headers.get('content-type'), length: res.headers.get('content-length'), body: Buffer.from(await res.arrayBuffer()) };
}

function activeHost(gt: GroundTruth): string {
  return gt.users.find((u) => u.status === 'active')!.id;
}

beforeAll(async () => {
  sim = await startTestSimulator({ seed: 31, tenants: [{ users: 4, inactiveUsers: 1, days: 3, meetingsPerDay: 3, phoneCallsPerDay: 2 }] });
  t = sim.tenants[0]!;
  token = await getToken(t);
  truth = await groundTruth(sim, t.accountId);
});
afterAll(async () => sim.close());

describe('deleted user', () => {
  it('vanishes from /users and answers 404/1001 on per-user routes; the other users keep their recordings', async () => {
    const s = await startTestSimulator({ seed: 32, tenants: [{ users: 5, inactiveUsers: 1, days: 6, meetingsPerDay: 5, transcriptShare: 0 }] });
    try {
      const tenant = s.tenants[0]!;
      const tok = await getToken(tenant);
      const before = await groundTruth(s, tenant.accountId);
      const victim = before.users.find((u) => u.status === 'active' && before.meetings.some((m) => m.host_id === u.id && m.recorded))!;
      const victimMeeting = before.meetings.find((m) => m.host_id === victim.id && m.recorded && m.archived)!;
      expect((await api(tenant, tok, `/users/${victim.id}/recordings?from=2026-03-01&to=2026-03-10`)).body.total_records).toBeGreaterThan(0);

      await simControl(s, 'DELETE', `/tenants/${tenant.accountId}/users/${victim.id}`);

      for (const status of ['active', 'inactive', 'pending']) {
        const users = (await allPages(tenant, tok, `/users?status=${status}`)).flatMap((p) => p.users as { id: string }[]);
        expect(users.map((u) => u.id)).not.toContain(victim.id);
      }
      expect(await api(tenant, tok, `/users/${victim.id}/recordings?from=2026-03-01&to=2026-03-10`)).toMatchObject({ status: 404, body: { code: 1001, message: `User does not exist: ${victim.id}.` } });
      expect(await api(tenant, tok, `/users/${victim.id}`)).toMatchObject({ status: 404, body: { code: 1001, message: `User does not exist: ${victim.id}.` } });
      expect(await api(tenant, tok, `/users/${encodeURIComponent(victim.email)}/recordings`)).toMatchObject({ status: 404, body: { code: 1001 } });
      expect(await api(tenant, tok, `/phone/users/${victim.id}/recordings?from=2026-03-01&to=2026-03-10`)).toMatchObject({ status: 404, body: { code: 1001 } });
      // Their cloud recordings went with them; the compliance archive stays.
      expect(await api(tenant, tok, `/meetings/${encodeUuid(victimMeeting.uuid)}/recordings`)).toMatchObject({ status: 404, body: { code: 3301 } });
      expect((await api(tenant, tok, `/past_meetings/${encodeUuid(victimMeeting.uuid)}/archive_files`)).status).toBe(200);

      const after = await groundTruth(s, tenant.accountId);
      expect(after.users.find((u) => u.id === victim.id)!.status).toBe('deleted');
      const theirs = after.meetings.filter((m) => m.host_deleted);
      expect(new Set(theirs.map((m) => m.host_id))).toEqual(new Set([victim.id]));
      expect(theirs.flatMap((m) => m.files).filter((f) => f.kind === 'recording').every((f) => f.deletion === 'deleted')).toBe(true);
      expect(theirs.flatMap((m) => m.files).filter((f) => f.kind === 'archive').every((f) => f.deletion === 'none')).toBe(true);

      // Walking the users that remain finds every other user's recorded meetings, and only those.
      const seen = new Set<string>();
      const remaining = [...await allPages(tenant, tok, '/users?status=active'), ...await allPages(tenant, tok, '/users?status=inactive')].flatMap((p) => p.users as { id: string }[]);
      for (const user of remaining) {
        for (const page of await allPages(tenant, tok, `/users/${user.id}/recordings?from=2026-02-28&to=2026-03-10&page_size=300`)) {
          for (const m of page.meetings as { uuid: string }[]) seen.add(m.uuid);
        }
      }
      const expected = after.meetings.filter((m) => m.recorded && !m.host_deleted && m.files.some((f) => f.kind === 'recording' && f.deletion === 'none')).map((m) => m.uuid);
      expect(expected.length).toBeGreaterThan(0);
      expect(seen).toEqual(new Set(expected));

      // A user that never existed cannot be deleted; deleting twice is harmless.
      await simControl(s, 'DELETE', `/tenants/${tenant.accountId}/users/no-such-user`, undefined, 400);
      await simControl(s, 'DELETE', `/tenants/${tenant.accountId}/users/${victim.id}`);
      await expect(s.control.addMeeting(tenant.accountId, { hostId: victim.id })).rejects.toThrow(/unknown host/);
    } finally {
      await s.close();
    }
  });
});

describe('per-file permanent faults', () => {
  let meeting: GroundTruthMeeting;
  const file = (type: string, kind: GroundTruthFile['kind'] = 'recording'): GroundTruthFile => meeting.files.find((f) => f.file_type === type && f.kind === kind)!;
  const setFault = async (fileId: string, body: Record<string, unknown>, expectStatus = 200): Promise<unknown> =>
    simControl(sim, 'PUT', `/tenants/${t.accountId}/file-faults/${fileId}`, body, expectStatus);
  const faultOf = async (fileId: string): Promise<Pick<GroundTruthFile, 'fault' | 'fault_slow_ms'>> => {
    const f = (await groundTruth(sim, t.accountId)).meetings.flatMap((m) => m.files).find((x) => x.id === fileId)!;
    return { fault: f.fault, fault_slow_ms: f.fault_slow_ms };
  };

  beforeAll(async () => {
    meeting = await addMeeting(sim, t.accountId, {
      hostId: activeHost(truth), start_time: '2026-03-09T08:00:00Z', durationMinutes: 20, participants: 1,
      files: [{ file_type: 'MP4', file_size: 300_000 }, { file_type: 'M4A', file_size: 80_000 }, { file_type: 'CHAT', file_size: 5000 }],
    });
  });

  it("'html' answers 200 text/html for every download, while the listing is unchanged", async () => {
    const f = file('MP4');
    await setFault(f.id, { fault: 'html' });
    for (let i = 0; i < 2; i++) {
      const res = await download(f.download_url, token);
      expect(res.status).toBe(200);
      expect(res.type).toMatch(/^text\/html/);
      expect(res.body.toString('utf8')).toContain('This recording does not exist.');
    }
    const listed = (await api(t, token, `/meetings/${encodeUuid(meeting.uuid)}/recordings`)).body.recording_files.find((x: { id?: string }) => x.id === f.id);
    expect(listed).toMatchObject({ file_size: f.file_size, status: 'completed', download_url: f.download_url });
    expect(await faultOf(f.id)).toEqual({ fault: 'html', fault_slow_ms: null });
    // Cleared, the file downloads again.
    await simControl(sim, 'DELETE', `/tenants/${t.accountId}/file-faults/${f.id}`);
    expect(sha((await download(f.download_url, token)).body)).toBe(f.sha256);
    expect((await faultOf(f.id)).fault).toBeNull();
  });

  it("'not_found' answers 404 with Zoom's JSON error", async () => {
    const f = file('M4A');
    await setFault(f.id, { fault: 'not_found' });
    const res = await download(f.download_url, token);
    expect(res.status).toBe(404);
    expect(res.type).toMatch(/^application\/json/);
    expect(JSON.parse(res.body.toString('utf8'))).toEqual({ code: 3301, message: 'This recording does not exist.' });
    expect((await faultOf(f.id)).fault).toBe('not_found');
  });

  it("'size_mismatch' serves one byte fewer than the listed file_size, with a consistent Content-Length", async () => {
    const f = file('CHAT');
    await setFault(f.id, { fault: 'size_mismatch' });
    const listed = (await api(t, token, `/meetings/${encodeUuid(meeting.uuid)}/recordings`)).body.recording_files.find((x: { id?: string }) => x.id === f.id);
    expect(listed.file_size).toBe(f.file_size);
    for (let i = 0; i < 2; i++) {
      const res = await download(f.download_url, token);
      expect(res.status).toBe(200);
      expect(Number(res.length)).toBe(f.file_size - 1);
      expect(res.body.length).toBe(f.file_size - 1);
      expect(sha(res.body)).not.toBe(f.sha256);
    }
    const tail = await download(f.download_url, token, { range: 'bytes=100-' });
    expect(tail.status).toBe(206);
    expect(tail.body.length).toBe(f.file_size - 101);
    expect((await faultOf(f.id)).fault).toBe('size_mismatch');
  });

  it("'slow' trickles the whole body out over slowMs of real time, never stalling for a second", async () => {
    const f = file('MP4', 'archive');
    await setFault(f.id, { fault: 'slow', slowMs: 1500 });
    expect(await faultOf(f.id)).toEqual({ fault: 'slow', fault_slow_ms: 1500 });
    const started = Date.now();
    const res = await request(f.download_url, { headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(200);
    const hash = createHash('sha256');
    let last = Date.now();
    let longestGap = 0;
    let chunks = 0;
    for await (const chunk of res.body) {
      const now = Date.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
      chunks++;
      hash.update(chunk as Buffer);
    }
    const elapsed = Date.now() - started;
    expect(hash.digest('hex')).toBe(f.sha256);
    // Over slowMs: the pieces wait on timers that never fire early, so 1500 ms is a floor (2 ms
    // for millisecond rounding). No ceiling: a loaded machine only stretches it.
    expect(elapsed).toBeGreaterThanOrEqual(1500 - 2);
    // In pieces (250 ms apart by design, 6 for 1500 ms; TCP may merge a few), never a stall of a
    // second: the bound leaves 750 ms over the designed gap for a busy event loop.
    expect(chunks).toBeGreaterThanOrEqual(4);
    expect(longestGap).toBeLessThan(1000);
  });

  it('refuses an unknown fault, slow without slowMs, and an unknown file; a phone file fails like a missing one', async () => {
    const f = file('M4A', 'archive');
    await setFault(f.id, { fault: 'bogus' }, 400);
    await setFault(f.id, { fault: 'slow' }, 400);
    await setFault('no-such-file', { fault: 'html' }, 400);
    const rec = truth.calls.flatMap((c) => c.legs).find((l) => l.recording)!.recording!;
    await setFault(rec.file.id, { fault: 'not_found' });
    const res = await download(rec.file.download_url, token);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.toString('utf8'))).toMatchObject({ code: 404, message: 'File does not exist.' });
  });
});

describe('archive files that failed', () => {
  it("lists them with status 'failed' once the archive completes, and downloads them like deleted ones", async () => {
    const m = await addMeeting(sim, t.accountId, { hostId: activeHost(truth), start_time: '2026-03-09T09:00:00Z', durationMinutes: 30, participants: 1, archiveFailed: ['MP4'] });
    const archive = m.files.filter((f) => f.kind === 'archive');
    expect(archive.filter((f) => f.status === 'failed').map((f) => f.file_type)).toEqual(['MP4']);
    expect(archive.filter((f) => f.file_type !== 'MP4').every((f) => f.status === 'completed')).toBe(true);
    const res = await api(t, token, `/past_meetings/${encodeUuid(m.uuid)}/archive_files`);
    expect(res.body).toMatchObject({ status: 'completed', complete_time: m.archive_complete_time });
    const byId = new Map((res.body.archive_files as { id: string; status: string }[]).map((f) => [f.id, f.status]));
    for (const f of archive) expect(byId.get(f.id)).toBe(f.status);
    const failed = archive.find((f) => f.status === 'failed')!;
    const dl = await download(failed.download_url, token);
    expect(dl.status).toBe(200);
    expect(dl.type).toMatch(/^text\/html/);
    const good = archive.find((f) => f.status === 'completed')!;
    expect(sha((await download(good.download_url, token)).body)).toBe(good.sha256);
    const stats = await api(t, token, '/archive_files/statistics?from=2026-03-09&to=2026-03-09');
    expect(stats.body.statistic_by_file_status.failed_file_count).toBe(1);

    const all = await addMeeting(sim, t.accountId, { hostId: activeHost(truth), start_time: '2026-03-09T10:00:00Z', durationMinutes: 30, archiveFailed: true });
    expect(all.files.filter((f) => f.kind === 'archive').every((f) => f.status === 'failed')).toBe(true);
    expect(all.files.filter((f) => f.kind === 'recording').every((f) => f.status === 'completed')).toBe(true);
  });
});

describe('late archive completion', () => {
  it('filters archive_complete_time windows on complete_time, meeting_start_time windows on start_time', async () => {
    // Ends 2026-03-06T11:00Z; its archive completes 3 days after the meeting started.
    const m = await addMeeting(sim, t.accountId, { hostId: activeHost(truth), start_time: '2026-03-06T10:00:00Z', durationMinutes: 60, archiveCompleteDelayMinutes: 3 * 1440 - 60 });
    expect(m.archive_complete_time).toBe('2026-03-09T10:00:00Z');
    const listed = async (dateType: string, from: string, to: string): Promise<JsonBody | undefined> => {
      const pages = await allPages(t, token, `/archive_files?query_date_type=${dateType}&from=${from}&to=${to}&page_size=300`);
      return pages.flatMap((p) => p.meetings).find((x: { uuid: string }) => x.uuid === m.uuid);
    };
    expect(await listed('archive_complete_time', '2026-03-09T09:00:00Z', '2026-03-09T11:00:00Z')).toMatchObject({ complete_time: '2026-03-09T10:00:00Z', status: 'completed' });
    expect(await listed('meeting_start_time', '2026-03-09T09:00:00Z', '2026-03-09T11:00:00Z')).toBeUndefined();
    expect(await listed('meeting_start_time', '2026-03-06T09:00:00Z', '2026-03-06T11:00:00Z')).toMatchObject({ complete_time: '2026-03-09T10:00:00Z' });
    expect(await listed('archive_complete_time', '2026-03-06T09:00:00Z', '2026-03-06T11:00:00Z')).toBeUndefined();

    // Completing after now: processing, with an empty complete_time, and in no completion window.
    const pending = await addMeeting(sim, t.accountId, { hostId: activeHost(truth), start_time: '2026-03-10T08:00:00Z', durationMinutes: 60, archiveCompleteDelayMinutes: 3 * 1440 });
    expect(pending.archive_complete_time).toBeNull();
    expect(pending.files.filter((f) => f.kind === 'archive').every((f) => f.status === 'processing')).toBe(true);
    const own = (await allPages(t, token, '/archive_files?from=2026-03-10T07:00:00Z&to=2026-03-10T12:00:00Z')).flatMap((p) => p.meetings).find((x: { uuid: string }) => x.uuid === pending.uuid);
    expect(own).toMatchObject({ status: 'processing', complete_time: '' });
    expect((await allPages(t, token, '/archive_files?query_date_type=archive_complete_time&from=2026-03-09T00:00:00Z&to=2026-03-10T12:00:00Z')).flatMap((p) => p.meetings).map((x: { uuid: string }) => x.uuid)).not.toContain(pending.uuid);
  });
});

describe('meetings hosted outside the account', () => {
  let receiver: Server;
  let url: string;
  const received: string[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
      req.on('end', () => {
        received.push(body);
        res.writeHead(200);
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/zoom`;
  });
  afterAll(async () => new Promise((resolve) => receiver.close(resolve)));

  it('archive without host, individual files of the configured participant, no past-meeting data, and a webhook without host_id', async () => {
    const configured = truth.users.find((u) => u.status === 'active')!;
    const m = await addMeeting(sim, t.accountId, {
      externalHost: true, start_time: '2026-03-09T13:00:00Z', durationMinutes: 45,
      participants: [{ userId: configured.id }, { name: 'Visitor', email: 'visitor@elsewhere.example.org' }],
    });
    expect(m).toMatchObject({ external_host: true, recorded: false, archived: true, host_deleted: false });
    expect(m.host_id).not.toBe('');

    const archive = await api(t, token, `/past_meetings/${encodeUuid(m.uuid)}/archive_files`);
    expect(archive.status).toBe(200);
    expect(archive.body).toMatchObject({ meeting_type: 'external', host_id: '', topic: '' });
    const listed = (await allPages(t, token, '/archive_files?from=2026-03-09T12:00:00Z&to=2026-03-09T14:00:00Z')).flatMap((p) => p.meetings).find((x: { uuid: string }) => x.uuid === m.uuid);
    expect(listed).toMatchObject({ meeting_type: 'external', host_id: '' });
    const files = archive.body.archive_files as { id: string; individual: boolean; participant_email?: string; download_url: string }[];
    const mine = files.filter((f) => f.participant_email === configured.email);
    // Exactly the configured participant's files of the ground truth.
    expect(new Set(mine.map((f) => f.id))).toEqual(new Set(m.files.filter((f) => f.kind === 'archive' && f.participant_email === configured.email).map((f) => f.id)));
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((f) => f.individual)).toBe(true);
    // Everyone from outside the account has an individual file with the email blanked.
    expect(files.filter((f) => f.individual && f.participant_email === '')).toHaveLength(2);

    expect(await api(t, token, `/past_meetings/${encodeUuid(m.uuid)}/participants`)).toMatchObject({ status: 404, body: { code: 3001, message: `Meeting does not exist: ${m.uuid}.` } });
    expect(await api(t, token, `/past_meetings/${encodeUuid(m.uuid)}`)).toMatchObject({ status: 404, body: { code: 3001 } });
    expect(await api(t, token, `/meetings/${encodeUuid(m.uuid)}/recordings`)).toMatchObject({ status: 404, body: { code: 3301 } });

    received.length = 0;
    const delivery = await simControl(sim, 'POST', `/tenants/${t.accountId}/webhooks`, { event: 'recording.archive_files_completed', payload: { meetingUuid: m.uuid, url } });
    expect(delivery.delivered).toBe(true);
    expect(received).toHaveLength(1);
    const event = JSON.parse(received[0]!) as JsonBody;
    const object = event.payload.object;
    expect(object).toMatchObject({ uuid: m.uuid, id: m.id, meeting_type: 'external' });
    expect(object).not.toHaveProperty('host_id');
    expect(object).not.toHaveProperty('topic');
    const file = (object.archive_files as { participant_email?: string; individual: boolean; download_url: string; id: string }[]).find((f) => f.participant_email === configured.email)!;
    expect(file.individual).toBe(true);
    const bytes = await download(file.download_url, event.download_token as string);
    expect(sha(bytes.body)).toBe(m.files.find((f) => f.id === file.id)!.sha256);
  });
});

describe('recording files without id or size (CC, TIMELINE)', () => {
  it('are listed with a download_url that serves the ground-truth bytes', async () => {
    const m = await addMeeting(sim, t.accountId, {
      hostId: activeHost(truth), start_time: '2026-03-09T15:00:00Z', durationMinutes: 30, archive: false,
      files: [{ file_type: 'MP4' }, { file_type: 'CC' }, { file_type: 'TIMELINE' }],
    });
    const idless = m.files.filter((f) => f.idless);
    expect(idless.map((f) => f.file_type).sort()).toEqual(['CC', 'TIMELINE']);
    const listed = (await api(t, token, `/meetings/${encodeUuid(m.uuid)}/recordings`)).body.recording_files as { id?: string; file_size?: number; file_type: string; download_url: string }[];
    for (const f of idless) {
      const entry = listed.find((x) => x.file_type === f.file_type)!;
      expect(entry.id).toBeUndefined();
      expect(entry.file_size).toBeUndefined();
      expect(entry.download_url).toBe(f.download_url);
      const res = await download(entry.download_url, token);
      expect(res.status).toBe(200);
      expect(res.type).toBe(f.content_type);
      expect(res.body.length).toBe(f.file_size);
      expect(sha(res.body)).toBe(f.sha256);
    }
  });
});

describe('frozen clock', () => {
  it('moves only through setClock/advanceClock: processing files and late transcripts follow it', async () => {
    const frozen = await startTestSimulator({ freezeClock: true, tenants: [{ users: 2, inactiveUsers: 0, days: 0, phoneCallsPerDay: 0 }] });
    const running = await startTestSimulator({ tenants: [{ users: 1, days: 0, phoneCallsPerDay: 0 }] });
    try {
      const ft = frozen.tenants[0]!;
      const ftok = await getToken(ft);
      expect(await simControl(frozen, 'GET', '/clock')).toEqual({ now: new Date(START).toISOString(), frozen: true });
      expect((await simControl(running, 'GET', '/clock')).frozen).toBe(false);
      const gt = await groundTruth(frozen, ft.accountId);
      const m = await addMeeting(frozen, ft.accountId, {
        hostId: activeHost(gt), start_time: '2026-03-10T10:00:00Z', durationMinutes: 60, archiveCompleteDelayMinutes: 61,
        files: [{ file_type: 'MP4', status: 'processing', readyAt: '2026-03-10T12:00:01Z' }, { file_type: 'TRANSCRIPT', late: true, readyAt: '2026-03-10T12:00:01Z' }],
      });
      const listing = async (): Promise<{ types: string[]; mp4: string; archive: JsonBody }> => {
        const rec = await api(ft, ftok, `/meetings/${encodeUuid(m.uuid)}/recordings`);
        const files = rec.body.recording_files as { file_type: string; status: string }[];
        const archive = (await api(ft, ftok, `/past_meetings/${encodeUuid(m.uuid)}/archive_files`)).body;
        return { types: files.map((f) => f.file_type), mp4: files.find((f) => f.file_type === 'MP4')!.status, archive };
      };
      // Per-second rate-limit windows still roll with real time, or a frozen clock would refuse forever.
      await simControl(frozen, 'PUT', '/rate-limits', { meetings: { business: { mediumPerSecond: 2 } } });
      await simControl(frozen, 'DELETE', '/rate-limits');
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await api(ft, ftok, '/users')).status);
      expect(statuses).toContain(429);
      const runningStart = Date.parse((await simControl(running, 'GET', '/clock')).now as string);
      await new Promise((resolve) => setTimeout(resolve, 1300));
      expect((await api(ft, ftok, '/users')).status).toBe(200);
      await simControl(frozen, 'PUT', '/rate-limits', { enabled: false });
      // Real time passed: the running clock moved, the frozen one did not.
      expect(Date.parse((await simControl(running, 'GET', '/clock')).now as string) - runningStart).toBeGreaterThanOrEqual(1000);
      expect((await simControl(frozen, 'GET', '/clock')).now).toBe(new Date(START).toISOString());
      let seen = await listing();
      expect(seen.mp4).toBe('processing');
      expect(seen.types).not.toContain('TRANSCRIPT');
      expect(seen.archive).toMatchObject({ status: 'processing', complete_time: '' });

      expect(await simControl(frozen, 'POST', '/clock', { advanceMs: 1000 })).toEqual({ now: '2026-03-10T12:00:01.000Z' });
      seen = await listing();
      expect(seen.mp4).toBe('completed');
      expect(seen.types).toContain('TRANSCRIPT');
      expect(seen.archive.status).toBe('processing');

      await simControl(frozen, 'POST', '/clock', { now: '2026-03-10T12:01:00Z' });
      seen = await listing();
      expect(seen.archive).toMatchObject({ status: 'completed', complete_time: '2026-03-10T12:01:00Z' });
      expect((await groundTruth(frozen, ft.accountId)).meetings.find((x) => x.uuid === m.uuid)!.archive_complete_time).toBe('2026-03-10T12:01:00Z');
    } finally {
      await frozen.close();
      await running.close();
    }
  });
});
