import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GroundTruthFile, RunningSimulator, SimTenantCredentials } from '../../src/simulator/index.js';
import { api, getToken, startTestSimulator } from './helpers.js';

let sim: RunningSimulator;
let t: SimTenantCredentials;
let token: string;
let file: GroundTruthFile;
const off = { serverError: 0, connectionReset: 0, truncatedBody: 0, slowBody: 0, tokenRevoked: 0, pageTokenExpired: 0, rateLimitStorm: 0, targets: 'all' as const };

beforeAll(async () => {
  sim = await startTestSimulator({ seed: 3, tenants: [{ users: 4, days: 3 }] });
  t = sim.tenants[0]!;
  token = await getToken(t);
  const truth = await sim.control.groundTruth(t.accountId);
  file = truth.meetings.flatMap((m) => m.files).find((f) => f.file_type === 'MP4' && f.status === 'completed' && f.file_size > 200_000)!;
});
afterAll(async () => sim.close());
beforeEach(async () => {
  await sim.control.setFaults(off);
});

async function download(): Promise<{ error: unknown; bytes: number; status: number }> {
  let bytes = 0;
  let status = 0;
  try {
    const res = await request(file.download_url, { headers: { authorization: `Bearer ${token}` } });
    status = res.statusCode;
    for await (const chunk of res.body) bytes += (chunk as Buffer).length;
    return { error: null, bytes, status };
  } catch (error) {
    return { error, bytes, status };
  }
}

describe('faults', () => {
  it('serverError answers 5xx', async () => {
    await sim.control.setFaults({ serverError: 1 });
    const res = await api(t, token, '/users');
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect((await sim.control.getCounters()).faults.serverError).toBeGreaterThan(0);
  });

  it('connectionReset breaks a download mid-body', async () => {
    await sim.control.setFaults({ connectionReset: 1, targets: 'downloads' });
    const r = await download();
    expect(r.status).toBe(200);
    expect(r.error).not.toBeNull();
    expect(r.bytes).toBeLessThan(file.file_size);
  });

  it('truncatedBody closes the connection before Content-Length is reached', async () => {
    await sim.control.setFaults({ truncatedBody: 1 });
    const r = await download();
    expect(r.error).not.toBeNull();
    expect(r.bytes).toBeLessThan(file.file_size);
    const json = await request(`${t.apiBaseUrl}/users`, { headers: { authorization: `Bearer ${token}` } }).then((res) => res.body.text()).catch((e: unknown) => e);
    expect(json).toBeInstanceOf(Error);
  });

  it('slowBody delays the body but delivers it whole', async () => {
    await sim.control.setFaults({ slowBody: 1, slowBodyDelayMs: 600 });
    const started = Date.now();
    const r = await download();
    expect(r.error).toBeNull();
    expect(r.bytes).toBe(file.file_size);
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
  });

  it('tokenRevoked makes a live token fail with 401/124 from then on', async () => {
    const own = await getToken(t);
    await sim.control.setFaults({ tokenRevoked: 1 });
    expect(await api(t, own, '/users')).toMatchObject({ status: 401, body: { code: 124 } });
    await sim.control.setFaults(off);
    expect((await api(t, own, '/users')).status).toBe(401);
    expect((await api(t, await getToken(t), '/users')).status).toBe(200);
  });

  it('pageTokenExpired refuses a valid next_page_token', async () => {
    const first = await api(t, token, '/users?page_size=1');
    await sim.control.setFaults({ pageTokenExpired: 1 });
    expect((await api(t, token, '/users?page_size=1')).status).toBe(200);
    expect(await api(t, token, `/users?page_size=1&next_page_token=${first.body.next_page_token}`)).toMatchObject({ status: 400, body: { code: 300 } });
  });

  it('rateLimitStorm answers QPS 429s below the limit, at the configured rate', async () => {
    await sim.control.setFaults({ rateLimitStorm: 0.5, targets: 'api' });
    const results = [];
    for (let i = 0; i < 40; i++) results.push((await api(t, token, '/users')).status);
    const limited = results.filter((s) => s === 429).length;
    expect(limited).toBeGreaterThan(5);
    expect(limited).toBeLessThan(35);
    // Downloads are not targeted.
    await sim.control.setFaults({ serverError: 1, targets: 'api' });
    expect((await download()).bytes).toBe(file.file_size);
  });
});
