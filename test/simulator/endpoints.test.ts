import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroundTruth, RunningSimulator, SimTenantCredentials } from '../../src/simulator/index.js';
import { allPages, api, encodeUuid, getToken, startTestSimulator } from './helpers.js';

let sim: RunningSimulator;
let biz: SimTenantCredentials;
let pro: SimTenantCredentials;
let token: string;
let truth: GroundTruth;

beforeAll(async () => {
  sim = await startTestSimulator({ seed: 11, tenants: [{ plan: 'business', users: 5, meetingsPerDay: 5, days: 6, phoneCallsPerDay: 4, externalHostShare: 0.2 }, { plan: 'pro', users: 2, days: 2 }] });
  [biz, pro] = sim.tenants as [SimTenantCredentials, SimTenantCredentials];
  token = await getToken(biz);
  truth = await sim.control.groundTruth(biz.accountId);
});
afterAll(async () => sim.close());

describe('several tenants', () => {
  it('keeps accounts apart: each token sees only its own users', async () => {
    expect(biz.clientId).not.toBe(pro.clientId);
    const proToken = await getToken(pro);
    const proTruth = await sim.control.groundTruth(pro.accountId);
    const res = await api(pro, proToken, '/users?page_size=300');
    expect(res.body.users.map((u: { id: string }) => u.id).sort()).toEqual(proTruth.users.filter((u) => u.status === 'active').map((u) => u.id).sort());
    expect((await api(pro, proToken, `/users/${truth.users[0]!.id}`)).status).toBe(404);
  });
});

describe('recording delete, trash and recover', () => {
  it('trashes a file, lists it in the trash, recovers it, and deletes a meeting for good', async () => {
    const m = await sim.control.addMeeting(biz.accountId, { hostId: truth.users[0]!.id, start_time: '2026-03-09T08:00:00Z' });
    const file = m.files.find((f) => f.file_type === 'MP4')!;
    const path = `/meetings/${encodeUuid(m.uuid)}/recordings`;
    expect((await api(biz, token, `${path}/${file.id}`, { method: 'DELETE' })).status).toBe(204);
    const live = await api(biz, token, path);
    expect(live.body.recording_files.map((f: { id: string }) => f.id)).not.toContain(file.id);
    const trash = await api(biz, token, `/users/${truth.users[0]!.id}/recordings?trash=true&trash_type=recording_file`);
    const trashed = trash.body.meetings.find((x: { uuid: string }) => x.uuid === m.uuid);
    expect(trashed.recording_files[0]).toMatchObject({ id: file.id });
    expect(typeof trashed.recording_files[0].deleted_time).toBe('string');
    const dl = await fetch(file.download_url, { headers: { authorization: `Bearer ${token}` } });
    expect(dl.headers.get('content-type')).toMatch(/text\/html/);
    expect((await api(biz, token, `${path}/${file.id}/status`, { method: 'PUT', body: JSON.stringify({ action: 'recover' }) })).status).toBe(204);
    expect((await api(biz, token, path)).body.recording_files.map((f: { id: string }) => f.id)).toContain(file.id);
    expect((await api(biz, token, `${path}?action=delete`, { method: 'DELETE' })).status).toBe(204);
    expect(await api(biz, token, path)).toMatchObject({ status: 404, body: { code: 3301 } });
    expect((await api(biz, token, `${path}?action=shred`, { method: 'DELETE' })).status).toBe(400);
  });
});

describe('archiving', () => {
  it('lists archived meetings (internal and external) within a 7-day window, with SHA-256 fingerprints', async () => {
    const pages = await allPages(biz, token, '/archive_files?from=2026-03-04T00:00:00Z&to=2026-03-10T12:00:00Z&page_size=3');
    const meetings = pages.flatMap((p) => p.meetings);
    expect(meetings.length).toBe(pages[0]!.total_records);
    const now = await sim.control.groundTruth(biz.accountId);
    const expected = now.meetings.filter((m) => m.archived && m.start_time >= '2026-03-04T00:00:00Z');
    expect(new Set(meetings.map((m: { uuid: string }) => m.uuid))).toEqual(new Set(expected.map((m) => m.uuid)));
    const external = meetings.find((m: { meeting_type: string }) => m.meeting_type === 'external');
    expect(external?.topic).toBe('');
    const file = meetings[0].archive_files[0];
    const gt = truth.meetings.flatMap((m) => m.files).find((f) => f.id === file.id)!;
    expect(file.encryption_fingerprint).toBe(gt.sha256);
    expect(file.download_url).toContain('/rec/archive/download/');
  });

  it('refuses a window over 7 days and serves one instance by UUID', async () => {
    expect(await api(biz, token, '/archive_files?from=2026-03-01T00:00:00Z&to=2026-03-09T00:00:00Z')).toMatchObject({ status: 400, body: { code: 300 } });
    const m = truth.meetings.find((x) => x.archived)!;
    const one = await api(biz, token, `/past_meetings/${encodeUuid(m.uuid)}/archive_files`);
    expect(one.body.uuid).toBe(m.uuid);
    expect(one.body.archive_files).toHaveLength(m.files.filter((f) => f.kind === 'archive').length);
    expect(await api(biz, token, '/past_meetings/nope%3D%3D/archive_files')).toMatchObject({ status: 404, body: { code: 3001 } });
  });

  it('clamps a future `to` to now and echoes it', async () => {
    const res = await api(biz, token, '/archive_files?from=2026-03-09T00:00:00Z&to=2026-03-12T00:00:00Z');
    // The simulated clock runs on with real time from 12:00:00.
    expect(res.body.to).toMatch(/^2026-03-10T12:00:\d\dZ$/);
  });
});

describe('dashboards and past meetings', () => {
  it('lists past meetings hosted in the account with participants and QoS', async () => {
    const pages = await allPages(biz, token, '/metrics/meetings?type=past&from=2026-03-04&to=2026-03-10&page_size=5');
    const listed = pages.flatMap((p) => p.meetings);
    const now = await sim.control.groundTruth(biz.accountId);
    const expected = now.meetings.filter((m) => !m.external_host && m.start_time >= '2026-03-04' && new Set(m.participants.map((p) => p.user_id)).size > 1);
    expect(new Set(listed.map((m: { uuid: string }) => m.uuid))).toEqual(new Set(expected.map((m) => m.uuid)));
    expect(listed[0].duration).toMatch(/^(\d\d:)?\d\d:\d\d$/);
    const m = expected[0]!;
    const parts = await allPages(biz, token, `/metrics/meetings/${encodeUuid(m.uuid)}/participants?type=past&page_size=2`);
    expect(parts.flatMap((p) => p.participants)).toHaveLength(m.participants.length);
    const qos = await api(biz, token, `/metrics/meetings/${encodeUuid(m.uuid)}/participants/qos?type=past`);
    expect(qos.body.page_size).toBe(1);
    expect(qos.body.participants[0].user_qos.length).toBeGreaterThan(0);
    expect((await api(biz, token, `/metrics/meetings/${encodeUuid(m.uuid)}/participants/qos?type=past&page_size=50`)).body.page_size).toBe(10);
  });

  it('requires from/to, caps them at a month, and refuses Pro accounts', async () => {
    expect(await api(biz, token, '/metrics/meetings?type=past')).toMatchObject({ status: 400, body: { code: 300 } });
    expect((await api(biz, token, '/metrics/meetings?type=past&from=2026-01-01&to=2026-03-01')).status).toBe(400);
    const proToken = await getToken(pro);
    expect(await api(pro, proToken, '/metrics/meetings?type=past&from=2026-03-01&to=2026-03-10')).toMatchObject({ status: 400, body: { code: 200 } });
  });

  it('answers past-meeting details, instances and participants with per-join durations in seconds', async () => {
    const m = truth.meetings.find((x) => !x.external_host)!;
    const details = await api(biz, token, `/past_meetings/${encodeUuid(m.uuid)}`);
    expect(details.body).toMatchObject({ uuid: m.uuid, id: m.id });
    const parts = await api(biz, token, `/past_meetings/${encodeUuid(m.uuid)}/participants?page_size=300`);
    expect(parts.body.participants).toHaveLength(m.participants.length);
    const first = parts.body.participants[0];
    expect(first.duration).toBe((Date.parse(first.leave_time) - Date.parse(first.join_time)) / 1000);
    expect((await api(biz, token, `/past_meetings/${m.id}/instances`)).body.meetings.map((x: { uuid: string }) => x.uuid)).toContain(m.uuid);
    expect(await api(biz, token, '/past_meetings/123/participants')).toMatchObject({ status: 404, body: { code: 3001 } });
  });
});

describe('Zoom Phone', () => {
  it('lists every recording (user- and queue-owned) and downloads it with the bearer token', async () => {
    const pages = await allPages(biz, token, '/phone/recordings?from=2026-03-01&to=2026-03-10&page_size=4');
    const recs = pages.flatMap((p) => p.recordings);
    const expected = truth.calls.flatMap((c) => c.legs.flatMap((l) => (l.recording ? [l.recording] : [])));
    expect(new Set(recs.map((r: { id: string }) => r.id))).toEqual(new Set(expected.map((r) => r.id)));
    const rec = recs[0];
    const file = expected.find((r) => r.id === rec.id)!.file;
    const res = await fetch(rec.download_url, { headers: { authorization: `Bearer ${token}` } });
    expect(res.headers.get('content-type')).toBe('audio/mpeg');
    expect(Buffer.from(await res.arrayBuffer()).length).toBe(file.file_size);
    const missing = await fetch(rec.download_url.replace(/[^/]+$/, 'nope'), { headers: { authorization: `Bearer ${token}` } });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: 404, message: 'File does not exist.' });
  });

  it('call history defaults to recorded calls; non_recorded shows the rest; details list the legs', async () => {
    const recorded = (await allPages(biz, token, '/phone/call_history?from=2026-03-01&to=2026-03-10')).flatMap((p) => p.call_history);
    const unrecorded = (await allPages(biz, token, '/phone/call_history?from=2026-03-01&to=2026-03-10&recording_status=non_recorded')).flatMap((p) => p.call_history);
    expect(recorded.length + unrecorded.length).toBe(truth.calls.length);
    expect(new Set(unrecorded.map((c: { call_id: string }) => c.call_id))).toEqual(new Set(truth.notRecorded.calls));
    const multi = truth.calls.find((c) => c.legs.length > 1)!;
    const details = await api(biz, token, `/phone/call_history/${multi.call_history_uuid}`);
    expect(details.body.call_path).toHaveLength(multi.legs.length);
    expect((await api(biz, token, '/phone/call_history?from=2026-01-01&to=2026-03-01')).status).toBe(400);
  });

  it('serves the deprecated call logs, one row per leg', async () => {
    const logs = (await allPages(biz, token, '/phone/call_logs?from=2026-03-01&to=2026-03-10')).flatMap((p) => p.call_logs);
    expect(logs).toHaveLength(truth.calls.reduce((n, c) => n + c.legs.length, 0));
    const user = truth.calls[0]!.legs[0]!.owner_user_id!;
    const mine = (await allPages(biz, token, `/phone/users/${user}/call_logs?from=2026-03-01&to=2026-03-10`)).flatMap((p) => p.call_logs);
    expect(mine.every((l: { user_id: string }) => l.user_id === user)).toBe(true);
    // Exactly the legs the ground truth gives that user, not merely some.
    expect(mine).toHaveLength(truth.calls.flatMap((c) => c.legs).filter((l) => l.owner_user_id === user).length);
  });

  it('user-level recordings hold only recordings the user owns', async () => {
    const owned = truth.calls.flatMap((c) => c.legs.flatMap((l) => (l.recording?.owner_type === 'user' ? [l.recording] : [])));
    const owner = owned[0]!.owner_id;
    const res = (await allPages(biz, token, `/phone/users/${owner}/recordings?from=2026-03-01&to=2026-03-10`)).flatMap((p) => p.recordings);
    expect(new Set(res.map((r: { id: string }) => r.id))).toEqual(new Set(owned.filter((r) => r.owner_id === owner).map((r) => r.id)));
  });
});
