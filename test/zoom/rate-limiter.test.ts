import { describe, expect, it } from 'vitest';
import { resolveRateLimits } from '../../src/zoom/config.js';
import { RateLimiter, dailyResetTime, nextUtcMidnight, paceOf, parseRetryAfter, type Clock } from '../../src/zoom/rate-limiter.js';
import { UsageCounters } from '../../src/zoom/usage.js';

const now = new Date('2026-03-10T15:30:00Z');

describe('Retry-After', () => {
  it('reads seconds, HTTP dates and ISO dates', () => {
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('0.5', now)).toBe(500);
    expect(parseRetryAfter('Tue, 10 Mar 2026 15:30:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('2026-03-11T00:00:00Z', now)).toBe(8.5 * 3_600_000);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it('puts the daily reset at Zoom’s date, after seconds, or at the next 00:00 UTC', () => {
    expect(dailyResetTime('2026-03-11T00:00:00Z', now).toISOString()).toBe('2026-03-11T00:00:00.000Z');
    // Zoom's clock may differ from ours: the date it names is the reset, even if it looks past to us.
    expect(dailyResetTime('2026-03-10T00:00:00Z', now).toISOString()).toBe('2026-03-10T00:00:00.000Z');
    expect(dailyResetTime('60', now).toISOString()).toBe('2026-03-10T15:31:00.000Z');
    expect(dailyResetTime(undefined, now).toISOString()).toBe('2026-03-11T00:00:00.000Z');
    expect(nextUtcMidnight(new Date('2026-12-31T23:59:59Z')).toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });
});

/**
 * Virtual time for the limiter: `sleep` moves the clock instead of waiting, so a schedule is exact
 * and the same on any machine at any load. One bucket at a time (its callers queue), so no two
 * sleeps overlap. The clock moves in a macrotask, after the callers already served have seen it.
 */
function virtualTime(startIso: string) {
  let ms = 0;
  const clock: Clock = {
    now: () => new Date(Date.parse(startIso) + ms),
    sleep: (d) => new Promise((resolve) => setImmediate(() => {
      ms += d;
      resolve();
    })),
  };
  return { clock, monotonic: () => ms };
}

describe('RateLimiter', () => {
  it('paces a burst at the configured share of the plan limit, callers in order', async () => {
    const time = virtualTime('2026-03-10T15:30:00Z');
    const profile = resolveRateLimits('pro', { meetings: { medium: { limit: 20, intervalMs: 1000 } }, share: 0.5 });
    const limiter = new RateLimiter({ profile, ...time });
    const released: Array<[number, number]> = [];
    await Promise.all(Array.from({ length: 25 }, (_, i) => limiter.acquire('meetings', 'medium').then(() => released.push([i, time.monotonic()]))));
    // Worked out from the design, not from the code: a burst of limit - share x limit = 10 at
    // once, then share x limit = 10 per second, one every 100 ms.
    const expected = Array.from({ length: 25 }, (_, i) => [i, i < 10 ? 0 : (i - 9) * 100]);
    expect(released).toEqual(expected);
    // So no second of it, wherever it starts, holds more than the plan's 20.
    for (const [, at] of released) expect(released.filter(([, t]) => t >= at && t < at + 1000).length).toBeLessThanOrEqual(20);
  });

  it('waits on the real clock by default (a lower bound: it never releases early)', async () => {
    const profile = resolveRateLimits('pro', { meetings: { medium: { limit: 20, intervalMs: 1000 } }, share: 0.5 });
    const limiter = new RateLimiter({ profile });
    const started = performance.now();
    for (let i = 0; i < 12; i++) await limiter.acquire('meetings', 'medium');
    // 10 at once, then two more 100 ms apart. The bucket re-reads performance.now after every
    // sleep, so 200 ms is a floor (1 ms allowed for float rounding); no ceiling: load only slows it.
    expect(performance.now() - started).toBeGreaterThanOrEqual(199);
  });

  it('pauses a category after a 429 and blocks the shared daily quota', async () => {
    const time = virtualTime('2026-03-10T15:30:00Z');
    const limiter = new RateLimiter({ profile: resolveRateLimits('business', undefined), ...time });
    await limiter.acquire('meetings', 'light');
    limiter.pause('meetings', 'light', 300);
    await limiter.acquire('meetings', 'light');
    expect(time.monotonic()).toBe(300);
    // Other categories are not paused.
    await limiter.acquire('meetings', 'medium');
    expect(time.monotonic()).toBe(300);

    const until = new Date(time.clock.now().getTime() + 60_000);
    limiter.blockDaily('meetings', until);
    expect(await limiter.acquire('meetings', 'heavy')).toEqual({ dailyBlockedUntil: until });
    expect(await limiter.acquire('meetings', 'resource-intensive')).toEqual({ dailyBlockedUntil: until });
    expect(await limiter.acquire('meetings', 'medium')).toEqual({});
    expect(await limiter.acquire('phone', 'heavy')).toEqual({});
    // At the reset the quota is open again.
    await time.clock.sleep(60_000);
    expect(await limiter.acquire('meetings', 'heavy')).toEqual({});
  });

  it('takes overrides over the plan profile', () => {
    const p = resolveRateLimits('business', { meetings: { 'resource-intensive': { limit: 20, intervalMs: 60_000 } }, dailyHeavy: { meetings: 100 } });
    expect(p.meetings['resource-intensive']).toEqual({ limit: 20, intervalMs: 60_000 });
    expect(p.meetings.light).toEqual({ limit: 80, intervalMs: 1000 });
    expect(p.dailyHeavy).toEqual({ meetings: 100, phone: 30_000 });
  });
});

describe('the pace of a rule (shared by the in-process and the shared pacer)', () => {
  it('spaces calls at the share of the limit, with a burst that keeps any one second within it', () => {
    // Pro medium, 20/s at 0.8: 16 per second, one every 62.5 ms, after a burst of 20 - 16 = 4.
    expect(paceOf({ limit: 20, intervalMs: 1000 }, 0.8)).toEqual({ spacingMs: 62.5, burst: 4 });
    // A limit too small for a burst still lets one call out.
    expect(paceOf({ limit: 1, intervalMs: 1000 }, 0.8)).toEqual({ spacingMs: 1250, burst: 1 });
    // Per-minute limits (resource-intensive) are spread evenly: Business, 20/min at 0.8 is one every 3.75 s.
    expect(paceOf({ limit: 20, intervalMs: 60_000 }, 0.8)).toEqual({ spacingMs: 3750, burst: 1 });
  });
});

describe('UsageCounters', () => {
  it('counts calls per UTC day, family and category', () => {
    const u = new UsageCounters();
    u.record(new Date('2026-03-10T23:59:59Z'), 'meetings', 'heavy');
    u.record(new Date('2026-03-10T10:00:00Z'), 'meetings', 'resource-intensive', 'rate_limited');
    u.record(new Date('2026-03-11T00:00:00Z'), 'meetings', 'heavy');
    expect(u.count('2026-03-10', 'meetings', ['heavy', 'resource-intensive'])).toBe(2);
    expect(u.snapshot()).toContainEqual({ day: '2026-03-10', family: 'meetings', category: 'resource-intensive', calls: 1, rateLimited: 1 });
    expect(u.drain()).toHaveLength(3);
    expect(u.snapshot()).toEqual([]);
  });
});
