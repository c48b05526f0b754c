import { afterEach, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { api, getToken, startTestSimulator } from './helpers.js';

let sim: RunningSimulator | undefined;
afterEach(async () => sim?.close());

describe('rate limits', () => {
  it('answers a per-second 429 with Zoom headers once the category limit is reached', async () => {
    sim = await startTestSimulator({ tenants: [{ plan: 'pro', users: 2, days: 1 }], rateLimits: { meetings: { pro: { mediumPerSecond: 3 } } } });
    const t = sim.tenants[0]!;
    const token = await getToken(t);
    await sim.control.setClock('2026-03-10T12:00:00.100Z');
    // 7 calls at once against 3 a second: they reach the simulator within a second (milliseconds on
    // loopback), so at most two 1-second windows admit 3 each and at least one is refused.
    const statuses = await Promise.all(Array.from({ length: 7 }, () => api(t, token, '/users')));
    const limited = statuses.filter((r) => r.status === 429);
    expect(statuses.filter((r) => r.status !== 429).every((r) => r.status === 200)).toBe(true);
    expect(7 - limited.length).toBeLessThanOrEqual(2 * 3);
    const r = limited[0]!;
    expect(r.body).toMatchObject({ code: 429, message: expect.stringContaining('per-second') });
    expect(r.headers.get('x-ratelimit-category')).toBe('Medium');
    expect(r.headers.get('x-ratelimit-type')).toBe('QPS');
    expect(r.headers.get('x-ratelimit-limit')).toBe('3');
    expect(r.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Other categories have their own budget.
    expect((await api(t, token, `/users/${(await sim.control.groundTruth(t.accountId)).users[0]!.id}`)).status).toBe(200);
    const counters = await sim.control.getCounters();
    expect(counters.rateLimited.QPS).toBe(limited.length);
  });

  it('spends the shared heavy daily quota and resets it at 00:00 UTC of the simulated clock', async () => {
    sim = await startTestSimulator({
      tenants: [{ plan: 'business', users: 3, meetingsPerDay: 3, days: 2 }],
      rateLimits: { meetings: { business: { heavyDailyQuota: 3, resourceIntensivePerMinute: 100 } } },
    });
    const t = sim.tenants[0]!;
    const m = (await sim.control.groundTruth(t.accountId)).meetings.find((x) => !x.external_host)!;
    await sim.control.setClock('2026-03-10T23:59:00Z');
    const token = await getToken(t);
    const list = '/metrics/meetings?type=past&from=2026-03-08&to=2026-03-10';
    expect((await api(t, token, list)).status).toBe(200);
    expect((await api(t, token, `/metrics/meetings/${m.id}/participants?type=past`)).status).toBe(200);
    expect((await api(t, token, list)).status).toBe(200);
    const blocked = await api(t, token, `/metrics/meetings/${m.id}/participants?type=past`);
    expect(blocked.status).toBe(429);
    expect(blocked.body.message).toContain('daily');
    expect(blocked.headers.get('x-ratelimit-type')).toBe('Daily-limit');
    expect(blocked.headers.get('x-ratelimit-category')).toBe('Heavy');
    expect(blocked.headers.get('retry-after')).toBe('2026-03-11T00:00:00Z');
    expect((await api(t, token, '/users')).status).toBe(200);
    await sim.control.setClock('2026-03-11T00:00:01Z');
    expect((await api(t, token, list)).status).toBe(200);
    const counters = await sim.control.getCounters();
    expect(counters.rateLimited['Daily-limit']).toBe(1);
    expect(counters.categories['resource-intensive']).toBe(3);
    expect(counters.categories.heavy).toBe(2);
  });

  it('limits resource-intensive calls per minute', async () => {
    sim = await startTestSimulator({ tenants: [{ plan: 'business', users: 2, days: 1 }], rateLimits: { meetings: { business: { resourceIntensivePerMinute: 2 } } } });
    const t = sim.tenants[0]!;
    const token = await getToken(t);
    await sim.control.setClock('2026-03-10T12:00:00Z');
    const list = '/metrics/meetings?type=past&from=2026-03-08&to=2026-03-10';
    expect((await api(t, token, list)).status).toBe(200);
    expect((await api(t, token, list)).status).toBe(200);
    const third = await api(t, token, list);
    expect(third.status).toBe(429);
    expect(third.headers.get('x-ratelimit-category')).toBe('Resource-intensive');
    await sim.control.advanceClock(60_000);
    expect((await api(t, token, list)).status).toBe(200);
  });
});
