import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clientFor, startSimulator, type Simulator } from './sim-helpers.js';

let sim: Simulator;
let uuids: string[];

beforeAll(async () => {
  sim = await startSimulator({ seed: 7, tenants: [{ plan: 'pro', users: 3, inactiveUsers: 0, meetingsPerDay: 6, days: 3, unrecordedShare: 0, externalHostShare: 0, phoneCallsPerDay: 0, mediaScale: 0.001 }] });
  const tenant = sim.tenants[0]!;
  await sim.control.completeProcessing(tenant.accountId);
  const truth = await sim.control.groundTruth(tenant.accountId);
  uuids = truth.meetings.filter((m) => m.recorded).map((m) => m.uuid);
});

afterAll(async () => {
  await sim?.close();
});

beforeEach(async () => {
  await sim.control.setFaults({ rateLimitStorm: 0, serverError: 0 });
  await sim.control.resetRateLimits();
  await sim.control.resetCounters();
});

const fetchAll = (client: ReturnType<typeof clientFor>, n: number) => Promise.all(uuids.slice(0, n).map((u) => client.getMeetingRecordings(u)));

describe('rate limits against the simulator', () => {
  it('paces a burst at the plan limit so the steady state draws no 429', async () => {
    await sim.control.setRateLimits({ meetings: { pro: { lightPerSecond: 5 } } });
    const client = clientFor(sim.tenants[0]!, { rateLimits: { meetings: { light: { limit: 5, intervalMs: 1000 } } } });
    const started = Date.now();
    const got = await fetchAll(client, 12);
    expect(got).toHaveLength(12);
    expect((await sim.control.getCounters()).rateLimited.total).toBe(0);
    // 1 at once, then 4/s: about 2.75 s.
    expect(Date.now() - started).toBeGreaterThan(2000);
    await client.close();
  });

  it('paces out real QPS 429s when the configured limit is too high', async () => {
    await sim.control.setRateLimits({ meetings: { pro: { lightPerSecond: 4 } } });
    const client = clientFor(sim.tenants[0]!, { rateLimits: { meetings: { light: { limit: 1000, intervalMs: 1000 } } } });
    const got = await fetchAll(client, 12);
    expect(got.map((m) => m.uuid)).toEqual(uuids.slice(0, 12));
    const counters = await sim.control.getCounters();
    expect(counters.rateLimited.QPS).toBeGreaterThan(0);
    expect(client.usage.snapshot()[0]).toMatchObject({ category: 'light', rateLimited: counters.rateLimited.QPS });
    await client.close();
  });

  it('rides out a 429 storm after Retry-After', async () => {
    await sim.control.setFaults({ rateLimitStorm: 0.5, targets: 'api' });
    const client = clientFor(sim.tenants[0]!);
    const got = await fetchAll(client, 6);
    expect(got).toHaveLength(6);
    expect((await sim.control.getCounters()).rateLimited.QPS).toBeGreaterThan(0);
    await client.close();
  });
});
