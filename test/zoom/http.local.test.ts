/**
 * Client behaviour against a small local server, for answers the simulator never gives: error
 * bodies of every mapping, schema breaks, redirects, a daily-limit 429 without Retry-After or
 * X-RateLimit-Type. The daily limit as the simulator's real heavy quota sends it is tested in
 * rate-limits.sim.test.ts, and a "no retry" here is counted by the server (apiCalls), not waited for.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ZoomAuthError,
  ZoomBadResponseError,
  ZoomDailyLimitError,
  ZoomNotFoundError,
  ZoomRateLimitedError,
  ZoomRequestError,
  ZoomServerError,
  createZoomClient,
  type Clock,
  type ZoomClientDeps,
} from '../../src/zoom/index.js';
import { DEFAULT_RETRY } from '../../src/zoom/http.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let base: string;
let handler: Handler;
let apiCalls: string[];

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith('/oauth/token')) return json(res, 200, { access_token: 'tok', token_type: 'bearer', expires_in: 3600 });
    apiCalls.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  apiCalls = [];
});

/** A clock fixed at `iso` whose sleeps are real but short. */
const fixedClock = (iso: string): Clock => ({ now: () => new Date(iso), sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))) });

const client = (deps: ZoomClientDeps = {}) =>
  createZoomClient(
    { tenantId: 'acme', accountId: 'A', clientId: 'C', clientSecret: 'S3CRET', plan: 'business', apiBaseUrl: `${base}/v2`, oauthTokenUrl: `${base}/oauth/token`, downloadHosts: ['127.0.0.1'] },
    { retry: { serverBackoffMs: 5 }, ...deps },
  );

describe('daily-limit 429', () => {
  it('surfaces as ZoomDailyLimitError at Zoom’s Retry-After date and stops the shared quota locally', async () => {
    handler = (_req, res) =>
      json(res, 429, { code: 429, message: 'You have reached the maximum daily rate limit for this API.' }, { 'X-RateLimit-Type': 'Daily-limit', 'X-RateLimit-Category': 'Heavy', 'Retry-After': '2026-03-11T00:00:00Z' });
    const c = client({ clock: fixedClock('2026-03-10T23:59:50Z') });
    const err = await c.listDashboardParticipants('abc==').toArray().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZoomDailyLimitError);
    const e = err as ZoomDailyLimitError;
    expect(e.resetsAt.toISOString()).toBe('2026-03-11T00:00:00.000Z');
    expect(e.retryable).toBe(false);
    expect(e.toJSON()).toMatchObject({ type: 'ZoomDailyLimitError', tenant: 'acme', resetsAt: '2026-03-11T00:00:00.000Z', httpStatus: 429 });
    // Heavy and resource-intensive share the quota: neither goes out again before the reset.
    await expect(c.listDashboardMeetings({ from: '2026-03-01', to: '2026-03-10' }).toArray()).rejects.toBeInstanceOf(ZoomDailyLimitError);
    expect(apiCalls).toHaveLength(1);
    await c.close();
  });

  it('resets at the next 00:00 UTC when Retry-After is absent, recognised by the message alone', async () => {
    handler = (_req, res) => json(res, 429, { code: 429, message: 'You have reached the maximum daily rate limit for this API.' });
    const c = client({ clock: fixedClock('2026-03-10T15:00:00Z') });
    const err = await c.listPhoneCallHistory({ from: '2026-03-01', to: '2026-03-02' }).toArray().catch((e: unknown) => e);
    expect((err as ZoomDailyLimitError).resetsAt.toISOString()).toBe('2026-03-11T00:00:00.000Z');
    await c.close();
  });
});

describe('error mapping', () => {
  // Calls the server received for one client call: 1 means no retry (counted by the server once
  // the client call has ended, so no retry can still be pending); a 5xx is retried the client's
  // configured serverRetries times (the default: client() above sets only the backoff).
  const SERVER_RETRIES = DEFAULT_RETRY.serverRetries;
  const cases: [string, number, unknown, Record<string, string>, new (...a: never[]) => Error, boolean, number][] = [
    ['not found by status', 404, { code: 3301, message: 'There is no recording for this meeting.' }, {}, ZoomNotFoundError, false, 1],
    ['not found sent as 400', 400, { code: 1001, message: 'User does not exist' }, {}, ZoomNotFoundError, false, 1],
    ['missing scope', 400, { code: 4711, message: 'Invalid access token, does not contain scopes:[x]' }, {}, ZoomAuthError, false, 1],
    ['validation', 400, { code: 300, message: 'Invalid field.' }, {}, ZoomRequestError, false, 1],
    ['5xx after retries', 503, { code: 503, message: 'busy' }, {}, ZoomServerError, true, 1 + SERVER_RETRIES],
    ['QPS asking for too long a pause', 429, { code: 429, message: 'per-second' }, { 'X-RateLimit-Type': 'QPS', 'Retry-After': '3600' }, ZoomRateLimitedError, true, 1],
  ];
  for (const [name, status, body, headers, type, retryable, calls] of cases) {
    it(name, async () => {
      handler = (_req, res) => json(res, status, body, headers);
      const c = client();
      const err = await c.getMeetingRecordings('u==').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(type);
      expect((err as ZoomServerError).retryable).toBe(retryable);
      expect((err as ZoomServerError).endpoint).toBe('GET /meetings/u%3D%3D/recordings');
      expect(JSON.stringify(err)).not.toContain('S3CRET');
      expect(apiCalls).toHaveLength(calls);
      await c.close();
    });
  }

  it('refreshes the token once on 401/124, then reports the tenant', async () => {
    handler = (_req, res) => json(res, 401, { code: 124, message: 'Invalid access token.' });
    const c = client();
    const err = await c.getMeetingRecordings('u==').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZoomAuthError);
    expect((err as Error).message).toContain('tenant "acme"');
    expect(apiCalls).toHaveLength(2);
    expect(c.tokens.requests).toBe(2);
    await c.close();
  });

  it('names endpoint and field of a response that breaks the schema', async () => {
    handler = (_req, res) => json(res, 200, { uuid: 'u==', id: 1, host_id: 'h', topic: 't', type: 2, start_time: 'x', duration: 3, recording_files: [{ meeting_id: 'u==', file_type: 'MP4', file_size: 'big' }], extra: true });
    const c = client();
    const err = await c.getMeetingRecordings('u==').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZoomBadResponseError);
    expect((err as Error).message).toMatch(/GET \/meetings\/u%3D%3D\/recordings.*field "recording_files\[0\]\.file_size"/);
    await c.close();
  });

  it('tolerates unknown fields and enum values', async () => {
    handler = (_req, res) =>
      json(res, 200, { uuid: 'u==', id: 1, host_id: 'h', topic: 't', type: '2', start_time: 'x', duration: 3, brand_new: { a: 1 }, recording_files: [{ meeting_id: 'u==', file_type: 'HOLOGRAM', recording_type: 'future_view' }] });
    const c = client();
    const rec = await c.getMeetingRecordings('u==');
    expect(rec.recording_files[0]?.file_type).toBe('HOLOGRAM');
    expect((rec as Record<string, unknown>).brand_new).toEqual({ a: 1 });
    await c.close();
  });
});

describe('download redirects', () => {
  it('follows a redirect within the allowed hosts and refuses one that leaves them', async () => {
    handler = (req, res) => {
      if (req.url === '/rec/download/a') return res.writeHead(302, { location: '/files/a' }).end();
      if (req.url === '/rec/download/b') return res.writeHead(302, { location: 'http://attacker.example/steal' }).end();
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '4' }).end('abcd');
    };
    const c = client();
    const ok = await c.downloadFile({ url: `${base}/rec/download/a`, expectedSize: 4 });
    const chunks: Buffer[] = [];
    for await (const ch of ok.stream) chunks.push(ch as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('abcd');
    await expect(c.downloadFile({ url: `${base}/rec/download/b`, expectedSize: 4 })).rejects.toThrow(/attacker\.example.*not allowed/);
    await c.close();
  });

  it('refuses a 200 to a Range request and a body longer than file_size', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'video/mp4' }).end('abcdefgh');
    const c = client();
    await expect(c.downloadFile({ url: `${base}/rec/download/x`, expectedSize: 8, offset: 2 })).rejects.toThrow(/Range ignored/);
    const res = await c.downloadFile({ url: `${base}/rec/download/x`, expectedSize: 4 });
    await expect((async () => {
      for await (const _ of res.stream) void _;
    })()).rejects.toThrow(/more bytes than file_size/);
    await c.close();
  });
});
