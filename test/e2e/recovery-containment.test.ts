import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CsvIntakeResult } from '../../src/activities/csv-intake.js';
import { getRecoveryRequest, listRecoveryRequests, recoveryCounts } from '../../src/db/queries/recovery.js';
import { listUserListingStates } from '../../src/db/queries/user-listing-states.js';
import { signalRecovery } from '../../src/recovery/submit.js';
import type { RecoveryProgress } from '../../src/recovery/types.js';
import { startSimulator, type GroundTruthMeeting, type RunningSimulator } from '../../src/simulator/index.js';
import { csvIntakeScheduleId, recoveryWorkflowId } from '../../src/workflows/ids.js';
import type { RecoveryInput } from '../../src/workflows/recovery.js';
import {
  expectedArchive, expectStoredExactly, filesOf, registerTenant, startE2eWorld, startSupportApi, waitForRecoveryRequest, type E2eTenant, type E2eWorld,
} from './helpers.js';

// The recovery never fails as a whole for one request: a request that cannot be done ends failed
// (or finished_with_errors) with its reason, shown by the API and the workflow's progress query,
// and the queue goes on; nothing held in memory is lost at continue-as-new; one bad CSV never
// holds the others. Real Temporal dev server, PostgreSQL and S3, the Zoom simulator over HTTP;
// expectations from its ground truth and counters, stored bytes hashed.

const QUIET = { phoneCallsPerDay: 0, mediaScale: 0.01, processingShare: 0, meetingsPerDay: 0, transcriptShare: 0, chatShare: 0, timelineShare: 0, unrecordedShare: 0, externalHostShare: 0 };
const HOUR = 3600_000;
const NOW = new Date('2026-11-02T12:00:00Z');
const TOKEN = 'recovery-containment-token';
const sameModality = (index: number) => ({ index, modality: 'video' as const, individualAudio: false });
/** The failure type of a request id another tenant holds (the activity's, as Temporal records it). */
const REQUEST_ID_TAKEN = 'RecoveryRequestIdTakenError';

let world: E2eWorld;
let sim: RunningSimulator;
let api: FastifyInstance;
let apiUrl: string;

beforeAll(async () => {
  world = await startE2eWorld('e2e-recovery-containment');
  sim = await startSimulator({ seed: 2222, now: NOW, freezeClock: true, tenants: [{ ...QUIET, users: 3, inactiveUsers: 0, days: 1 }] });
  ({ app: api, url: apiUrl } = await startSupportApi(world, [TOKEN]));
});

afterEach(async () => {
  await sim.control.setFaults({ serverError: 0 });
  await sim.control.setNetwork('loopback');
});

afterAll(async () => {
  await api?.close();
  await sim?.close();
  await world?.close();
});

interface ListedRequest { requestId: string; status: string; error: string | null }
const requestsByApi = async (tenantId: string): Promise<ListedRequest[]> => {
  const res = await fetch(`${apiUrl}/tenants/${tenantId}/recovery/requests`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { requests: ListedRequest[] }).requests;
};

const recoveryOf = (tenantId: string) => world.temporal.client.workflow.getHandle(recoveryWorkflowId(tenantId));
const progressOf = (tenantId: string) => recoveryOf(tenantId).query<RecoveryProgress & { refused: string[] }>('progress');

/** Starts the tenant's recovery with test settings, as signal-with-start would with none. */
const startRecovery = (input: RecoveryInput) => world.temporal.client.workflow.start('recovery', {
  workflowId: recoveryWorkflowId(input.tenantId), taskQueue: world.temporal.taskQueue, args: [input],
});

/** A recorded meeting hosted by `hostId`, held `hoursAgo` hours before the simulator's now. */
const addMeeting = (tenant: E2eTenant, hostId: string, hoursAgo: number): Promise<GroundTruthMeeting> => sim.control.addMeeting(tenant.zoom.accountId, {
  hostId, recorded: true, start_time: new Date(NOW.getTime() - hoursAgo * HOUR).toISOString(), durationMinutes: 20, participants: 1,
});

const recoverMeetings = (tenantId: string, requestId: string, refs: string[]) =>
  signalRecovery(world.temporal, tenantId, { name: 'recoverMeetings', request: { requestId, refs, requestedBy: 'e2e' } });

/** The expected files of these meetings alone, from the ground truth. */
const expectedFilesOf = async (tenant: E2eTenant, meetings: GroundTruthMeeting[]) =>
  filesOf(expectedArchive(await sim.control.groundTruth(tenant.zoom.accountId), tenant).filter((m) => meetings.some((x) => x.uuid === m.meeting.uuid)));

/** Polls the workflow's pending activities until one of `type` runs. */
async function waitForActivity(tenantId: string, type: string): Promise<void> {
  await expect.poll(async () => (await recoveryOf(tenantId).describe()).raw.pendingActivities?.map((a) => a.activityType?.name), { timeout: 30_000, interval: 100 })
    .toContain(type);
}

describe('a time-frame request while a configured user is deleted in Zoom', () => {
  it('recovers every other user\'s meetings and ends finished_with_errors naming the user with Zoom\'s answer, the sync\'s listing state untouched', async () => {
    const tenant = await registerTenant(world, sim, { simTenant: 0, configure: [0, 1, 2].map(sameModality) });
    const [kept1, kept2, gone] = tenant.users.map((u) => u.zoomUserId) as [string, string, string];
    const kept: GroundTruthMeeting[] = [];
    for (const [i, host] of [kept1, kept2, kept1, kept2].entries()) kept.push(await addMeeting(tenant, host, 2 + i));
    await addMeeting(tenant, gone, 3.5);
    await sim.control.deleteUser(tenant.zoom.accountId, gone);

    const requestId = randomUUID();
    await signalRecovery(world.temporal, tenant.tenantId, {
      name: 'recoverTimeframe',
      request: { requestId, source: 'cloud_recordings', from: new Date(NOW.getTime() - 12 * HOUR).toISOString(), to: NOW.toISOString(), requestedBy: 'e2e' },
    });
    const request = await waitForRecoveryRequest(world, tenant.tenantId, requestId);

    expect(request.status).toBe('finished_with_errors');
    expect(request.lastError).toContain(gone);
    expect(request.lastError).toContain('code 1001');
    expect(request.lastError).not.toContain(kept1);
    expect((await recoveryCounts(world.database.db, tenant.tenantId, [requestId])).get(requestId))
      .toMatchObject({ total: 4, missing: 4, archived: 4, failed: 0, pending: 0, inProgress: 0 });
    await expectStoredExactly(world, tenant.tenantId, await expectedFilesOf(tenant, kept));
    // A recovery re-reads the past: the sync's own per-user listing state is not its to write.
    expect(await listUserListingStates(world.database.db, tenant.tenantId, 'cloud_recordings')).toEqual([]);
    // Support sees it in the API's listing and in the workflow's own progress.
    expect(await requestsByApi(tenant.tenantId)).toMatchObject([{ requestId, status: 'finished_with_errors', error: request.lastError }]);
    expect((await progressOf(tenant.tenantId)).requests).toMatchObject([{ requestId, status: 'finished_with_errors', error: request.lastError }]);
    expect((await recoveryOf(tenant.tenantId).describe()).status.name).toBe('RUNNING');
  });
});

describe('a Zoom outage longer than the examine retries', () => {
  it('fails the request with Zoom\'s answer after exactly its attempts, and the next request runs and archives', async () => {
    const tenant = await registerTenant(world, sim, { simTenant: 0, configure: [sameModality(0)] });
    const meeting = await addMeeting(tenant, tenant.users[0]!.zoomUserId, 4);
    const ZOOM_ATTEMPTS = 2;
    await startRecovery({ tenantId: tenant.tenantId, zoomAttempts: ZOOM_ATTEMPTS });
    await sim.control.resetCounters();
    await sim.control.setFaults({ serverError: 1, targets: 'api' });

    const down = randomUUID();
    await recoverMeetings(tenant.tenantId, down, [meeting.uuid]);
    const failed = await waitForRecoveryRequest(world, tenant.tenantId, down);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatch(/^ZoomServerError: Zoom server error .* \(HTTP 500, code 500: Internal Server Error\)$/);
    // Each attempt is the client's call and its 4 retries of a 5xx: 2 attempts, 10 calls, all refused.
    const counters = await sim.control.getCounters();
    expect(counters.faults).toEqual({ serverError: ZOOM_ATTEMPTS * 5 });
    expect(counters.endpoints['GET /meetings/{meetingId}/recordings']).toBe(ZOOM_ATTEMPTS * 5);

    await sim.control.setFaults({ serverError: 0 });
    const up = randomUUID();
    await recoverMeetings(tenant.tenantId, up, [meeting.uuid]);
    expect((await waitForRecoveryRequest(world, tenant.tenantId, up)).status).toBe('finished');
    await expectStoredExactly(world, tenant.tenantId, await expectedFilesOf(tenant, [meeting]));

    expect(await requestsByApi(tenant.tenantId)).toMatchObject([{ requestId: up, status: 'finished', error: null }, { requestId: down, status: 'failed', error: failed.lastError }]);
    expect((await progressOf(tenant.tenantId)).requests).toMatchObject([{ requestId: up, status: 'finished' }, { requestId: down, status: 'failed', error: failed.lastError }]);
    expect((await recoveryOf(tenant.tenantId).describe()).status.name).toBe('RUNNING');
  });
});

describe('a caller-chosen requestId another tenant already holds', () => {
  it('is refused at once with the reason, by signal (named in progress) and by update (rejected), and the workflow goes on', async () => {
    const first = await registerTenant(world, sim, { simTenant: 0, configure: [sameModality(0)] });
    const second = await registerTenant(world, sim, { simTenant: 0, configure: [sameModality(0)] });
    const meeting = await addMeeting(first, first.users[0]!.zoomUserId, 5);
    const taken = randomUUID();
    await recoverMeetings(first.tenantId, taken, [meeting.uuid]);
    expect((await waitForRecoveryRequest(world, first.tenantId, taken)).status).toBe('finished');

    const reason = `RecoveryRequestIdTakenError: recovery request id ${taken} is already used by another tenant`;
    await recoverMeetings(second.tenantId, taken, [meeting.uuid]);
    await expect.poll(async () => (await progressOf(second.tenantId)).refused, { timeout: 30_000 })
      .toEqual([expect.stringMatching(new RegExp(`^meetings from e2e: ${reason}`)) as unknown]);
    const update = recoveryOf(second.tenantId).executeUpdate('requestMeetings', { args: [{ requestId: taken, refs: [meeting.uuid], requestedBy: 'e2e' }] });
    await expect(update).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(update).rejects.toHaveProperty('cause.message', expect.stringContaining(reason));

    // Refused, not retried: each of the two filings ran once and failed non-retryable.
    const events = (await recoveryOf(second.tenantId).fetchHistory()).events ?? [];
    const filings = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'fileRecovery').map((e) => String(e.eventId)));
    const failures = events.filter((e) => filings.has(String(e.activityTaskFailedEventAttributes?.scheduledEventId)));
    expect(failures.map((e) => e.activityTaskFailedEventAttributes?.failure?.applicationFailureInfo?.type)).toEqual([REQUEST_ID_TAKEN, REQUEST_ID_TAKEN]);
    const attempts = events.filter((e) => failures.some((f) => String(f.activityTaskFailedEventAttributes?.startedEventId) === String(e.eventId)))
      .map((e) => e.activityTaskStartedEventAttributes?.attempt);
    expect(attempts).toEqual([1, 1]);

    // The API refuses it before any signal, with a 409 naming it.
    const posted = await fetch(`${apiUrl}/tenants/${second.tenantId}/recovery/meetings`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ requestId: taken, refs: [meeting.uuid] }),
    });
    expect(posted.status).toBe(409);
    expect(await posted.json()).toEqual({ error: `requestId ${taken} is already used by another tenant's request: send another requestId, or none` });

    // The other tenant's request is as it was; the refusing workflow takes the next request.
    expect(await getRecoveryRequest(world.database.db, first.tenantId, taken)).toMatchObject({ status: 'finished', kind: 'meetings' });
    const next = randomUUID();
    await recoverMeetings(second.tenantId, next, [meeting.uuid]);
    expect((await waitForRecoveryRequest(world, second.tenantId, next)).status).toBe('finished');
    expect((await listRecoveryRequests(world.database.db, second.tenantId, { limit: 10 })).map((r) => r.id)).toEqual([next]);
    expect((await recoveryOf(second.tenantId).describe()).status.name).toBe('RUNNING');
  });
});

describe('a cancel sent by hand without a request\'s UUID', () => {
  it('is refused in progress instead of being retried against the database, and the next request runs', async () => {
    const tenant = await registerTenant(world, sim, { simTenant: 0, configure: [sameModality(0)] });
    const meeting = await addMeeting(tenant, tenant.users[0]!.zoomUserId, 5.5);
    await signalRecovery(world.temporal, tenant.tenantId, { name: 'cancel', request: { requestId: 'yesterday\'s request' } });
    const next = randomUUID();
    await recoverMeetings(tenant.tenantId, next, [meeting.uuid]);
    expect((await waitForRecoveryRequest(world, tenant.tenantId, next, 30_000)).status).toBe('finished');
    expect((await progressOf(tenant.tenantId)).refused).toEqual(['cancel: requestId: the UUID of the request to cancel']);
  });
});

describe('continue-as-new', () => {
  it('files a request signalled while the last cancel before continue-as-new runs', async () => {
    const tenant = await registerTenant(world, sim, { simTenant: 0, configure: [sameModality(0)] });
    const meeting = await addMeeting(tenant, tenant.users[0]!.zoomUserId, 6);
    // The third signal ends the run once its request is done.
    const firstRun = await startRecovery({ tenantId: tenant.tenantId, signalsPerRun: 3 });
    const done = randomUUID();
    await recoverMeetings(tenant.tenantId, done, [meeting.uuid]);
    expect((await waitForRecoveryRequest(world, tenant.tenantId, done)).status).toBe('finished');

    // A cancel of `done` waits on this row lock, so the run is held inside its last cancel.
    let unlock!: () => void;
    const locked = new Promise<void>((resolve) => { unlock = resolve; });
    let holding!: () => void;
    const held = new Promise<void>((resolve) => { holding = resolve; });
    const lock = world.database.db.transaction(async (tx) => {
      await tx.execute(sql`select id from recovery_requests where id = ${done} for update`);
      holding();
      await locked;
    });
    await held;
    try {
      // Zoom answers in 2 s: the cancel arrives while the second request is examined, after its last look at the inbox.
      await sim.control.setNetwork({ latencyMedianMs: 2000, latencyJitter: 0 });
      const slow = randomUUID();
      await recoverMeetings(tenant.tenantId, slow, [meeting.uuid]);
      await waitForActivity(tenant.tenantId, 'examineRecoveryItems');
      await signalRecovery(world.temporal, tenant.tenantId, { name: 'cancel', request: { requestId: done } });
      await waitForActivity(tenant.tenantId, 'cancelRecovery');
      expect((await getRecoveryRequest(world.database.db, tenant.tenantId, slow))?.status).toBe('finished');
      await sim.control.setNetwork('loopback');
      // Arrives while that last cancel runs.
      const late = randomUUID();
      await recoverMeetings(tenant.tenantId, late, [meeting.uuid]);
      unlock();
      await lock;
      expect((await waitForRecoveryRequest(world, tenant.tenantId, late, 30_000)).status).toBe('finished');
    } finally {
      unlock();
      await lock;
    }
    const now = await recoveryOf(tenant.tenantId).describe();
    expect(now.runId).not.toBe(firstRun.firstExecutionRunId);
    expect(now.status.name).toBe('RUNNING');
    expect(await getRecoveryRequest(world.database.db, tenant.tenantId, done)).toMatchObject({ status: 'finished' });
  });
});

/** One look at the tenant's drop folder, as its schedule `csv:<tenant>` would start it. */
const runCsvIntake = (tenantId: string) => world.temporal.client.workflow.execute('csvIntake', {
  args: [{ tenantId }], taskQueue: world.temporal.taskQueue, workflowId: `${csvIntakeScheduleId(tenantId)}-${randomUUID()}`,
}) as Promise<CsvIntakeResult>;

describe('the CSV intake', () => {
  it('takes the good CSV although others before it cannot be taken: a name too long for processed/ is rejected, a file the store cannot move stays waiting, named with the store\'s answer', async () => {
    const tenant = await registerTenant(world, sim, { simTenant: 0, configure: [sameModality(0)] });
    const meeting = await addMeeting(tenant, tenant.users[0]!.zoomUserId, 7);
    // Sorted before the good one; a disk (and this S3 gateway) takes names up to 255 bytes, and
    // processed/ adds '.' and a 36-character request id.
    const longest = 255 - 1 - 36;
    const tooLong = `a${'x'.repeat(225)}.csv`;
    const unmovable = `b${'y'.repeat(245)}.csv`;
    const good = 'c.csv';
    for (const name of [tooLong, unmovable, good]) await world.dropFolder.put(tenant.tenantId, name, `${meeting.uuid}\n`);

    const intake = await runCsvIntake(tenant.tenantId);

    expect(intake.submitted).toEqual([{ file: good, requestId: expect.any(String) as unknown, meetings: 1 }]);
    expect(intake.rejected).toEqual([{ file: tooLong, errors: `file: the file name is ${tooLong.length} bytes; at most ${longest} are accepted (processed/ adds the request id to it): rename it\n` }]);
    // Its rejection cannot be written either (rejected/<name>.errors.txt is over 255 bytes).
    expect(intake.failed).toEqual([{ file: unmovable, error: 'KeyTooLongError: Your key is too long.' }]);
    expect((await world.dropFolder.listWaiting(tenant.tenantId)).map((d) => d.name)).toEqual([unmovable]);

    const { requestId } = intake.submitted[0]!;
    expect((await waitForRecoveryRequest(world, tenant.tenantId, requestId)).status).toBe('finished');
    expect((await listRecoveryRequests(world.database.db, tenant.tenantId, { limit: 10 })).map((r) => r.id)).toEqual([requestId]);
    await expectStoredExactly(world, tenant.tenantId, await expectedFilesOf(tenant, [meeting]));

    // The next look finds only the file still waiting, and fails it the same way.
    expect(await runCsvIntake(tenant.tenantId)).toEqual({ submitted: [], rejected: [], failed: intake.failed });
  });
});
