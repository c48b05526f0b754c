import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../db/client.js';
import { findActiveApiKey, insertApiKey, recordAudit, touchApiKey } from '../db/queries/api-access.js';
import type { ApiRole } from '../db/schema/api-access.js';

// Who may use the support API. Keys live in the database as `za_<id>_<secret>`, stored as the
// SHA-256 of the secret; each has a role (viewer reads; operator also recovers, pauses, triggers
// and retries) and may be limited to some tenants. Rotation without downtime: make the new key,
// move the clients, revoke the old one. API_TOKENS (the environment) adds operator tokens for every
// tenant, for a first start and the local demo. Zoom's webhooks are not behind any of this: Zoom
// cannot send our keys, so they are verified by their HMAC signature instead (webhooks.ts).

export interface Principal {
  keyId: string;
  name: string;
  role: ApiRole;
  /** Null: every tenant. */
  tenants: string[] | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** The role a route needs (viewer when absent). */
    role?: ApiRole;
  }
}

const KEY = /^za_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

/**
 * Makes a key and stores the SHA-256 of its secret; the token returned is shown once and never
 * again. Tenants: null for every tenant.
 */
export async function issueApiKey(db: Database, input: { name: string; role: ApiRole; tenants: string[] | null }): Promise<{ id: string; token: string }> {
  const id = randomBytes(12).toString('hex').slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  await insertApiKey(db, { id, name: input.name, role: input.role, tenants: input.tenants, secretSha256: digest(secret).toString('hex') });
  return { id, token: `za_${id}_${secret}` };
}

/** `API_TOKENS` as a list: comma-separated, blanks ignored. */
export function parseApiTokens(value: string | undefined): string[] {
  return (value ?? '').split(',').map((t) => t.trim()).filter((t) => t.length > 0);
}

// Hashing first gives equal-length buffers, so timingSafeEqual never leaks a secret's length.
const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** The index of `presented` among the static tokens, or -1; every token is compared, in constant time each. */
function staticTokenIndex(presented: string, tokenDigests: readonly Buffer[]): number {
  const got = digest(presented);
  let found = -1;
  tokenDigests.forEach((want, i) => {
    if (timingSafeEqual(got, want)) found = i;
  });
  return found;
}

const unauthorized = (reply: FastifyReply, error: string, challenge = 'Bearer') => reply.code(401).header('www-authenticate', challenge).send({ error });

/** The bearer token of a request, or undefined. */
const bearerOf = (request: FastifyRequest): string | undefined => /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];

export interface AccessOptions {
  db: Database;
  /** Operator tokens for every tenant, from API_TOKENS. */
  staticTokens: readonly string[];
  /** Spends the request's share of the rate limit, keyed by rateLimitKeyOf; answers 429 when it is spent. */
  rateLimit: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

/**
 * A rate-limit bucket: a verified key's own (an API_TOKENS token by its index, never its secret),
 * else the client's address. Never the token as shown: random tokens would each get a fresh
 * bucket, and wrong secrets for a real key id would spend that key's.
 */
export const rateLimitKeyOf = (request: FastifyRequest): string => (request.principal ? `key:${request.principal.keyId}` : `ip:${request.ip}`);

/**
 * Authenticates every request of the scope, spends its rate limit (429), refuses it if it did not
 * authenticate (401), then checks the route's role and the key's tenants (403), and writes every
 * mutating call to the audit log when it is answered.
 */
export function installAccessControl(scope: FastifyInstance, options: AccessOptions): void {
  const staticDigests = options.staticTokens.map(digest);

  scope.addHook('onRequest', async (request, reply) => {
    const token = bearerOf(request);
    const principal = token ? await principalOf(options.db, token, staticDigests) : undefined;
    if (principal) request.principal = principal;
    // Only now that the key is known: a refused request spends its address's bucket.
    await options.rateLimit(request, reply);
    if (!token) return unauthorized(reply, 'missing bearer token: send Authorization: Bearer <API key>');
    if (!principal) return unauthorized(reply, 'invalid API key', 'Bearer error="invalid_token"');
    const needed = request.routeOptions.config.role ?? 'viewer';
    if (needed === 'operator' && principal.role !== 'operator') {
      return reply.code(403).send({ error: `this needs an operator key; '${principal.name}' is a ${principal.role}` });
    }
    const tenant = (request.params as { tenant?: unknown } | undefined)?.tenant;
    if (typeof tenant === 'string' && principal.tenants && !principal.tenants.includes(tenant)) {
      return reply.code(403).send({ error: `the key '${principal.name}' may not act on tenant '${tenant}'` });
    }
  });

  // Written before the answer leaves (onSend, not onResponse): a caller that got an answer can
  // rely on its call being in the log.
  scope.addHook('onSend', async (request, reply, payload) => {
    if (request.method === 'GET' || request.method === 'HEAD' || !request.principal) return payload;
    const { principal } = request;
    const tenant = (request.params as { tenant?: unknown } | undefined)?.tenant;
    await recordAudit(options.db, {
      keyId: principal.keyId,
      keyName: principal.name,
      method: request.method,
      route: request.routeOptions.url ?? request.url,
      tenantId: typeof tenant === 'string' ? tenant : null,
      statusCode: reply.statusCode,
      details: auditDetails(request),
    }).catch((err: Error) => request.log.error({ err: err.message }, 'could not write the audit log'));
    return payload;
  });
}

async function principalOf(db: Database, token: string, staticDigests: readonly Buffer[]): Promise<Principal | undefined> {
  const key = KEY.exec(token);
  if (key) {
    const row = await findActiveApiKey(db, key[1]!);
    // Compared even when there is no such key, so a wrong id and a wrong secret take as long.
    const ok = timingSafeEqual(digest(key[2]!), Buffer.from(row?.secretSha256 ?? '0'.repeat(64), 'hex'));
    if (!row || !ok) return undefined;
    await touchApiKey(db, row.id);
    return { keyId: row.id, name: row.name, role: row.role, tenants: row.tenants };
  }
  const index = staticTokenIndex(token, staticDigests);
  return index < 0 ? undefined : { keyId: `env-${index + 1}`, name: `API_TOKENS #${index + 1}`, role: 'operator', tenants: null };
}

/** What the audit keeps of a request: its parameters and body, cut short (a CSV by its size only). */
function auditDetails(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  let shownBody: unknown;
  if (typeof body === 'string' || Buffer.isBuffer(body)) shownBody = { bytes: Buffer.byteLength(body) };
  else if (body !== undefined && body !== null) {
    const json = JSON.stringify(body);
    shownBody = json.length > 2000 ? { truncated: json.slice(0, 2000) } : body;
  }
  return { params: request.params, query: request.query, ...(shownBody === undefined ? {} : { body: shownBody }) };
}
