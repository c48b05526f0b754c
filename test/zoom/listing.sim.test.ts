import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ZoomAuthError, type RecordingMeeting, type ZoomClient } from '../../src/zoom/index.js';
import { clientFor, startSimulator, type Simulator } from './sim-helpers.js';

const DAY = 86_400_000;
let sim: Simulator;
let expected: string[];
let userId: string;
let range: { from: string; to: string };

beforeAll(async () => {
  sim = await startSimulator({
    seed: 42,
    now: '2026-03-28T20:00:00Z',
    // One recording host, ~2,000 recorded meetings in 26 days; tiny media so ground truth is cheap.
    tenants: [{ users: 1, inactiveUsers: 0, meetingsPerDay: 80, days: 25, unrecordedShare: 0, externalHostShare: 0, phoneCallsPerDay: 0, mediaScale: 0.0001 }],
  });
  const tenant = sim.tenants[0]!;
  await sim.control.completeProcessing(tenant.accountId);
  const truth = await sim.control.groundTruth(tenant.accountId);
  userId = truth.users[0]!.id;
  expected = truth.meetings.filter((m) => m.recorded && m.host_id === userId).map((m) => m.uuid).sort();
  const now = Date.parse(truth.now);
  range = { from: new Date(now - 26 * DAY).toISOString().slice(0, 10), to: new Date(now).toISOString().slice(0, 10) };
});

afterAll(async () => {
  await sim?.close();
});

beforeEach(async () => {
  await sim.control.setFaults({ serverError: 0, connectionReset: 0, truncatedBody: 0, slowBody: 0, tokenRevoked: 0, pageTokenExpired: 0, rateLimitStorm: 0, targets: 'all' });
  await sim.control.resetCounters();
});

function assertExactlyOnce(got: RecordingMeeting[]): void {
  const uuids = got.map((m) => m.uuid);
  expect(new Set(uuids).size).toBe(uuids.length);
  expect(uuids.sort()).toEqual(expected);
}

async function listAll(client: ZoomClient, onPage?: (count: number) => Promise<void>): Promise<RecordingMeeting[]> {
  const got: RecordingMeeting[] = [];
  for await (const m of client.listUserRecordings(userId, range)) {
    got.push(m);
    if (got.length % 300 === 0) await onPage?.(got.length);
  }
  return got;
}

describe('listing 2,000 meetings against the simulator', () => {
  it('delivers every meeting exactly once in ceil(N/300) list calls', async () => {
    expect(expected.length).toBeGreaterThanOrEqual(1900);
    const client = clientFor(sim.tenants[0]!);
    const listing = client.listUserRecordings(userId, range);
    assertExactlyOnce(await listing.toArray());
    const counters = await sim.control.getCounters();
    expect(counters.endpoints['GET /users/{userId}/recordings']).toBe(Math.ceil(expected.length / 300));
    expect(listing.stats).toMatchObject({ pages: Math.ceil(expected.length / 300), duplicates: 0, rewalks: 0 });
    expect(counters.tokensIssued).toBe(1);
    expect(client.usage.snapshot()).toEqual([expect.objectContaining({ family: 'meetings', category: 'medium', calls: Math.ceil(expected.length / 300) })]);
    await client.close();
  });

  it('survives an access token and page tokens expiring mid-listing', async () => {
    const client = clientFor(sim.tenants[0]!);
    // 61 minutes later on Zoom's clock: the bearer token (1 h) and the page token (15 min) are both dead.
    const got = await listAll(client, async (n) => {
      if (n === 600) await sim.control.advanceClock(61 * 60_000);
    });
    assertExactlyOnce(got);
    expect(client.tokens.requests).toBe(2);
    await client.close();
  });

  it('survives revoked tokens, expired page tokens and 5xx bursts', async () => {
    const client = clientFor(sim.tenants[0]!);
    // With seed 42 these rates meet every fault at least once (at 0.3 no 500 ever came: the test
    // used to pass without the "5xx bursts" its name promised).
    await sim.control.setFaults({ serverError: 0.4, pageTokenExpired: 0.2, tokenRevoked: 0.1, targets: 'api' });
    const listing = client.listUserRecordings(userId, range);
    const got: RecordingMeeting[] = [];
    for await (const m of listing) {
      got.push(m);
      if (got.length === 900) await sim.control.revokeTokens(sim.tenants[0]!.accountId);
    }
    assertExactlyOnce(got);
    const counters = await sim.control.getCounters();
    const { serverError = 0, pageTokenExpired = 0, tokenRevoked = 0 } = counters.faults;
    // Seeded dice: each of the three faults happens in this run (one that did not went untested).
    expect(Object.keys(counters.faults).sort()).toEqual(['pageTokenExpired', 'serverError', 'tokenRevoked']);
    expect(Math.min(serverError, pageTokenExpired, tokenRevoked)).toBeGreaterThan(0);
    // Each with its own effect. A revoked token (the fault's, or all of them at 900 rows) costs
    // one new token; an expired page token a walk from the first page again.
    expect(counters.tokensIssued).toBe(1 + tokenRevoked + 1);
    expect(client.tokens.requests).toBe(counters.tokensIssued);
    expect(listing.stats.rewalks).toBe(pageTokenExpired);
    // Every call that did not return a page was one of those: a 500, an expired page token, a
    // revoked token's 401 (the fault's, or the one after revokeTokens).
    expect(counters.endpoints['GET /users/{userId}/recordings']).toBe(listing.stats.pages + serverError + pageTokenExpired + tokenRevoked + 1);
    await client.close();
  });

  it('lists active and inactive users once each', async () => {
    const client = clientFor(sim.tenants[0]!);
    const users = await client.listAllUsers().toArray();
    expect(users.map((u) => u.id)).toEqual([userId]);
    await client.close();
  });

  it('names the tenant, and no secret, when the credentials are wrong', async () => {
    const tenant = sim.tenants[0]!;
    const client = clientFor(tenant, { clientSecret: 'not-the-secret', tenantId: 'acme' });
    const err = await client.listUsers().toArray().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZoomAuthError);
    const e = err as ZoomAuthError;
    expect(e.retryable).toBe(false);
    expect(e.type).toBe('ZoomAuthError');
    expect(e.message).toContain('"acme"');
    expect(e.message).toContain('Invalid client_id or client_secret');
    const serialised = JSON.stringify(e);
    expect(serialised).not.toContain('not-the-secret');
    expect(serialised).not.toContain(tenant.clientSecret);
    expect(JSON.parse(serialised)).toMatchObject({ type: 'ZoomAuthError', tenant: 'acme', httpStatus: 401, retryable: false });
    await client.close();
  });

  // Last in this file: it rotates the account's secret.
  it('a client built before its secret was rotated picks up the new one at Zoom\'s first refusal', async () => {
    const tenant = sim.tenants[0]!;
    let stored = { clientId: tenant.clientId, clientSecret: tenant.clientSecret };
    let reloads = 0;
    const client = clientFor(tenant, {}, { reloadCredentials: async () => { reloads += 1; return stored; } });
    expect((await client.listUsers().toArray()).map((u) => u.id)).toEqual([userId]);
    // Zoom's admin regenerates the secret (old tokens revoked) and ops apply it to the database.
    const rotated = await sim.control.rotateClientSecret(tenant.accountId);
    stored = { clientId: rotated.clientId, clientSecret: rotated.clientSecret };
    expect((await client.listUsers().toArray()).map((u) => u.id)).toEqual([userId]);
    // The first token, one refused with the old secret, one with the new.
    expect([reloads, client.tokens.requests]).toEqual([1, 3]);
    await client.close();
    // Without a place to read them again, the same moment is a ZoomAuthError.
    const stale = clientFor(tenant);
    await expect(stale.listUsers().toArray()).rejects.toBeInstanceOf(ZoomAuthError);
    await stale.close();
  });
});
