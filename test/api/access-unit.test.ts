import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installAccessControl, issueApiKey, parseApiTokens, rateLimitKeyOf } from '../../src/api/access.js';
import { openDatabase, type Database, type OpenDatabase } from '../../src/db/client.js';
import { listApiKeys, listAudit, revokeApiKey } from '../../src/db/queries/api-access.js';

// Access control on its own (unit): the hooks of src/api/access.ts on a bare Fastify scope with
// two routes of each role, the product's database schema in an in-process PGlite (no server). The
// product's routes under the same rules are api/access.test.ts and api/roles.test.ts.

let database: OpenDatabase;
/** The rate-limit bucket of every request access control let spend, in order. */
const buckets: string[] = [];
let failRateLimit = false;
const STATIC = ['first-static-token', 'second-static-token'];
/** Shaped like a database key but in no database: listing it in API_TOKENS must not make it one. */
const KEY_SHAPED_STATIC = `za_000000000000_${'A'.repeat(43)}`;
/** Static tokens that hold a key's shape with something before or after it: static tokens all the same. */
const AROUND_KEY_SHAPE = [`x${KEY_SHAPED_STATIC}`, `${KEY_SHAPED_STATIC}x`];

function buildApp(db: Database, log: string[] = []): FastifyInstance {
  const server = Fastify({ logger: { level: 'error', stream: { write: (line: string) => void log.push(line) } } });
  void server.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    installAccessControl(scope, {
      db,
      staticTokens: [...STATIC, KEY_SHAPED_STATIC, ...AROUND_KEY_SHAPE],
      rateLimit: async (request) => {
        buckets.push(rateLimitKeyOf(request));
        if (failRateLimit) throw Object.assign(new Error('too many requests'), { statusCode: 429 });
      },
    });
    const whoami = async (request: FastifyRequest) => ({ principal: request.principal ?? null });
    scope.get('/t/:tenant/read', whoami);
    scope.get('/read', whoami);
    scope.post('/t/:tenant/act', { config: { role: 'operator' } }, whoami);
    scope.post('/act', { config: { role: 'operator' } }, whoami);
    scope.post('/t/:tenant/note', whoami);
  }, { prefix: '/api' });
  return server;
}

interface World {
  app: FastifyInstance;
  viewer: { id: string; token: string };
  operator: { id: string; token: string };
  acme: { id: string; token: string };
}
let world: Promise<World> | undefined;
/**
 * The keys and the app, made by the first test that needs them rather than in beforeAll: a
 * failure there fails that test (Stryker's vitest runner counts tests skipped by a failed
 * beforeAll as passing, so a mutant that broke the set-up would survive).
 */
const setUp = () => (world ??= (async () => {
  const made = {
    viewer: await issueApiKey(database.db, { name: 'vera', role: 'viewer', tenants: null }),
    operator: await issueApiKey(database.db, { name: 'otto', role: 'operator', tenants: null }),
    acme: await issueApiKey(database.db, { name: 'ada', role: 'operator', tenants: ['acme'] }),
    app: buildApp(database.db),
  };
  await made.app.ready();
  return made;
})());

beforeAll(async () => {
  database = await openDatabase();
});
afterAll(async () => {
  await (await world?.catch(() => undefined))?.app.close();
  await database?.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const get = async (url: string, headers: Record<string, string> = {}) => (await setUp()).app.inject({ method: 'GET', url, headers });
const post = async (url: string, headers: Record<string, string> = {}) => (await setUp()).app.inject({ method: 'POST', url, headers });
const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('issuing keys and reading API_TOKENS', () => {
  it('a key is za_<12 characters>_<43 characters>, stored by its id with the SHA-256 of its secret, its name, role and tenants', async () => {
    const made = await issueApiKey(database.db, { name: 'kim', role: 'viewer', tenants: ['acme', 'globex'] });
    const [, id, secret] = /^za_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/.exec(made.token) ?? [];
    expect(id).toBe(made.id);
    const row = (await listApiKeys(database.db)).find((k) => k.id === made.id);
    expect(row).toMatchObject({ name: 'kim', role: 'viewer', tenants: ['acme', 'globex'], secretSha256: sha256Hex(secret!), revokedAt: null, lastUsedAt: null });
    expect(JSON.stringify(row)).not.toContain(secret);
  });

  it('API_TOKENS: comma-separated, trimmed, blanks dropped', () => {
    expect(parseApiTokens(undefined)).toEqual([]);
    expect(parseApiTokens('')).toEqual([]);
    expect(parseApiTokens(' a , ,b,, c d ')).toEqual(['a', 'b', 'c d']);
  });

  it('a rate-limit bucket is the verified key\'s, else the client\'s address', () => {
    const principal = { keyId: 'k1', name: 'n', role: 'viewer' as const, tenants: null };
    expect(rateLimitKeyOf({ principal, ip: '10.0.0.1' } as FastifyRequest)).toBe('key:k1');
    expect(rateLimitKeyOf({ ip: '10.0.0.1' } as FastifyRequest)).toBe('ip:10.0.0.1');
  });
});

describe('authentication (401)', () => {
  it('no bearer token: 401 with a Bearer challenge, whatever else the header holds', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Basic Zmlyc3Qtc3RhdGljLXRva2Vu' }, { authorization: 'xBearer first-static-token' }, { authorization: 'Bearer a b' }, { authorization: 'Bearer ' }]) {
      const res = await get('/api/read', headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.json()).toEqual({ error: 'missing bearer token: send Authorization: Bearer <API key>' });
    }
  });

  it('a token that is no key: 401 invalid_token, for a wrong static token, an unknown id, a wrong secret and a revoked key', async () => {
    const { viewer } = await setUp();
    const revoked = await issueApiKey(database.db, { name: 'gone', role: 'operator', tenants: null });
    await revokeApiKey(database.db, revoked.id);
    const wrongSecret = `${viewer.token.slice(0, 16)}${'B'.repeat(43)}`;
    const unknownId = `za_zzzzzzzzzzzz_${viewer.token.slice(16)}`;
    for (const token of ['first-static-token-', 'first-static-toke', wrongSecret, unknownId, revoked.token, KEY_SHAPED_STATIC]) {
      const res = await get('/api/read', bearer(token));
      expect(res.statusCode, token).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      expect(res.json()).toEqual({ error: 'invalid API key' });
    }
  });

  it('a static token is an operator for every tenant, named by its place in API_TOKENS; the scheme\'s case and spaces do not matter', async () => {
    const first = await get('/api/t/acme/read', { authorization: 'bearer   first-static-token  ' });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ principal: { keyId: 'env-1', name: 'API_TOKENS #1', role: 'operator', tenants: null } });
    const second = await post('/api/t/globex/act', bearer('second-static-token'));
    expect(second.json()).toEqual({ principal: { keyId: 'env-2', name: 'API_TOKENS #2', role: 'operator', tenants: null } });
    // Only a whole token of a key's shape is looked up as a key; one with more around it is a static token.
    expect((await get('/api/read', bearer(AROUND_KEY_SHAPE[0]!))).json()).toMatchObject({ principal: { keyId: 'env-4' } });
    expect((await get('/api/read', bearer(AROUND_KEY_SHAPE[1]!))).json()).toMatchObject({ principal: { keyId: 'env-5' } });
  });

  it('a database key is its row\'s principal, and its use is recorded', async () => {
    const { acme } = await setUp();
    const before = (await listApiKeys(database.db)).find((k) => k.id === acme.id);
    expect(before?.lastUsedAt).toBeNull();
    const res = await get('/api/t/acme/read', bearer(acme.token));
    expect(res.json()).toEqual({ principal: { keyId: acme.id, name: 'ada', role: 'operator', tenants: ['acme'] } });
    const after = (await listApiKeys(database.db)).find((k) => k.id === acme.id);
    expect(after?.lastUsedAt).toBeInstanceOf(Date);
  });

  it('spends the rate limit of the verified key, or of the address when the key is refused, before answering; a spent limit stops the request', async () => {
    const { viewer } = await setUp();
    buckets.length = 0;
    await get('/api/read', bearer(viewer.token));
    await get('/api/read', bearer('nope'));
    await get('/api/read');
    await get('/api/read', bearer('second-static-token'));
    expect(buckets).toEqual([`key:${viewer.id}`, 'ip:127.0.0.1', 'ip:127.0.0.1', 'key:env-2']);
    failRateLimit = true;
    try {
      expect((await get('/api/read', bearer(viewer.token))).statusCode).toBe(429);
      expect((await get('/api/read')).statusCode).toBe(429);
    } finally {
      failRateLimit = false;
    }
  });
});

describe('roles and tenants (403)', () => {
  it('a viewer reads (a route without a role is a viewer\'s) but may not act', async () => {
    const { viewer, operator } = await setUp();
    expect((await get('/api/read', bearer(viewer.token))).statusCode).toBe(200);
    expect((await post('/api/t/acme/note', bearer(viewer.token))).statusCode).toBe(200);
    const refused = await post('/api/act', bearer(viewer.token));
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ error: "this needs an operator key; 'vera' is a viewer" });
    expect((await post('/api/act', bearer(operator.token))).statusCode).toBe(200);
  });

  it('a key limited to tenants acts on them and on routes of no tenant, and is refused the others', async () => {
    const { operator, acme } = await setUp();
    expect((await post('/api/t/acme/act', bearer(acme.token))).statusCode).toBe(200);
    expect((await post('/api/act', bearer(acme.token))).statusCode).toBe(200);
    expect((await get('/api/read', bearer(acme.token))).statusCode).toBe(200);
    const other = await get('/api/t/globex/read', bearer(acme.token));
    expect(other.statusCode).toBe(403);
    expect(other.json()).toEqual({ error: "the key 'ada' may not act on tenant 'globex'" });
    expect((await get('/api/t/globex/read', bearer(operator.token))).statusCode).toBe(200);
  });
});

describe('the audit log', () => {
  const newEntries = async (since: number) => (await listAudit(database.db, { limit: 1000 })).filter((e) => e.id > since).reverse();
  const lastId = async () => (await listAudit(database.db, { limit: 1 }))[0]?.id ?? 0;

  it('writes each answered mutating call by a known key (refused ones too) with its route, tenant and status; never a read or an unknown caller', async () => {
    const { app, viewer, operator } = await setUp();
    const since = await lastId();
    await get('/api/t/acme/read', bearer(operator.token));
    await app.inject({ method: 'HEAD', url: '/api/t/acme/read', headers: bearer(operator.token) });
    await post('/api/t/acme/act', bearer('nope'));
    await post('/api/t/acme/act', bearer(viewer.token));
    await post('/api/act?dry=1', bearer('first-static-token'));
    const entries = await newEntries(since);
    expect(entries.map((e) => [e.keyId, e.keyName, e.method, e.route, e.tenantId, e.statusCode])).toEqual([
      [viewer.id, 'vera', 'POST', '/api/t/:tenant/act', 'acme', 403],
      ['env-1', 'API_TOKENS #1', 'POST', '/api/act', null, 200],
    ]);
    expect(entries.map((e) => e.details)).toEqual([{ params: { tenant: 'acme' }, query: {} }, { params: {}, query: { dry: '1' } }]);
  });

  it('keeps a body: JSON as it is up to 2000 characters, cut to 2000 beyond, text and bytes by their size only', async () => {
    const { app, operator } = await setUp();
    const since = await lastId();
    const json = { headers: { ...bearer(operator.token), 'content-type': 'application/json' } };
    // {"note":"…"}: 11 characters around the note, so 2000 and 2001 in all (the cut keeps 2000: the closing quote, not the brace).
    const exactly2000 = { note: 'x'.repeat(1989) };
    const longer = { note: 'y'.repeat(1990) };
    await app.inject({ method: 'POST', url: '/api/t/acme/act', ...json, payload: JSON.stringify(exactly2000) });
    await app.inject({ method: 'POST', url: '/api/t/acme/act', ...json, payload: JSON.stringify(longer) });
    await app.inject({ method: 'POST', url: '/api/t/acme/act', headers: { ...bearer(operator.token), 'content-type': 'text/plain' }, payload: 'héllo' });
    await app.inject({ method: 'POST', url: '/api/t/acme/act', headers: { ...bearer(operator.token), 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(7) });
    await app.inject({ method: 'POST', url: '/api/t/acme/act', ...json, payload: 'null' });
    const details = (await newEntries(since)).map((e) => e.details);
    expect(details).toEqual([
      { params: { tenant: 'acme' }, query: {}, body: exactly2000 },
      { params: { tenant: 'acme' }, query: {}, body: { truncated: `{"note":"${'y'.repeat(1990)}"` } },
      { params: { tenant: 'acme' }, query: {}, body: { bytes: 6 } },
      { params: { tenant: 'acme' }, query: {}, body: { bytes: 7 } },
      { params: { tenant: 'acme' }, query: {} },
    ]);
    expect((details[1]!.body as { truncated: string }).truncated).toHaveLength(2000);
  });

  it('an audit log that cannot be written is logged, and the caller still gets the answer', async () => {
    const { operator } = await setUp();
    const log: string[] = [];
    const failing = Object.create(database.db, { insert: { value: () => { throw new Error('audit_log is gone'); } } }) as Database;
    const broken = buildApp(failing, log);
    try {
      const res = await broken.inject({ method: 'POST', url: '/api/act', headers: bearer(operator.token) });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ principal: { keyId: operator.id } });
      expect(log.map((l) => JSON.parse(l) as { msg: string; err: string }).map((l) => [l.msg, l.err])).toEqual([['could not write the audit log', 'audit_log is gone']]);
    } finally {
      await broken.close();
    }
  });
});
