import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../src/api/access.js';
import { startTestApi, type TestApi } from './helpers.js';

// The support API's rate limit on the real server: a verified key has its own bucket; a request
// that does not authenticate spends its client address's bucket, whatever token it shows.

const LIMIT = 5;
let api: TestApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const statusWith = async (token: string) => (await fetch(`${api!.baseUrl}/api/tenants`, { headers: { authorization: `Bearer ${token}` } })).status;
const statusesWith = async (tokens: string[]) => {
  const statuses: number[] = [];
  for (const token of tokens) statuses.push(await statusWith(token));
  return statuses;
};
const times = <T>(n: number, make: (i: number) => T) => Array.from({ length: n }, (_, i) => make(i));
/** A well-formed key token (`za_<id>_<43-character secret>`) that no one issued. */
const secret = () => randomBytes(32).toString('base64url');

describe('support API rate limit', () => {
  it('puts every request that does not authenticate in its address\'s bucket: random tokens get no fresh one', async () => {
    api = await startTestApi('api-rate-ip', { apiTokens: ['static-token'], rateLimitPerMinute: LIMIT });
    const randomKeys = times(LIMIT + 2, () => `za_${randomBytes(6).toString('hex')}_${secret()}`);
    expect(await statusesWith(randomKeys)).toEqual([...times(LIMIT, () => 401), 429, 429]);
    // Another shape of token, and none at all: the same address, the same spent bucket.
    expect(await statusWith(`other-${secret()}`)).toBe(429);
    const none = await fetch(`${api.baseUrl}/api/tenants`);
    expect(none.status).toBe(429);
    expect(none.headers.get('retry-after')).toMatch(/^\d+$/);
    // A verified token from that address still has its own bucket.
    expect(await statusesWith(times(LIMIT + 1, () => 'static-token'))).toEqual([...times(LIMIT, () => 200), 429]);
  });

  it('never lets wrong secrets for a real key id spend that key\'s bucket', async () => {
    api = await startTestApi('api-rate-key', { rateLimitPerMinute: LIMIT });
    const key = await issueApiKey(api.database.db, { name: 'victim', role: 'viewer', tenants: null });
    const forged = times(LIMIT * 3, () => `za_${key.id}_${secret()}`);
    expect(await statusesWith(forged)).toEqual([...times(LIMIT, () => 401), ...times(LIMIT * 2, () => 429)]);
    expect(await statusesWith(times(LIMIT + 1, () => key.token))).toEqual([...times(LIMIT, () => 200), 429]);
  });
});
