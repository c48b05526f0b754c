import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database, type OpenDatabase } from '../../src/db/client.js';
import { UnknownTenantError } from '../../src/db/errors.js';
import { pacingStore, reservePacingSlot } from '../../src/db/queries/api-pacing.js';
import { upsertTenant } from '../../src/db/queries/tenants.js';
import { apiDailyQuotas } from '../../src/db/schema/index.js';
import { createSecretBox } from '../../src/security/secrets.js';
import { resolveRateLimits, type RateLimitOverrides } from '../../src/zoom/config.js';
import type { Clock } from '../../src/zoom/rate-limiter.js';
import { SharedRateLimiter } from '../../src/zoom/shared-rate-limiter.js';
import { createTestDatabase, type TestDatabase } from '../harness/index.js';

// The shared pacer's state in the database (storage and limiter layer; the processes against the
// simulator are in shared-budget.sim.test.ts): several limiters of one tenant, each as a worker
// process would hold it, on the real PostgreSQL server (each on a connection pool of its own) and
// on PGlite (the single-process database the product also runs on). Virtual time: slots count from
// an injected instant and sleeps move it, so every schedule below is exact on any machine.

const secrets = createSecretBox(randomBytes(32).toString('base64'));
const START = '2026-03-10T15:30:00Z';
// 10 per second paced at 0.8: one call every 125 ms, and a burst of 10 - 8 = 2 after a quiet spell.
const PROFILE: RateLimitOverrides = { meetings: { medium: { limit: 10, intervalMs: 1000 } }, dailyHeavy: { meetings: 3 }, share: 0.8 };

let database: TestDatabase;
const opened: OpenDatabase[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  for (const db of opened) await db.close();
  await database?.drop();
});

/** Virtual time: `sleep` moves the clock instead of waiting. Callers here take turns, so sleeps never overlap. */
function virtualTime(startIso: string) {
  let ms = 0;
  const clock: Clock = {
    now: () => new Date(Date.parse(startIso) + ms),
    sleep: (d) => {
      ms += d;
      return Promise.resolve();
    },
  };
  return { clock, elapsed: () => ms, set: (iso: string) => { ms = Date.parse(iso) - Date.parse(startIso); } };
}

interface Backend {
  name: string;
  /** Two handles on one database, as two worker processes have (PGlite: the same one twice). */
  open(): Promise<[Database, Database]>;
}

const backends: Backend[] = [
  {
    name: 'PostgreSQL',
    open: async () => {
      const a = await openDatabase({ url: database.url });
      const b = await openDatabase({ url: database.url });
      opened.push(a, b);
      return [a.db, b.db];
    },
  },
  {
    name: 'PGlite',
    open: async () => {
      const a = await openDatabase({});
      opened.push(a);
      return [a.db, a.db];
    },
  },
];

let tenantCount = 0;
async function newTenant(db: Database): Promise<string> {
  const id = `pace-${++tenantCount}`;
  await upsertTenant(db, secrets, { id, name: id, zoomAccountId: `acc-${id}`, zoomClientId: 'cid', zoomClientSecret: 'secret', plan: 'pro' });
  return id;
}

describe.each(backends)('shared pacing on $name', (backend) => {
  let a: Database;
  let b: Database;

  beforeAll(async () => {
    [a, b] = await backend.open();
  });

  /** Two limiters of one tenant on their own handles, on one virtual clock. */
  async function twoLimiters(overrides: RateLimitOverrides = PROFILE) {
    const tenantId = await newTenant(a);
    const time = virtualTime(START);
    const profile = resolveRateLimits('pro', overrides);
    const limiter = (db: Database) => new SharedRateLimiter({ store: pacingStore(db, tenantId), profile, clock: time.clock, pacingNow: time.clock.now });
    return { tenantId, time, first: limiter(a), second: limiter(b) };
  }

  it('gives two limiters one schedule: the burst once, then one call per spacing between them', async () => {
    const { time, first, second } = await twoLimiters();
    const released: number[] = [];
    for (let i = 0; i < 10; i++) {
      await (i % 2 === 0 ? first : second).acquire('meetings', 'medium');
      released.push(time.elapsed());
    }
    // From the design, not the code: a burst of 10 - 8 = 2 at once, then one every 1000 / 8 ms,
    // whichever limiter asks. Two limiters of their own would each have let 2 + 8 out in a second.
    expect(released).toEqual([0, 0, 125, 250, 375, 500, 625, 750, 875, 1000]);
    // After a quiet second the burst is back, and no more.
    time.set('2026-03-10T15:30:03Z');
    const base = time.elapsed();
    for (let i = 0; i < 3; i++) await (i % 2 === 0 ? second : first).acquire('meetings', 'medium');
    expect(time.elapsed() - base).toBe(125);
  });

  it('spreads a per-minute category evenly (resource-intensive: no burst)', async () => {
    const { time, first, second } = await twoLimiters({ meetings: { 'resource-intensive': { limit: 10, intervalMs: 60_000 } }, share: 0.8 });
    const released: number[] = [];
    for (let i = 0; i < 4; i++) {
      await (i % 2 === 0 ? first : second).acquire('meetings', 'resource-intensive');
      released.push(time.elapsed());
    }
    // 8 per minute: one every 7.5 s.
    expect(released).toEqual([0, 7_500, 15_000, 22_500]);
  });

  it("pauses the category for every limiter after one limiter's per-second 429, and only that category", async () => {
    const { time, first, second } = await twoLimiters();
    await first.acquire('meetings', 'medium');
    await first.pause('meetings', 'medium', 1_000);
    await second.acquire('meetings', 'medium');
    expect(time.elapsed()).toBe(1_000);
    // After the pause, no burst: the next one a spacing later.
    await first.acquire('meetings', 'medium');
    expect(time.elapsed()).toBe(1_125);
    await second.acquire('meetings', 'light');
    expect(time.elapsed()).toBe(1_125);
  });

  it("counts heavy and resource-intensive calls against one daily quota for every limiter, until 00:00 UTC", async () => {
    const { tenantId, time, first, second } = await twoLimiters();
    // The quota of 3, taken by both limiters and both categories that share it.
    expect(await first.acquire('meetings', 'heavy')).toEqual({});
    expect(await second.acquire('meetings', 'resource-intensive')).toEqual({});
    expect(await second.acquire('meetings', 'heavy')).toEqual({});
    const reset = new Date('2026-03-11T00:00:00Z');
    expect(await first.acquire('meetings', 'heavy')).toEqual({ dailyBlockedUntil: reset });
    expect(await second.acquire('meetings', 'resource-intensive')).toEqual({ dailyBlockedUntil: reset });
    // Other categories and the other family are not counted against it.
    expect(await first.acquire('meetings', 'medium')).toEqual({});
    expect(await second.acquire('phone', 'heavy')).toEqual({});
    const [stored] = await a.select().from(apiDailyQuotas).where(and(eq(apiDailyQuotas.tenantId, tenantId), eq(apiDailyQuotas.family, 'meetings')));
    expect(stored).toMatchObject({ day: '2026-03-10', used: 3, blockedUntil: null });

    // The next UTC day starts the count afresh.
    time.set('2026-03-11T00:00:00Z');
    expect(await second.acquire('meetings', 'heavy')).toEqual({});
    const [next] = await a.select().from(apiDailyQuotas).where(and(eq(apiDailyQuotas.tenantId, tenantId), eq(apiDailyQuotas.family, 'meetings')));
    expect(next).toMatchObject({ day: '2026-03-11', used: 1 });
  });

  it('counts the call of a worker whose clock is still on the day before in the newer day', async () => {
    const tenantId = await newTenant(a);
    const pace = { family: 'meetings' as const, category: 'heavy' as const, spacingMs: 100, burst: 1, at: new Date('2026-03-11T00:00:01Z') };
    const today = { day: '2026-03-11', quota: 2, now: new Date('2026-03-11T00:00:01Z') };
    const yesterday = { day: '2026-03-10', quota: 2, now: new Date('2026-03-10T23:59:59Z') };
    expect(await reservePacingSlot(a, tenantId, { ...pace, daily: today })).toEqual({ waitMs: 0 });
    expect(await reservePacingSlot(b, tenantId, { ...pace, daily: yesterday })).toEqual({ waitMs: 100 });
    // Both counted on the 11th: its quota of 2 is spent, and it resets at the 11th's end.
    expect(await reservePacingSlot(b, tenantId, { ...pace, daily: yesterday })).toEqual({ dailyBlockedUntil: new Date('2026-03-12T00:00:00Z') });
  });

  it("blocks the family's daily quota for every limiter after one limiter's daily-limit 429, until Zoom's reset", async () => {
    const { time, first, second } = await twoLimiters({ ...PROFILE, dailyHeavy: { meetings: 1_000 } });
    expect(await second.acquire('meetings', 'heavy')).toEqual({});
    // Zoom's Retry-After names its reset; our clock may disagree about when midnight is.
    const zoomReset = new Date('2026-03-11T00:00:05Z');
    await first.blockDaily('meetings', zoomReset);
    expect(await second.acquire('meetings', 'heavy')).toEqual({ dailyBlockedUntil: zoomReset });
    expect(await second.acquire('meetings', 'resource-intensive')).toEqual({ dailyBlockedUntil: zoomReset });
    expect(await second.acquire('meetings', 'medium')).toEqual({});
    expect(await second.acquire('phone', 'heavy')).toEqual({});
    // A later block wins over an earlier one, never the other way round.
    await second.blockDaily('meetings', new Date('2026-03-10T23:00:00Z'));
    expect(await first.acquire('meetings', 'heavy')).toEqual({ dailyBlockedUntil: zoomReset });
    // At 00:00 UTC on our clock the day is new, but Zoom's reset is 5 s later.
    time.set('2026-03-11T00:00:00Z');
    expect(await first.acquire('meetings', 'heavy')).toEqual({ dailyBlockedUntil: zoomReset });
    time.set('2026-03-11T00:00:05Z');
    expect(await first.acquire('meetings', 'heavy')).toEqual({});
  });

  it('refuses a tenant the database does not know', async () => {
    const store = pacingStore(a, 'nobody');
    await expect(store.reserve({ family: 'meetings', category: 'light', spacingMs: 10, burst: 1 })).rejects.toThrow(UnknownTenantError);
  });
});

describe('shared pacing on the database clock', () => {
  it('never lets two limiters together out faster than the shared pace (a lower bound)', async () => {
    const a = await openDatabase({ url: database.url });
    const b = await openDatabase({ url: database.url });
    opened.push(a, b);
    const tenantId = await newTenant(a.db);
    const profile = resolveRateLimits('pro', PROFILE);
    const first = new SharedRateLimiter({ store: pacingStore(a.db, tenantId), profile });
    const second = new SharedRateLimiter({ store: pacingStore(b.db, tenantId), profile });
    const started = performance.now();
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? first : second).acquire('meetings', 'medium')));
    // 2 at once, then 10 more 125 ms apart on the database's clock: the last leaves 1250 ms after the
    // first was reserved at the earliest (timers never fire early, waits are rounded up). No ceiling:
    // load only slows it. Each limiter alone would have let its 6 out within 500 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_250);
  });
});
