import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseApiTokens } from '../../src/api/auth.js';
import { createApiServer } from '../../src/api/server.js';
import { startTestApi, type TestApi } from './helpers.js';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi('api-auth', { apiTokens: parseApiTokens(' support-token-1 , ,support-token-2') });
});
afterAll(async () => {
  await api?.close();
});

const get = (path: string, authorization?: string) =>
  fetch(`${api.baseUrl}${path}`, authorization ? { headers: { authorization } } : {});

describe('support API authentication', () => {
  it('answers 401 with a JSON error without a token', async () => {
    const res = await get('/api/tenants');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.json()).toEqual({ error: 'missing bearer token: send Authorization: Bearer <token>' });
  });

  it('answers 401 to a wrong token, another scheme, or a prefix of a right one', async () => {
    for (const authorization of ['Bearer nope', 'Basic c3VwcG9ydC10b2tlbi0x', 'Bearer support-token-', 'Bearer support-token-1x', 'support-token-1']) {
      const res = await get('/api/tenants', authorization);
      expect(res.status, authorization).toBe(401);
      expect((await res.json()) as unknown).toHaveProperty('error');
    }
  });

  it('lets every configured token in', async () => {
    for (const token of ['support-token-1', 'support-token-2']) {
      const res = await get('/api/tenants', `Bearer ${token}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ tenants: [] });
    }
  });

  it('keeps the health check open and does not put webhooks behind the token', async () => {
    expect((await get('/healthz')).status).toBe(200);
    const webhook = await fetch(`${api.baseUrl}/webhooks/zoom/nobody`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(webhook.status).toBe(404);
  });

  it('refuses everything when no token is configured', async () => {
    const app = createApiServer({ db: api.database.db, secrets: api.secrets, temporal: { client: api.temporal.client, taskQueue: api.temporal.taskQueue }, apiTokens: [] });
    const res = await app.inject({ method: 'GET', url: '/api/tenants', headers: { authorization: 'Bearer ' } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'the support API has no tokens configured: set API_TOKENS on the server' });
    await app.close();
  });

  it('reads API_TOKENS as a comma-separated list', () => {
    expect(parseApiTokens(undefined)).toEqual([]);
    expect(parseApiTokens('a,b , c,')).toEqual(['a', 'b', 'c']);
  });
});
