import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities, type Activities } from '../../src/activities/index.js';
import { listUserListingStates } from '../../src/db/queries/user-listing-states.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { and, eq } from 'drizzle-orm';
import { listedMeetings } from '../../src/db/schema/index.js';
import { E2E_LOCATION, registerTenant, startE2eWorld, type E2eWorld } from './helpers.js';

// A listing that resumes: an attempt stopped part-way (here by Zoom's daily limit, which stops a
// listing for the whole tenant) keeps what it wrote, and the next attempt (Temporal's retry of the
// activity) lists only what is left. Calls are counted by the simulator.

const USERS = 6;
/** Medium calls allowed per day: the first attempt lists this many users, then meets the limit. */
const QUOTA = 3;
const NOW = new Date('2026-03-10T12:00:00Z');
const RECORDINGS = 'GET /users/{userId}/recordings';
const ARCHIVE = 'GET /archive_files';

let world: E2eWorld;
let sim: RunningSimulator;
let activities: Activities;

beforeAll(async () => {
  world = await startE2eWorld('e2e-listing-resume');
  sim = await startSimulator({
    seed: 1111,
    now: NOW,
    freezeClock: true,
    // The daily limit on the medium calls a listing makes: a stop the test controls exactly.
    rateLimits: { dailyQuotaCategories: ['medium'], meetings: { pro: { heavyDailyQuota: QUOTA }, business: { heavyDailyQuota: QUOTA } } },
    tenants: [{ users: USERS, inactiveUsers: 0, days: 3, meetingsPerDay: 4, phoneCallsPerDay: 0, mediaScale: 0.01, processingShare: 0 }],
  });
  activities = createActivities({ db: world.database.db, store: world.store, zoom: world.zoom, location: E2E_LOCATION, initialLookbackDays: 20 });
});

afterAll(async () => {
  await sim?.close();
  await world?.close();
});

/** Calls the account answered (a call refused for the token that expired overnight is not the account's). */
const callsOf = async (accountId: string, endpoint: string) => (await sim.control.getCounters()).tenantEndpoints[accountId]?.[endpoint] ?? 0;

describe('a cloud-recordings listing stopped part-way', () => {
  it('keeps the users it finished, and its retry lists only the others', async () => {
    const tenant = await registerTenant(world, sim, {
      simTenant: 0,
      configure: Array.from({ length: USERS }, (_, index) => ({ index, modality: 'video' as const, individualAudio: false })),
    });
    const input = { tenantId: tenant.tenantId, source: 'cloud_recordings' as const, from: new Date(NOW.getTime() - 20 * 86_400_000).toISOString(), to: NOW.toISOString() };

    await expect(new MockActivityEnvironment().run(activities.listMeetings, input)).rejects.toThrow(/daily/i);
    const listedFirst = (await listUserListingStates(world.database.db, tenant.tenantId, 'cloud_recordings')).filter((s) => s.listedUntil !== null);
    // One call per user (20 days fit one window, a user's rows one page): exactly QUOTA were answered.
    expect(listedFirst).toHaveLength(QUOTA);

    // Zoom's quota is back after 00:00 UTC; Temporal retries the activity with the same input.
    await sim.control.setClock(new Date(Date.UTC(2026, 2, 11, 0, 0, 10)));
    await sim.control.resetCounters();
    await new MockActivityEnvironment().run(activities.listMeetings, input);
    expect(await callsOf(tenant.zoom.accountId, RECORDINGS)).toBe(USERS - QUOTA);

    // Every configured user's meetings are now in the database, as the ground truth lists them.
    const truth = await sim.control.groundTruth(tenant.zoom.accountId);
    const hosted = truth.meetings.filter((m) => m.recorded && !m.external_host && tenant.users.some((u) => u.zoomUserId === m.host_id));
    expect(hosted.length).toBeGreaterThan(USERS); // precondition: users have meetings to list
    const rows = await world.database.db.select({ uuid: listedMeetings.uuid }).from(listedMeetings)
      .where(and(eq(listedMeetings.tenantId, tenant.tenantId), eq(listedMeetings.source, 'cloud_recordings')));
    expect(new Set(rows.map((r) => r.uuid))).toEqual(new Set(hosted.map((m) => m.uuid)));
    const states = await listUserListingStates(world.database.db, tenant.tenantId, 'cloud_recordings');
    expect(states.filter((s) => s.listedUntil?.getTime() === NOW.getTime())).toHaveLength(USERS);
  });
});

describe('an archive listing retried after its heartbeat reported finished windows', () => {
  it('starts at the first window not finished', async () => {
    const tenant = await registerTenant(world, sim, { simTenant: 0, configure: [{ index: 0, modality: 'video', individualAudio: false }] });
    // 21 days: three 7-day windows of the archive list, one call each (the account has fewer than 300 archives).
    const input = { tenantId: tenant.tenantId, source: 'archiving' as const, from: new Date(NOW.getTime() - 21 * 86_400_000).toISOString(), to: NOW.toISOString() };
    // A fresh day of quota for each attempt (the first describe spent the 11th's).
    await sim.control.setClock(new Date(Date.UTC(2026, 2, 12, 0, 0, 10)));
    await sim.control.resetCounters();
    await new MockActivityEnvironment().run(activities.listMeetings, input);
    expect(await callsOf(tenant.zoom.accountId, ARCHIVE)).toBe(3);

    await sim.control.setClock(new Date(Date.UTC(2026, 2, 13, 0, 0, 10)));
    await sim.control.resetCounters();
    await new MockActivityEnvironment({ heartbeatDetails: { windowsDone: 2 } }).run(activities.listMeetings, input);
    expect(await callsOf(tenant.zoom.accountId, ARCHIVE)).toBe(1);
  });
});
