import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../src/db/client.js';
import { pacingStore } from '../../src/db/queries/api-pacing.js';
import * as schema from '../../src/db/schema/index.js';
import { upsertTenant } from '../../src/db/queries/tenants.js';
import { createSecretBox } from '../../src/security/secrets.js';
import type { SimTenantCredentials } from '../../src/simulator/index.js';
import { resolveRateLimits, SharedRateLimiter, ZoomDailyLimitError, type Clock, type RateLimitOverrides, type ZoomClient } from '../../src/zoom/index.js';
import { createTestDatabase, type TestDatabase } from '../harness/index.js';
import { clientFor, startSimulator, type Simulator } from './sim-helpers.js';

// Issue "Scale", item 3: one Zoom budget per account across worker processes. Two OS processes,
// each with the tenant's Zoom client built as a worker builds it, call the simulator's medium
// endpoint together; the simulator enforces the account's per-second limit and counts every call
// and every 429. The same two processes with pacers of their own are the control that shows the
// test can fail. Then the daily quota of heavy calls, shared by two clients on their own database
// connections, and a database that cannot be reached.

const root = fileURLToPath(new URL('../../', import.meta.url));
const workerScript = fileURLToPath(new URL('./shared-budget-worker.ts', import.meta.url));
const secretKey = randomBytes(32).toString('base64');
const secrets = createSecretBox(secretKey);
const NOW = new Date('2026-03-10T12:00:00Z');
const USERS = 'GET /users';
const PARTICIPANTS = 'GET /metrics/meetings/{meetingId}/participants';
// Per process: 40 calls of GET /users (medium: Pro's 20 per second), 4 at a time.
const CALLS = 40;
const CONCURRENCY = 4;

let sim: Simulator;
let pro: SimTenantCredentials;
let business: SimTenantCredentials;
let database: TestDatabase;
let db: OpenDatabase;

beforeAll(async () => {
  sim = await startSimulator({
    seed: 23, now: NOW, freezeClock: true,
    tenants: [
      { plan: 'pro', users: 3, inactiveUsers: 0, meetingsPerDay: 1, days: 1, phoneCallsPerDay: 0, mediaScale: 0.001 },
      { plan: 'business', users: 2, inactiveUsers: 0, meetingsPerDay: 3, days: 2, externalHostShare: 0, phoneCallsPerDay: 0, mediaScale: 0.001 },
    ],
  });
  [pro, business] = [sim.tenants[0]!, sim.tenants[1]!];
  database = await createTestDatabase();
  db = await openDatabase({ url: database.url });
  // Two tenants on the Business account, one per daily test, so that neither sees the other's count or block.
  for (const [id, t] of [['budget-pro', pro], ['budget-quota', business], ['budget-block', business]] as const) {
    await upsertTenant(db.db, secrets, {
      id, name: id, zoomAccountId: t.accountId, zoomClientId: t.clientId, zoomClientSecret: t.clientSecret, plan: t.plan,
      zoomApiBaseUrl: t.apiBaseUrl, zoomOauthTokenUrl: t.oauthTokenUrl,
    });
  }
});

afterAll(async () => {
  await sim?.close();
  await db?.close();
  await database?.drop();
});

beforeEach(async () => {
  await sim.control.setClock(NOW);
  await sim.control.setRateLimits({ meetings: { business: { heavyDailyQuota: 60_000 } } });
  await sim.control.resetRateLimits();
  await sim.control.resetCounters();
});

interface WorkerResult {
  ok: number;
  errors: string[];
}

interface WorkerProcess {
  ready: Promise<void>;
  result: Promise<WorkerResult>;
  go(): void;
  kill(): void;
}

function startWorker(pacing: 'shared' | 'local'): WorkerProcess {
  const child: ChildProcess = spawn(`${root}node_modules/.bin/tsx`, [workerScript], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: database.url, ARCHIVER_SECRET_KEY: secretKey, TENANT_ID: 'budget-pro', PACING: pacing, CALLS: String(CALLS), CONCURRENCY: String(CONCURRENCY) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const waiting: Array<{ pattern: RegExp; resolve: (m: RegExpMatchArray) => void; reject: (e: Error) => void }> = [];
  const check = () => {
    for (const w of [...waiting]) {
      const match = output.match(w.pattern);
      if (match) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(match);
      }
    }
  };
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); check(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.once('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`worker (${pacing}) exited with code ${code} before printing ${w.pattern}:\n${output}`));
  });
  const seen = (pattern: RegExp) => new Promise<RegExpMatchArray>((resolve, reject) => {
    waiting.push({ pattern, resolve, reject });
    check();
  });
  const ready = seen(/^ready$/m).then(() => undefined);
  const result = seen(/^result (.*)$/m).then((m) => JSON.parse(m[1]!) as WorkerResult);
  // Awaited only once ready: a worker that dies before is reported through `ready`.
  result.catch(() => undefined);
  return {
    ready,
    result,
    go: () => child.stdin!.write('go\n'),
    kill: () => child.kill('SIGKILL'),
  };
}

/** Two worker processes, started together once both hold their client and token; ms from the start to the last result. */
async function runTwoWorkers(pacing: 'shared' | 'local'): Promise<{ results: WorkerResult[]; elapsedMs: number }> {
  const workers = [startWorker(pacing), startWorker(pacing)];
  try {
    await Promise.all(workers.map((w) => w.ready));
    const started = performance.now();
    for (const w of workers) w.go();
    const results = await Promise.all(workers.map((w) => w.result));
    return { results, elapsedMs: performance.now() - started };
  } finally {
    for (const w of workers) w.kill();
  }
}

describe('one Zoom budget per account across worker processes', () => {
  it("keeps two worker processes with a shared budget under the account's per-second limit", async () => {
    const { results, elapsedMs } = await runTwoWorkers('shared');
    expect(results).toEqual([{ ok: CALLS, errors: [] }, { ok: CALLS, errors: [] }]);
    const counters = await sim.control.getCounters();
    // The simulator's own count: every call reached it once, and none was refused.
    expect(counters.rateLimited).toEqual({ QPS: 0, 'Daily-limit': 0, total: 0 });
    expect(counters.endpoints[USERS]).toBe(2 * CALLS);
    // Together at the shared pace, 20 × 0.8 = 16 per second after a burst of 20 - 16 = 4: the 80th
    // call leaves (80 - 4) / 16 s = 4750 ms after the first slot at the earliest (a floor: timers
    // never fire early; load only adds to it). Per window of the simulator that is 16 calls (plus
    // the burst once) against its 20: a call must arrive a quarter of a second later than its
    // neighbours to put a 21st into one second. Pacers of their own would have sent 32 per second.
    expect(elapsedMs).toBeGreaterThanOrEqual(4_750);
  });

  it('control: the same two processes, each pacing on its own at the plan’s share, draw QPS 429s', async () => {
    const { results } = await runTwoWorkers('local');
    const counters = await sim.control.getCounters();
    const refused = counters.rateLimited.QPS;
    // The precondition this control exists for: 2 × 16 per second against the account's 20 is
    // refused (were it not, the shared test above would prove nothing).
    expect(refused).toBeGreaterThan(0);
    expect(counters.rateLimited.total).toBe(refused);
    // Every call either went through or gave up after its retries; every attempt reached the simulator.
    const ok = results.reduce((n, r) => n + r.ok, 0);
    expect(ok + results.reduce((n, r) => n + r.errors.length, 0)).toBe(2 * CALLS);
    expect(counters.endpoints[USERS]).toBe(ok + refused);
  });
});

describe('the daily quota of heavy calls, shared', () => {
  /** A client of a tenant of the Business account with a shared pacer on a database connection of its own, on `clock`. */
  async function businessClient(tenantId: string, overrides: RateLimitOverrides, clock: Clock): Promise<{ client: ZoomClient; close(): Promise<void> }> {
    const own = await openDatabase({ url: database.url });
    const profile = resolveRateLimits('business', overrides);
    const client = clientFor(business, { tenantId, rateLimits: overrides }, {
      clock,
      rateLimiter: new SharedRateLimiter({ store: pacingStore(own.db, tenantId), profile, clock }),
    });
    return { client, close: async () => { await client.close(); await own.close(); } };
  }

  /** The client's clock on the simulator's frozen instant (sleeps are real: pacing runs on the database's clock). */
  function frozenClock() {
    const state = { now: NOW };
    const clock: Clock = { now: () => state.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
    return { clock, state };
  }

  async function anyMeeting(): Promise<string> {
    const truth = await sim.control.groundTruth(business.accountId);
    return truth.meetings.find((m) => !m.external_host)!.uuid;
  }

  it('stops two clients together at the configured quota: exactly that many heavy calls reach Zoom, then on after 00:00 UTC', async () => {
    const meeting = await anyMeeting();
    const time = frozenClock();
    // A tiny quota of 5 for the day (the simulator's own is 60,000: it never refuses here).
    const overrides = { dailyHeavy: { meetings: 5 } };
    const [a, b] = await Promise.all([businessClient('budget-quota', overrides, time.clock), businessClient('budget-quota', overrides, time.clock)]);
    try {
      const participants = (c: ZoomClient) => c.listDashboardParticipants(meeting).toArray();
      const settled = await Promise.allSettled([...Array.from({ length: 6 }, () => participants(a.client)), ...Array.from({ length: 6 }, () => participants(b.client))]);
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(5);
      const refused = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
      expect(refused).toHaveLength(7);
      for (const err of refused) {
        expect(err).toBeInstanceOf(ZoomDailyLimitError);
        expect((err as ZoomDailyLimitError).zoomMessage).toMatch(/not sent/);
        expect((err as ZoomDailyLimitError).resetsAt.toISOString()).toBe('2026-03-11T00:00:00.000Z');
      }
      const spent = await sim.control.getCounters();
      expect(spent.tenantEndpoints[business.accountId]?.[PARTICIPANTS]).toBe(5);
      expect(spent.categories.heavy).toBe(5);
      expect(spent.rateLimited.total).toBe(0);

      // 00:00 UTC on both clocks: the count starts afresh for both clients.
      time.state.now = new Date('2026-03-11T00:00:01Z');
      await sim.control.setClock(time.state.now);
      await participants(b.client);
      await participants(a.client);
      const after = await sim.control.getCounters();
      expect(after.categories.heavy).toBe(7);
      expect(after.rateLimited.total).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("blocks the other client unsent after one client's daily-limit 429, until Zoom's reset", async () => {
    const meeting = await anyMeeting();
    // The account's quota is spent by others (another app): Zoom refuses before our count says so.
    await sim.control.setRateLimits({ meetings: { business: { heavyDailyQuota: 2 } } });
    const time = frozenClock();
    const [a, b] = await Promise.all([businessClient('budget-block', {}, time.clock), businessClient('budget-block', {}, time.clock)]);
    try {
      const participants = (c: ZoomClient) => c.listDashboardParticipants(meeting).toArray();
      await participants(a.client);
      await participants(a.client);
      const zoomSaid = await participants(a.client).catch((e: unknown) => e);
      expect(zoomSaid).toBeInstanceOf(ZoomDailyLimitError);
      expect((zoomSaid as ZoomDailyLimitError).httpStatus).toBe(429);
      const unsent = await participants(b.client).catch((e: unknown) => e);
      expect(unsent).toBeInstanceOf(ZoomDailyLimitError);
      expect((unsent as ZoomDailyLimitError).zoomMessage).toMatch(/not sent/);
      expect((unsent as ZoomDailyLimitError).resetsAt.toISOString()).toBe('2026-03-11T00:00:00.000Z');
      const counters = await sim.control.getCounters();
      // Three calls reached Zoom (the third refused); b's never left.
      expect(counters.tenantEndpoints[business.accountId]?.[PARTICIPANTS]).toBe(3);
      expect(counters.rateLimited).toEqual({ QPS: 0, 'Daily-limit': 1, total: 1 });
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('a shared pacer without its database', () => {
  it('fails the call, unsent, when the database cannot be reached', async () => {
    const port = await closedPort();
    const url = new URL(database.url);
    url.port = String(port);
    // The database handle is built without migrating (the server is not there to migrate).
    const sql = postgres(url.toString(), { max: 1, connect_timeout: 2, onnotice: () => undefined });
    const unreachable = drizzle(sql, { schema });
    const client = clientFor(pro, { tenantId: 'budget-pro' }, {
      rateLimiter: new SharedRateLimiter({ store: pacingStore(unreachable, 'budget-pro'), profile: resolveRateLimits('pro', undefined) }),
    });
    try {
      const err = await client.listUsers().toArray().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/^Zoom call not sent for tenant "budget-pro" on GET \/users: its rate limiter could not pace it/);
      const counters = await sim.control.getCounters();
      expect(counters.endpoints[USERS]).toBeUndefined();
      expect(counters.tokensIssued).toBe(0);
    } finally {
      await client.close();
      await sql.end({ timeout: 1 });
    }
  });
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
