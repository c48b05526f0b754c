import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey, parseApiTokens } from '../../src/api/access.js';
import { createApiServer } from '../../src/api/server.js';
import { listApiKeys, listAudit, revokeApiKey } from '../../src/db/queries/api-access.js';
import { upsertTenant } from '../../src/db/queries/tenants.js';
import { startTestApi, type TestApi } from './helpers.js';

// The support API's access control on the real server: API keys from the database (hashed, with a
// role and maybe a tenant list), API_TOKENS from the environment, 401 vs 403, the audit log of
// every mutating call, and the per-key rate limit.

let api: TestApi;
let viewer: string;
let operator: string;
let acmeOperator: string;

const tenantInput = (id: string) => ({ id, name: id, zoomAccountId: `acc-${id}`, zoomClientId: 'cid', zoomClientSecret: 'secret', archivingEnabled: true });

beforeAll(async () => {
  api = await startTestApi('api-access', { apiTokens: parseApiTokens(' support-token-1 , ,support-token-2') });
  await upsertTenant(api.database.db, api.secrets, tenantInput('acme'));
  await upsertTenant(api.database.db, api.secrets, tenantInput('globex'));
  viewer = (await issueApiKey(api.database.db, { name: 'vera', role: 'viewer', tenants: null })).token;
  operator = (await issueApiKey(api.database.db, { name: 'otto', role: 'operator', tenants: null })).token;
  acmeOperator = (await issueApiKey(api.database.db, { name: 'ada', role: 'operator', tenants: ['acme'] })).token;
});
afterAll(async () => {
  await api?.close();
});

const call = (method: string, path: string, token?: string, body?: unknown) => fetch(`${api.baseUrl}${path}`, {
  method,
  headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});
const pause = { note: 'maintenance window' };

describe('support API authentication', () => {
  it('answers 401 with a JSON error without a key, to a wrong one, another scheme or a prefix of a right one', async () => {
    const none = await call('GET', '/api/tenants');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.json()).toEqual({ error: 'missing bearer token: send Authorization: Bearer <API key>' });
    for (const authorization of ['Bearer nope', 'Basic c3VwcG9ydC10b2tlbi0x', 'Bearer support-token-', 'Bearer support-token-1x', 'support-token-1', `Bearer ${viewer.slice(0, -1)}x`, `Bearer ${viewer}x`]) {
      const res = await fetch(`${api.baseUrl}/api/tenants`, { headers: { authorization } });
      expect(res.status, authorization).toBe(401);
      expect((await res.json()) as unknown).toHaveProperty('error');
    }
  });

  it('lets in the database keys and every API_TOKENS token', async () => {
    for (const token of [viewer, operator, 'support-token-1', 'support-token-2']) {
      const res = await call('GET', '/api/tenants', token);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { tenants: { id: string }[] }).tenants.map((t) => t.id)).toEqual(['acme', 'globex']);
    }
  });

  it('stores a key as the SHA-256 of its secret only', async () => {
    const rows = await listApiKeys(api.database.db);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const stored = JSON.stringify(rows);
    for (const token of [viewer, operator]) expect(stored).not.toContain(token.split('_')[2]);
  });

  it('keeps /healthz, /readyz, /openapi.json and /docs open, and does not put webhooks behind a key', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
    const ready = await call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: { ok: true }, temporal: { ok: true } });
    const doc = await (await call('GET', '/openapi.json')).json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/tenants/{tenant}/recovery/timeframe', '/api/tenants/{tenant}/recovery/meetings', '/api/tenants/{tenant}/schedules/{schedule}/pause']));
    expect((await call('GET', '/docs/')).status).toBe(200);
    const webhook = await fetch(`${api.baseUrl}/webhooks/zoom/nobody`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(webhook.status).toBe(404);
  });

  it('refuses an empty bearer and every key once API_TOKENS is empty and the database holds none that match', async () => {
    const app = createApiServer({ db: api.database.db, secrets: api.secrets, temporal: { client: api.temporal.client, taskQueue: api.temporal.taskQueue }, apiTokens: [] });
    const res = await app.inject({ method: 'GET', url: '/api/tenants', headers: { authorization: 'Bearer support-token-1' } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'invalid API key' });
    await app.close();
  });

  it('reads API_TOKENS as a comma-separated list', () => {
    expect(parseApiTokens(undefined)).toEqual([]);
    expect(parseApiTokens('a,b , c,')).toEqual(['a', 'b', 'c']);
  });
});

describe('roles and tenants', () => {
  it('a viewer reads but may not act (403); an operator acts', async () => {
    expect((await call('GET', '/api/tenants/acme/status', viewer)).status).toBe(200);
    const refused = await call('POST', '/api/tenants/acme/schedules/archiving/pause', viewer, pause);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: "this needs an operator key; 'vera' is a viewer" });
    // The operator gets past access control: the tenant has no schedule here, so the answer is a 404 naming it.
    const allowed = await call('POST', '/api/tenants/acme/schedules/archiving/pause', operator, pause);
    expect(allowed.status).toBe(404);
    expect(((await allowed.json()) as { error: string }).error).toMatch(/has no archiving schedule/);
  });

  it('a key limited to tenants sees only them, and is refused the others with 403', async () => {
    const listed = await (await call('GET', '/api/tenants', acmeOperator)).json() as { tenants: { id: string }[] };
    expect(listed.tenants.map((t) => t.id)).toEqual(['acme']);
    expect((await call('GET', '/api/tenants/acme/status', acmeOperator)).status).toBe(200);
    const other = await call('GET', '/api/tenants/globex/status', acmeOperator);
    expect(other.status).toBe(403);
    expect(await other.json()).toEqual({ error: "the key 'ada' may not act on tenant 'globex'" });
  });

  it('answers 404 for an unknown tenant and 400 naming the field for a bad one', async () => {
    const unknown = await call('GET', '/api/tenants/nobody/status', viewer);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: "unknown tenant 'nobody'" });
    const bad = await call('GET', '/api/tenants/Not_A_Slug/status', viewer);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { details: string[] }).details[0]).toMatch(/^params\.tenant: /);
  });

  it('rotates without downtime: old and new keys both work until the old one is revoked', async () => {
    const old = await issueApiKey(api.database.db, { name: 'rotating', role: 'viewer', tenants: null });
    const next = await issueApiKey(api.database.db, { name: 'rotating', role: 'viewer', tenants: null });
    expect((await call('GET', '/api/tenants', old.token)).status).toBe(200);
    expect((await call('GET', '/api/tenants', next.token)).status).toBe(200);
    await revokeApiKey(api.database.db, old.id);
    expect((await call('GET', '/api/tenants', old.token)).status).toBe(401);
    expect((await call('GET', '/api/tenants', next.token)).status).toBe(200);
  });
});

describe('audit log and bad input', () => {
  it('writes every mutating call (who, what, when, how it ended), refused ones included, and no read', async () => {
    const seen = new Set((await listAudit(api.database.db, { limit: 1000 })).map((e) => e.id));
    await call('POST', '/api/tenants/acme/schedules/archiving/pause', viewer, pause);
    await call('POST', '/api/tenants/acme/schedules/archiving/trigger', operator);
    await call('GET', '/api/tenants/acme/status', operator);
    const entries = (await listAudit(api.database.db, { tenantId: 'acme', limit: 10 })).filter((e) => !seen.has(e.id));
    expect(entries.map((e) => [e.keyName, e.method, e.route, e.statusCode])).toEqual([
      ['otto', 'POST', '/api/tenants/:tenant/schedules/:schedule/trigger', 404],
      ['vera', 'POST', '/api/tenants/:tenant/schedules/:schedule/pause', 403],
    ]);
    // Refused before its body was read: the audit names what was asked of which tenant.
    expect(entries[1]!.details).toMatchObject({ params: { tenant: 'acme', schedule: 'archiving' } });
  });

  it('answers 415 to a body of the wrong type, 413 to one too large, 400 to malformed JSON, all as { error }', async () => {
    const wrongType = await fetch(`${api.baseUrl}/api/tenants/acme/recovery/timeframe`, { method: 'POST', headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/xml' }, body: '<a/>' });
    expect(wrongType.status).toBe(415);
    expect((await wrongType.json()) as object).toHaveProperty('error');
    const tooLarge = await fetch(`${api.baseUrl}/api/tenants/acme/recovery/meetings`, { method: 'POST', headers: { authorization: `Bearer ${operator}`, 'content-type': 'text/csv' }, body: '85746065432\n'.repeat(100_000) });
    expect(tooLarge.status).toBe(413);
    expect((await tooLarge.json()) as object).toHaveProperty('error');
    const malformed = await fetch(`${api.baseUrl}/api/tenants/acme/recovery/timeframe`, { method: 'POST', headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' }, body: '{"source":' });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()) as object).toHaveProperty('error');
    const missing = await call('POST', '/api/tenants/acme/recovery/timeframe', operator, { source: 'archiving', from: 'yesterday' });
    expect(missing.status).toBe(400);
    const { details } = await missing.json() as { details: string[] };
    expect(details.some((d) => d.startsWith('body.from'))).toBe(true);
    expect(details.some((d) => d.startsWith('body.to'))).toBe(true);
  });

  it('limits each key to its rate, with 429 and Retry-After, without touching other keys', async () => {
    const limited = await startTestApi('api-rate', { apiTokens: ['burst-a', 'burst-b'], rateLimitPerMinute: 5 });
    try {
      const statuses = [];
      for (let i = 0; i < 7; i++) statuses.push((await fetch(`${limited.baseUrl}/api/tenants`, { headers: { authorization: 'Bearer burst-a' } })).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      const refused = await fetch(`${limited.baseUrl}/api/tenants`, { headers: { authorization: 'Bearer burst-a' } });
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await refused.json()) as { error: string }).error).toMatch(/too many requests/);
      expect((await fetch(`${limited.baseUrl}/api/tenants`, { headers: { authorization: 'Bearer burst-b' } })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
