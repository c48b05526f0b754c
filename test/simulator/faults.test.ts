import { createHash } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GroundTruthFile, RunningSimulator, SimTenantCredentials } from '../../src/simulator/index.js';
import { api, getToken, startTestSimulator } from './helpers.js';

// Each fault type is switched on alone (rate 1, or 0.5 for the storm) and observed with its own
// effect over HTTP: the status and body it answers, where the body stops and how the connection
// ends, how long the body takes. The simulator's fault counters must name exactly that fault, so
// a fault that silently turned into another (or into nothing) fails here.

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
  await sim.control.resetCounters();
});

interface Download {
  status: number;
  contentLength: number | null;
  bytes: number;
  sha256: string;
  /** undici's error code when the body broke (ECONNRESET for an RST, UND_ERR_SOCKET for a close). */
  errorCode: string | null;
  ms: number;
}

async function download(): Promise<Download> {
  const started = performance.now();
  const hash = createHash('sha256');
  let bytes = 0;
  let status = 0;
  let contentLength: number | null = null;
  try {
    const res = await request(file.download_url, { headers: { authorization: `Bearer ${token}` } });
    status = res.statusCode;
    contentLength = res.headers['content-length'] === undefined ? null : Number(res.headers['content-length']);
    for await (const chunk of res.body) {
      bytes += (chunk as Buffer).length;
      hash.update(chunk as Buffer);
    }
    return { status, contentLength, bytes, sha256: hash.digest('hex'), errorCode: null, ms: performance.now() - started };
  } catch (error) {
    return { status, contentLength, bytes, sha256: hash.digest('hex'), errorCode: String((error as { code?: unknown }).code), ms: performance.now() - started };
  }
}

/** The simulator's fault counters: exactly the named faults, nothing else. */
const faultsCounted = async () => (await sim.control.getCounters()).faults;

describe('faults', () => {
  it("serverError answers 500 with Zoom's JSON error instead of the answer", async () => {
    await sim.control.setFaults({ serverError: 1 });
    const res = await api(t, token, '/users');
    expect(res).toMatchObject({ status: 500, body: { code: 500, message: 'Internal Server Error' } });
    expect(res.body).not.toHaveProperty('users');
    expect(await faultsCounted()).toEqual({ serverError: 1 });
  });

  it('connectionReset sends the headers and at most half the body, then a TCP reset', async () => {
    await sim.control.setFaults({ connectionReset: 1, targets: 'downloads' });
    const r = await download();
    expect(r.status).toBe(200);
    // Content-Length promised the whole file: the break is the fault, not a short file.
    expect(r.contentLength).toBe(file.file_size);
    expect(r.errorCode).toBe('ECONNRESET');
    // The simulator cuts at half; an RST may discard some of what was in flight, never add to it.
    expect(r.bytes).toBeLessThanOrEqual(Math.floor(file.file_size / 2));
    const counters = await sim.control.getCounters();
    expect(counters.downloads).toEqual({ requests: 1, bytes: Math.floor(file.file_size / 2) });
    expect(counters.faults).toEqual({ connectionReset: 1 });
  });

  it('truncatedBody closes the connection cleanly at half of Content-Length', async () => {
    await sim.control.setFaults({ truncatedBody: 1 });
    const r = await download();
    expect(r.status).toBe(200);
    expect(r.contentLength).toBe(file.file_size);
    // A clean close (FIN) delivers everything sent: exactly the first half, then "other side closed".
    expect(r.errorCode).toBe('UND_ERR_SOCKET');
    expect(r.bytes).toBe(Math.floor(file.file_size / 2));
    // API bodies are cut too: half a JSON document does not parse.
    const json = await request(`${t.apiBaseUrl}/users`, { headers: { authorization: `Bearer ${token}` } }).then((res) => res.body.text()).catch((e: unknown) => e);
    expect(json).toBeInstanceOf(Error);
    expect(await faultsCounted()).toEqual({ truncatedBody: 2 });
  });

  it('slowBody delays the body by slowBodyDelayMs but delivers it whole', async () => {
    const delayMs = 600;
    await sim.control.setFaults({ slowBody: 1, slowBodyDelayMs: delayMs });
    const r = await download();
    expect(r).toMatchObject({ status: 200, errorCode: null, bytes: file.file_size, sha256: file.sha256 });
    // A lower bound only, and a safe one: the body is held back by two timers of delayMs/2 that
    // never fire early (2 ms allowed for millisecond rounding). A slow machine only adds to it.
    expect(r.ms).toBeGreaterThanOrEqual(delayMs - 2);
    expect(await faultsCounted()).toEqual({ slowBody: 1 });
  });

  it('tokenRevoked makes a live token fail with 401/124 from then on', async () => {
    const own = await getToken(t);
    expect((await api(t, own, '/users')).status).toBe(200);
    await sim.control.setFaults({ tokenRevoked: 1 });
    expect(await api(t, own, '/users')).toMatchObject({ status: 401, body: { code: 124 } });
    expect(await faultsCounted()).toEqual({ tokenRevoked: 1 });
    await sim.control.setFaults(off);
    // Revoked for the rest of its life, although the fault is off now; a new token works.
    expect(await api(t, own, '/users')).toMatchObject({ status: 401, body: { code: 124 } });
    expect((await api(t, await getToken(t), '/users')).status).toBe(200);
    expect(await faultsCounted()).toEqual({ tokenRevoked: 1 });
  });

  it('pageTokenExpired refuses a valid next_page_token with 400/300', async () => {
    const first = await api(t, token, '/users?page_size=1');
    const next = first.body.next_page_token as string;
    expect(next).not.toBe('');
    await sim.control.setFaults({ pageTokenExpired: 1 });
    // A first page carries no page token: the fault cannot touch it.
    expect((await api(t, token, '/users?page_size=1')).status).toBe(200);
    expect(await api(t, token, `/users?page_size=1&next_page_token=${next}`)).toMatchObject({
      status: 400, body: { code: 300, message: 'The next page token is either invalid or expired.' },
    });
    expect(await faultsCounted()).toEqual({ pageTokenExpired: 1 });
    // The same token, fault off: it was valid all along, the refusal was the fault's.
    await sim.control.setFaults(off);
    const second = await api(t, token, `/users?page_size=1&next_page_token=${next}`);
    expect(second.status).toBe(200);
    expect(second.body.users).toHaveLength(1);
    expect(second.body.users[0].id).not.toBe(first.body.users[0].id);
  });

  it("rateLimitStorm answers QPS 429s with Zoom's headers below the limit, at the configured rate", async () => {
    await sim.control.setFaults({ rateLimitStorm: 0.5, targets: 'api' });
    const results = [];
    for (let i = 0; i < 40; i++) results.push(await api(t, token, '/users'));
    const limited = results.filter((r) => r.status === 429);
    expect(results.filter((r) => r.status !== 429).every((r) => r.status === 200)).toBe(true);
    // 40 rolls at p = 0.5 (seeded dice): outside 6..34 has a probability of about 1e-6.
    expect(limited.length).toBeGreaterThan(5);
    expect(limited.length).toBeLessThan(35);
    for (const r of limited) {
      expect(r.body).toEqual({ code: 429, message: 'You have reached the maximum per-second rate limit for this API. Try again later.' });
      expect(Object.fromEntries(['x-ratelimit-type', 'x-ratelimit-category', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'retry-after'].map((h) => [h, r.headers.get(h)]))).toEqual({
        'x-ratelimit-type': 'QPS', 'x-ratelimit-category': 'Medium', 'x-ratelimit-limit': '1', 'x-ratelimit-remaining': '0', 'retry-after': '1',
      });
    }
    // Every 429 was the storm's: 40 medium calls in all are fewer than the business plan's 60 per
    // second, so the real limiter cannot have refused one (its 429s would count QPS without a storm).
    const counters = await sim.control.getCounters();
    expect(counters.faults).toEqual({ rateLimitStorm: limited.length });
    expect(counters.rateLimited).toEqual({ QPS: limited.length, 'Daily-limit': 0, total: limited.length });
  });

  it('targets: faults aimed at the API leave downloads alone', async () => {
    await sim.control.setFaults({ serverError: 1, targets: 'api' });
    expect((await api(t, token, '/users')).status).toBe(500);
    const r = await download();
    expect(r).toMatchObject({ status: 200, errorCode: null, bytes: file.file_size, sha256: file.sha256 });
    expect(await faultsCounted()).toEqual({ serverError: 1 });
  });
});
