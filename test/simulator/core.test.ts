import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroundTruth, RunningSimulator, SimTenantCredentials } from '../../src/simulator/index.js';
import { START, allPages, api, basic, encodeUuid, getToken, startTestSimulator } from './helpers.js';

let sim: RunningSimulator;
let tenant: SimTenantCredentials;
let token: string;
let truth: GroundTruth;

beforeAll(async () => {
  sim = await startTestSimulator({ seed: 7, tenants: [{ users: 6, inactiveUsers: 2, meetingsPerDay: 6, days: 10, oddUuidShare: 0.3 }] });
  tenant = sim.tenants[0]!;
  token = await getToken(tenant);
  truth = await sim.control.groundTruth(tenant.accountId);
});
afterAll(async () => sim.close());

describe('OAuth token endpoint', () => {
  it('accepts parameters in the query string as well as the form body', async () => {
    const res = await fetch(`${tenant.oauthTokenUrl}?grant_type=account_credentials&account_id=${tenant.accountId}`, {
      method: 'POST', headers: { authorization: basic(tenant) },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expect(typeof body.access_token).toBe('string');
  });

  it('refuses a wrong secret, a wrong grant type and a foreign account id', async () => {
    const wrongSecret = await fetch(tenant.oauthTokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${tenant.clientId}:nope`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'account_credentials', account_id: tenant.accountId }),
    });
    expect(wrongSecret.status).toBe(401);
    expect(await wrongSecret.json()).toMatchObject({ error: 'invalid_client' });
    const wrongGrant = await fetch(tenant.oauthTokenUrl, {
      method: 'POST', headers: { authorization: basic(tenant) }, body: new URLSearchParams({ grant_type: 'client_credentials', account_id: tenant.accountId }),
    });
    expect(wrongGrant.status).toBe(400);
    expect(await wrongGrant.json()).toMatchObject({ error: 'unsupported_grant_type' });
    const wrongAccount = await fetch(tenant.oauthTokenUrl, {
      method: 'POST', headers: { authorization: basic(tenant) }, body: new URLSearchParams({ grant_type: 'account_credentials', account_id: 'someone-else' }),
    });
    expect(wrongAccount.status).toBe(400);
  });

  it('answers 401/124 for missing, unknown, query-string and expired tokens', async () => {
    expect(await api(tenant, null, '/users')).toMatchObject({ status: 401, body: { code: 124, message: 'Requires an access token.' } });
    expect(await api(tenant, 'bogus', '/users')).toMatchObject({ status: 401, body: { code: 124, message: 'Invalid access token.' } });
    // Since 2023 Zoom ignores tokens in the query string of API calls.
    expect((await api(tenant, null, `/users?access_token=${token}`)).status).toBe(401);
    const short = await startTestSimulator({ tokenLifetimeSeconds: 60 });
    try {
      const t = short.tenants[0]!;
      const tok = await getToken(t);
      expect((await api(t, tok, '/users')).status).toBe(200);
      await short.control.advanceClock(61_000);
      expect(await api(t, tok, '/users')).toMatchObject({ status: 401, body: { code: 124, message: 'Access token has expired.' } });
    } finally {
      await short.close();
    }
  });
});

describe('users', () => {
  it('lists active and inactive users separately, paging to an empty next_page_token', async () => {
    const active = await allPages(tenant, token, '/users?status=active&page_size=1');
    expect(active).toHaveLength(4);
    expect(active.at(-1)!.next_page_token).toBe('');
    expect(active[0]!.total_records).toBe(4);
    const inactive = await allPages(tenant, token, '/users?status=inactive');
    const ids = [...active, ...inactive].flatMap((p) => (p.users as { id: string }[]).map((u) => u.id));
    expect(new Set(ids)).toEqual(new Set(truth.users.map((u) => u.id)));
    expect(inactive[0]!.users.every((u: { status: string }) => u.status === 'inactive')).toBe(true);
  });

  it('refuses a forged page token, one for another query, and one older than 15 minutes', async () => {
    const first = await api(tenant, token, '/users?page_size=1');
    const next = first.body.next_page_token as string;
    expect(await api(tenant, token, '/users?page_size=1&next_page_token=garbage')).toMatchObject({ status: 400, body: { code: 300 } });
    expect((await api(tenant, token, `/users?status=inactive&page_size=1&next_page_token=${next}`)).status).toBe(400);
    expect((await api(tenant, token, `/users?page_size=1&next_page_token=${next}`)).status).toBe(200);
    const short = await startTestSimulator({ seed: 7, tenants: [{ users: 4, inactiveUsers: 0, days: 0 }] });
    try {
      const t = short.tenants[0]!;
      const tok = await getToken(t);
      const page = await api(t, tok, '/users?page_size=1');
      await short.control.advanceClock(16 * 60_000);
      expect(await api(t, tok, `/users?page_size=1&next_page_token=${page.body.next_page_token}`)).toMatchObject({ status: 400, body: { code: 300 } });
    } finally {
      await short.close();
    }
  });

  it('finds a user by id or email and answers 404/1001 for a stranger', async () => {
    const user = truth.users[0]!;
    expect((await api(tenant, token, `/users/${encodeURIComponent(user.email)}`)).body.id).toBe(user.id);
    expect(await api(tenant, token, '/users/nobody@example.com')).toMatchObject({ status: 404, body: { code: 1001 } });
  });
});

describe('GET /users/{userId}/recordings', () => {
  it('returns every recorded meeting of every user (active or not) inside the window', async () => {
    const seen = new Set<string>();
    for (const user of truth.users) {
      const pages = await allPages(tenant, token, `/users/${user.id}/recordings?from=2026-02-28&to=2026-03-10&page_size=2`);
      for (const page of pages) for (const m of page.meetings as { uuid: string; host_id: string }[]) {
        expect(m.host_id).toBe(user.id);
        seen.add(m.uuid);
      }
      expect(pages.reduce((n, p) => n + p.meetings.length, 0)).toBe(pages[0]!.total_records);
    }
    const expected = truth.meetings.filter((m) => m.recorded && m.files.some((f) => f.kind === 'recording' && f.file_type !== 'TRANSCRIPT')).map((m) => m.uuid);
    expect(seen).toEqual(new Set(expected));
  });

  it('caps the window at one month and validates dates and users', async () => {
    const user = truth.users[0]!.id;
    expect(await api(tenant, token, `/users/${user}/recordings?from=2026-01-01&to=2026-03-01`)).toMatchObject({ status: 400, body: { code: 300 } });
    expect((await api(tenant, token, `/users/${user}/recordings?from=2026-02-01&to=2026-03-01`)).status).toBe(200);
    expect(await api(tenant, token, `/users/${user}/recordings?from=03/01/2026`)).toMatchObject({ status: 400, body: { code: 300 } });
    expect(await api(tenant, token, `/users/${user}/recordings?from=2026-03-05&to=2026-03-01`)).toMatchObject({ status: 400, body: { code: 300 } });
    expect(await api(tenant, token, '/users/unknown-user/recordings')).toMatchObject({ status: 404, body: { code: 1001 } });
  });

  it('defaults to today..tomorrow and clamps a future `to` to today', async () => {
    const user = truth.users[0]!.id;
    expect((await api(tenant, token, `/users/${user}/recordings`)).body).toMatchObject({ from: '2026-03-10', to: '2026-03-11' });
    expect((await api(tenant, token, `/users/${user}/recordings?from=2026-03-01&to=2026-03-20`)).body).toMatchObject({ from: '2026-03-01', to: '2026-03-10' });
  });

  it('clamps page_size to 300', async () => {
    expect((await api(tenant, token, `/users/${truth.users[0]!.id}/recordings?from=2026-03-01&page_size=1000`)).body.page_size).toBe(300);
  });
});

describe('GET /meetings/{meetingId}/recordings', () => {
  const recorded = (): GroundTruth['meetings'] => truth.meetings.filter((m) => m.recorded);

  it('finds every recorded instance by its UUID, double-encoded when it starts with / or contains //', async () => {
    const odd = recorded().filter((m) => m.uuid.startsWith('/') || m.uuid.includes('//'));
    expect(odd.length).toBeGreaterThan(0);
    for (const m of recorded()) {
      const res = await api(tenant, token, `/meetings/${encodeUuid(m.uuid)}/recordings`);
      expect(res.status, m.uuid).toBe(200);
      expect(res.body.uuid).toBe(m.uuid);
    }
  });

  it('does not find an odd UUID encoded only once (Zoom mangles it)', async () => {
    const odd = recorded().find((m) => m.uuid.startsWith('/') || m.uuid.includes('//'))!;
    expect(await api(tenant, token, `/meetings/${encodeURIComponent(odd.uuid)}/recordings`)).toMatchObject({ status: 404, body: { code: 3301 } });
  });

  it('takes a meeting number as its latest instance, and 404/3301 for the unknown', async () => {
    const host = truth.users.find((u) => u.status === 'active')!.id;
    const older = await sim.control.addMeeting(tenant.accountId, { hostId: host, id: 5550001111, start_time: '2026-03-01T09:00:00Z', durationMinutes: 30 });
    const newer = await sim.control.addMeeting(tenant.accountId, { hostId: host, id: 5550001111, start_time: '2026-03-08T09:00:00Z', durationMinutes: 30 });
    expect(older.uuid).not.toBe(newer.uuid);
    expect((await api(tenant, token, '/meetings/5550001111/recordings')).body.uuid).toBe(newer.uuid);
    expect(await api(tenant, token, '/meetings/1234/recordings')).toMatchObject({ status: 404, body: { code: 3301 } });
  });

  it('adds participant audio files and a download_access_token on request', async () => {
    const m = await sim.control.addMeeting(tenant.accountId, { hostId: truth.users[0]!.id, start_time: '2026-03-09T09:00:00Z', participants: 2, individualAudio: true });
    const res = await api(tenant, token, `/meetings/${encodeUuid(m.uuid)}/recordings?include_fields=download_access_token&ttl=600`);
    expect(res.body.participant_audio_files).toHaveLength(3);
    expect(res.body.recording_count).toBe(res.body.recording_files.length + 3);
    const file = res.body.participant_audio_files[0];
    const dl = await fetch(file.download_url, { headers: { authorization: `Bearer ${res.body.download_access_token}` } });
    expect(dl.headers.get('content-type')).toBe('audio/mp4');
    expect(Number(dl.headers.get('content-length'))).toBe(file.file_size);
    await dl.arrayBuffer();
    expect((await api(tenant, token, `/meetings/${encodeUuid(m.uuid)}/recordings?ttl=999999`)).status).toBe(400);
  });
});

describe('downloads', () => {
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

  it('serves exactly file_size bytes whose SHA-256 is the ground truth', async () => {
    const files = truth.meetings.filter((m) => m.recorded).flatMap((m) => m.files).filter((f) => f.status === 'completed').slice(0, 8);
    for (const f of files) {
      const res = await fetch(f.download_url, { headers: { authorization: `Bearer ${token}` } });
      const body = Buffer.from(await res.arrayBuffer());
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(f.content_type);
      expect(body.length).toBe(f.file_size);
      expect(sha(body)).toBe(f.sha256);
    }
  });

  it('answers Range: bytes=N- with 206 and the tail of the same bytes', async () => {
    const f = truth.meetings.flatMap((m) => m.files).find((x) => x.file_type === 'MP4' && x.status === 'completed')!;
    const whole = Buffer.from(await (await fetch(f.download_url, { headers: { authorization: `Bearer ${token}` } })).arrayBuffer());
    const from = 70_001;
    const res = await fetch(f.download_url, { headers: { authorization: `Bearer ${token}`, range: `bytes=${from}-` } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes ${from}-${f.file_size - 1}/${f.file_size}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(whole.subarray(from))).toBe(true);
    const past = await fetch(f.download_url, { headers: { authorization: `Bearer ${token}`, range: `bytes=${f.file_size}-` } });
    expect(past.status).toBe(416);
  });

  it('answers 200 with an HTML page without a valid token, for deleted and for processing files', async () => {
    const f = truth.meetings.flatMap((m) => m.files).find((x) => x.kind === 'recording' && x.status === 'completed')!;
    for (const headers of [{}, { authorization: 'Bearer nope' }] as Record<string, string>[]) {
      const res = await fetch(f.download_url, { headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toContain('<html');
    }
    const m = await sim.control.addMeeting(tenant.accountId, { hostId: truth.users[0]!.id, start_time: '2026-03-09T15:00:00Z', processing: true });
    const processing = m.files.find((x) => x.status === 'processing')!;
    expect((await fetch(processing.download_url, { headers: { authorization: `Bearer ${token}` } })).headers.get('content-type')).toMatch(/^text\/html/);
    expect(await sim.control.completeProcessing(tenant.accountId, [processing.id])).toEqual([processing.id]);
    const done = await fetch(processing.download_url, { headers: { authorization: `Bearer ${token}` } });
    expect(sha(Buffer.from(await done.arrayBuffer()))).toBe(processing.sha256);
  });

  it('accepts a webhook download token in ?access_token=', async () => {
    const delivery = sim.control.sendWebhook(tenant.accountId, 'recording.completed', { url: 'http://127.0.0.1:1/unused' });
    const body = JSON.parse((await delivery).body) as { download_token: string; payload: { object: { recording_files: { download_url: string; file_size?: number; status: string }[] } } };
    const file = body.payload.object.recording_files.find((x) => x.file_size !== undefined && x.status === 'completed')!;
    expect(file.download_url).toContain('/rec/webhook_download/');
    const res = await fetch(`${file.download_url}?access_token=${body.download_token}`);
    expect(res.headers.get('content-type')).not.toMatch(/html/);
    expect(Buffer.from(await res.arrayBuffer()).length).toBe(file.file_size);
  });
});

describe('ground truth, counters and determinism', () => {
  it('is a pure function of the seed', async () => {
    const again = await startTestSimulator({ seed: 7, tenants: [{ users: 6, inactiveUsers: 2, meetingsPerDay: 6, days: 10, oddUuidShare: 0.3 }] });
    try {
      const other = await again.control.groundTruth(again.tenants[0]!.accountId);
      expect(again.tenants[0]!.clientSecret).toBe(tenant.clientSecret);
      expect(other.meetings.map((m) => [m.uuid, m.files.map((f) => f.sha256)])).toEqual(truth.meetings.map((m) => [m.uuid, m.files.map((f) => f.sha256)]));
    } finally {
      await again.close();
    }
  });

  it('lists held-but-unrecorded meetings and calls', () => {
    expect(truth.notRecorded.meetings.length).toBeGreaterThan(0);
    for (const uuid of truth.notRecorded.meetings) expect(truth.meetings.find((m) => m.uuid === uuid)!.files).toHaveLength(0);
    expect(truth.meetings.every((m) => Date.parse(m.end_time) <= Date.parse(START))).toBe(true);
  });

  it('counts calls per endpoint template, category and tenant', async () => {
    await sim.control.resetCounters();
    await api(tenant, token, '/users');
    await api(tenant, token, `/users/${truth.users[0]!.id}/recordings`);
    await api(tenant, token, `/users/${truth.users[1]!.id}/recordings`);
    const c = await sim.control.getCounters();
    expect(c.endpoints['GET /users']).toBe(1);
    expect(c.endpoints['GET /users/{userId}/recordings']).toBe(2);
    expect(c.categories.medium).toBe(3);
    expect(c.tenants[tenant.accountId]).toBe(3);
  });
});
