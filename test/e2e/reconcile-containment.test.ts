import { ScheduleOverlapPolicy } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../src/api/server.js';
import type { Conversation } from '../../src/db/queries/conversations.js';
import type { ReconcileProgress } from '../../src/reconciliation/types.js';
import { startSimulator, type GroundTruthMeeting, type RunningSimulator } from '../../src/simulator/index.js';
import { meetingWorkflowId, reconcileScheduleId, reconcileWorkflowId } from '../../src/workflows/ids.js';
import type { ReconcileDaysResult } from '../../src/workflows/reconcile-days.js';
import { reconcileScheduleOf } from '../../src/schedules/tenant-schedules.js';
import { getReconciliationRun, listReconciliationRuns } from '../../src/db/queries/reconciliation.js';
import { requireTenant } from '../../src/db/queries/tenants.js';
import { pacingStore } from '../../src/db/queries/api-pacing.js';
import { resolveRateLimits } from '../../src/zoom/index.js';
import { paceOf } from '../../src/zoom/rate-limiter.js';
import { uniqueSuffix } from '../harness/index.js';
import { cdrsOf, registerTenant, startE2eWorld, type E2eTenant, type E2eWorld } from './helpers.js';

// Reconciliation contains what one user or one meeting does to a day, end to end on the real
// Temporal server, PostgreSQL and S3 against the simulator over HTTP (clock frozen at NOW):
// a configured user Zoom refuses is named and passed while the others are reconciled, and a
// meeting counts as archived only with a stored, verified file. Expectations come from the
// simulator's ground truth; Zoom calls are counted at the simulator.

const NOW = new Date('2026-06-15T12:00:00Z');
const YESTERDAY = '2026-06-14';
const at = (h: number) => `${YESTERDAY}T${String(h).padStart(2, '0')}:00:00Z`;
const API_TOKEN = 'containment-operator';

let world: E2eWorld;
let sim: RunningSimulator;

beforeAll(async () => {
  world = await startE2eWorld('e2e-reconcile-containment');
  const quiet = { users: 6, inactiveUsers: 0, days: 2, meetingsPerDay: 0, phoneCallsPerDay: 0, mediaScale: 0.01 };
  sim = await startSimulator({
    seed: 2207, now: NOW, freezeClock: true,
    tenants: [{ ...quiet, plan: 'pro' }, { ...quiet, plan: 'pro' }, { ...quiet, plan: 'business' }, { ...quiet, plan: 'pro' }, { ...quiet, plan: 'pro' }, { ...quiet, plan: 'business' }, { ...quiet, plan: 'business' }],
  });
}, 120_000);

afterAll(async () => {
  await sim?.close();
  await world?.close();
});

const callsAt = async (accountId: string, endpoint: string) => (await sim.control.getCounters()).tenantEndpoints[accountId]?.[endpoint] ?? 0;
const cdrKey = (c: Conversation) => `${c.platformCallId}|${c.recordedUserZoomId}`;

/** Reconciles the tenant's meetings of YESTERDAY under the day's own workflow id, as reconcileDays starts it. */
async function reconcileYesterday(tenantId: string): Promise<ReconcileProgress> {
  return world.temporal.client.workflow.execute('reconcile', {
    args: [{ tenantId, family: 'meetings', day: YESTERDAY }],
    taskQueue: world.temporal.taskQueue,
    workflowId: reconcileWorkflowId(tenantId, 'meetings', YESTERDAY),
    workflowExecutionTimeout: '2 minutes',
  });
}

/** Configured users who hosted or joined the meeting (ground truth). */
const configuredIn = (m: GroundTruthMeeting, tenant: E2eTenant) =>
  tenant.users.filter((u) => m.host_id === u.zoomUserId || m.participants.some((p) => p.internal && p.id === u.zoomUserId)).map((u) => u.zoomUserId);

describe('a configured user deleted in Zoom, on a Pro account reconciled by users\' reports', () => {
  let tenant: E2eTenant;
  let deleted: string;
  let result: ReconcileProgress;

  beforeAll(async () => {
    tenant = await registerTenant(world, sim, {
      simTenant: 0,
      configure: [0, 1, 2, 3].map((index) => ({ index, modality: 'video' as const, individualAudio: false })),
      tenant: { archivingEnabled: false, cloudRecordingsEnabled: true },
    });
    const account = tenant.zoom.accountId;
    // The walk goes by Zoom user id: the first one is deleted, so every other user comes after it.
    const ids = tenant.users.map((u) => u.zoomUserId).sort();
    deleted = ids[0]!;
    const [a, b, c] = ids.slice(1);
    const stranger = tenant.unconfigured[0]!.id;
    await sim.control.addMeeting(account, { hostId: a, recorded: false, recordingFailed: true, participants: [{ userId: stranger }], start_time: at(9), durationMinutes: 20 });
    await sim.control.addMeeting(account, { hostId: b, recorded: false, participants: [{ userId: c! }], start_time: at(10), durationMinutes: 30 });
    await sim.control.addMeeting(account, { hostId: c, recorded: false, participants: 0, start_time: at(11), durationMinutes: 10 });
    // Only the deleted user's own reports would show this one.
    await sim.control.addMeeting(account, { hostId: deleted, recorded: false, participants: [{ userId: stranger }], start_time: at(12), durationMinutes: 15 });
    await sim.control.deleteUser(account, deleted);
    await sim.control.resetCounters();
    result = await reconcileYesterday(tenant.tenantId);
  }, 180_000);

  it('walks every other user, writes their recording_failed CDRs and ends finished_with_errors naming the deleted user', async () => {
    const truth = await sim.control.groundTruth(tenant.zoom.accountId);
    const day = truth.meetings.filter((m) => m.start_time.startsWith(YESTERDAY) && !m.recorded);
    // Reachable: a configured user other than the deleted one took part.
    const reachable = day.filter((m) => configuredIn(m, tenant).some((id) => id !== deleted));
    expect(reachable).toHaveLength(3);
    const expected = reachable.flatMap((m) => configuredIn(m, tenant).map((id) => `${m.uuid}|${id}`)).sort();
    const failed = (await cdrsOf(world, tenant.tenantId)).filter((c) => c.recordingFailed);
    expect(failed.map(cdrKey).sort()).toEqual(expected);

    expect(result).toMatchObject({ status: 'finished_with_errors', found: 3, failedCdrsWritten: expected.length });
    expect(result.userErrors).toEqual([{ zoomUserId: deleted, error: expect.stringMatching(/1001.*does not exist/) }]);
    // Three listings for each user Zoom answers; one refused call for the deleted one (404 is final).
    expect(await callsAt(tenant.zoom.accountId, 'GET /report/users/{userId}/meetings')).toBe(3 * 3 + 1);
  });

  it('shows the deleted user in the progress query and the day\'s API, and a re-check names them again', async () => {
    const progress = await world.temporal.client.workflow.getHandle(reconcileWorkflowId(tenant.tenantId, 'meetings', YESTERDAY)).query<ReconcileProgress>('progress');
    expect(progress).toMatchObject({ status: 'finished_with_errors', userErrors: [{ zoomUserId: deleted }] });

    const app = createApiServer({ db: world.database.db, secrets: world.secrets, temporal: { client: world.temporal.client, taskQueue: world.temporal.taskQueue }, apiTokens: [API_TOKEN] });
    try {
      const get = async (path: string) => {
        const response = await app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${API_TOKEN}` } });
        expect(response.statusCode, response.body).toBe(200);
        return response.json();
      };
      const dayRun = await get(`/api/tenants/${tenant.tenantId}/reconciliation/meetings/${YESTERDAY}`);
      expect(dayRun).toMatchObject({ status: 'finished_with_errors', userErrors: [{ zoomUserId: deleted }], notRecorded: 3 });
      expect(dayRun.error).toContain(deleted);
      const runs = await get(`/api/tenants/${tenant.tenantId}/reconciliation`);
      expect(runs.runs.map((r: { day: string; status: string }) => [r.day, r.status])).toEqual([[YESTERDAY, 'finished_with_errors']]);
    } finally {
      await app.close();
    }

    const again = await reconcileYesterday(tenant.tenantId);
    expect(again).toMatchObject({ status: 'finished_with_errors', found: 3, failedCdrsWritten: result.failedCdrsWritten, userErrors: [{ zoomUserId: deleted }] });
  });
});

describe('"archived" means a stored, verified file', () => {
  it('reports a meeting whose files never became downloadable (deleted while processing, or pending past fileRetryHours) with recording_failed CDRs, and only the stored one counts as archived', async () => {
    const tenant = await registerTenant(world, sim, {
      simTenant: 1,
      configure: [{ index: 0, modality: 'video', individualAudio: false }],
      tenant: { archivingEnabled: false, cloudRecordingsEnabled: true },
    });
    const account = tenant.zoom.accountId;
    const host = tenant.users[0]!.zoomUserId;
    const stranger = tenant.unconfigured[0]!.id;
    const processing = [{ file_type: 'MP4', status: 'processing' as const, readyAt: '2026-07-01T00:00:00Z' }];
    // Hosted by an unconfigured user, with the configured one taking part: the archive keeps it for them.
    const deletedWhileProcessing = await sim.control.addMeeting(account, { hostId: stranger, recorded: true, participants: [{ userId: host }], start_time: at(8), durationMinutes: 20, files: processing });
    const neverReady = await sim.control.addMeeting(account, { hostId: host, recorded: true, participants: [{ userId: stranger }], start_time: at(9), durationMinutes: 20, files: processing });
    const archived = await sim.control.addMeeting(account, { hostId: host, recorded: true, participants: [{ userId: stranger }], start_time: at(10), durationMinutes: 20, files: [{ file_type: 'M4A' }] });
    // Archived as a webhook or the recovery hands a meeting to its ingest (the sync lists by the
    // worker's real clock, which is not the simulator's frozen day).
    for (const m of [deletedWhileProcessing, neverReady, archived]) {
      const meeting = { uuid: m.uuid, meetingNumber: String(m.id), topic: m.topic, hostId: m.host_id, startTime: m.start_time, durationMinutes: 20 };
      await world.temporal.client.workflow.execute('ingestMeeting', {
        args: [{ tenantId: tenant.tenantId, source: 'cloud_recordings', meeting, trigger: 'reconciliation' }], taskQueue: world.temporal.taskQueue,
        workflowId: meetingWorkflowId(tenant.tenantId, m.uuid), workflowExecutionTimeout: '1 minute',
      });
    }
    // The ingest wrote its CDRs while the processing files were pending: the case this is about.
    const before = await cdrsOf(world, tenant.tenantId);
    expect(before.map((c) => [c.platformCallId, c.recordingFailed]).sort()).toEqual([[archived.uuid, false], [deletedWhileProcessing.uuid, false], [neverReady.uuid, false]].sort());

    // Zoom loses the first before it finished processing (its host is removed from the account,
    // recordings and all: Zoom's API refuses to delete an unfinished one); the second stays listed
    // as processing for longer than the tenant retries a file (8 h by default: listed 9 h ago).
    await sim.control.deleteUser(account, stranger);
    await world.database.db.execute(sql`update media_files set created_at = created_at - interval '9 hours' where tenant_id = ${tenant.tenantId} and platform_call_id = ${neverReady.uuid}`);

    const result = await reconcileYesterday(tenant.tenantId);
    const cdrs = await cdrsOf(world, tenant.tenantId);
    expect(cdrs.filter((c) => c.recordingFailed).map(cdrKey).sort()).toEqual([`${deletedWhileProcessing.uuid}|${host}`, `${neverReady.uuid}|${host}`].sort());
    expect(cdrs.find((c) => c.platformCallId === neverReady.uuid)!.recordingFailedReason).toMatch(/still not downloadable 9 h after Zoom listed them/);
    expect(cdrs.find((c) => c.platformCallId === deletedWhileProcessing.uuid)!.recordingFailedReason).toMatch(/^recording failed: .*holds no recording of it \(failed or deleted\)/);
    expect(cdrs.find((c) => c.platformCallId === archived.uuid)).toMatchObject({ recordingFailed: false });
    expect(result).toMatchObject({ status: 'finished', found: 3, failedCdrsWritten: 2, missingFound: 0 });
  });
});

describe('a call whose path Zoom refuses, in the phone check', () => {
  it('is checked by its ends with the refusal in its reason, and the day goes on to every other call', async () => {
    const tenant = await registerTenant(world, sim, {
      simTenant: 6,
      configure: [0, 1].map((index) => ({ index, modality: 'voice' as const, individualAudio: false, phoneExtension: true })),
      tenant: { archivingEnabled: false, cloudRecordingsEnabled: false, phoneEnabled: true, options: { deleteAfterArchive: false, reconciliation: { phoneCallsExpected: 'all' } } },
    });
    const account = tenant.zoom.accountId;
    // Two answered calls nobody recorded, one per configured user: each must get a recording_failed CDR.
    const [refused, plain] = [
      await sim.control.addPhoneCall(account, { userId: tenant.users[0]!.zoomUserId, direction: 'outbound', recorded: false, start_time: at(9), durationSeconds: 120, legs: 1 }),
      await sim.control.addPhoneCall(account, { userId: tenant.users[1]!.zoomUserId, direction: 'outbound', recorded: false, start_time: at(10), durationSeconds: 120, legs: 1 }),
    ];
    await sim.control.setCallFault(account, refused.call_id, 'refused');
    const result = await world.temporal.client.workflow.execute('reconcile', {
      args: [{ tenantId: tenant.tenantId, family: 'phone', day: YESTERDAY }],
      taskQueue: world.temporal.taskQueue, workflowId: reconcileWorkflowId(tenant.tenantId, 'phone', YESTERDAY), workflowExecutionTimeout: '2 minutes',
    }) as ReconcileProgress;
    expect(result.status).toBe('finished');
    const failed = (await cdrsOf(world, tenant.tenantId)).filter((c) => c.recordingFailed);
    expect(failed.map(cdrKey).sort()).toEqual([`${refused.call_id}|${tenant.users[0]!.zoomUserId}`, `${plain.call_id}|${tenant.users[1]!.zoomUserId}`].sort());
    expect(failed.find((c) => c.platformCallId === refused.call_id)!.recordingFailedReason).toMatch(/only its ends were checked: Zoom refused its path \(.*The call log cannot be read/);
    expect(failed.find((c) => c.platformCallId === plain.call_id)!.recordingFailedReason).not.toMatch(/refused/);
  });
});

describe('reconcileDays: one day that fails never stops the others', () => {
  it('ends with the failed day and its reason, the other day finished, the range finished_with_errors', async () => {
    const tenant = await registerTenant(world, sim, {
      simTenant: 2,
      configure: [{ index: 0, modality: 'video', individualAudio: false }],
      tenant: { archivingEnabled: false, cloudRecordingsEnabled: true, options: { deleteAfterArchive: false, reconciliation: { meetingPlan: 'dashboard' } } },
    });
    // Zoom's dashboard reaches back 6 months from its clock (NOW): the first day starts before that.
    const [tooOld, inRange] = ['2025-12-14', '2025-12-15'];
    expect(Date.parse(`${tooOld}T00:00:00Z`)).toBeLessThan(NOW.getTime() - 183 * 86_400_000);
    expect(Date.parse(`${inRange}T00:00:00Z`)).toBeGreaterThan(NOW.getTime() - 183 * 86_400_000);
    const result: ReconcileDaysResult = await world.temporal.client.workflow.execute('reconcileDays', {
      args: [{ tenantId: tenant.tenantId, from: tooOld, to: inRange, families: ['meetings'] }],
      taskQueue: world.temporal.taskQueue, workflowId: `reconcile-days:${tenant.tenantId}:${tooOld}..${inRange}`, workflowExecutionTimeout: '2 minutes',
    });
    expect(result.status).toBe('finished_with_errors');
    expect(result.days.map((d) => [d.day, d.status]).sort()).toEqual([[tooOld, 'failed'], [inRange, 'finished']]);
    expect(result.days.find((d) => d.day === tooOld)!.error).toMatch(/ZoomRequestError: .*within the last 6 months/);
    const runs = await listReconciliationRuns(world.database.db, tenant.tenantId);
    expect(runs.map((r) => [r.day, r.status]).sort()).toEqual([[tooOld, 'failed'], [inRange, 'finished']]);
  });
});

describe('a cancel during the last step before continue-as-new', () => {
  it('is carried into the new run, which ends cancelled without checking anything', async () => {
    const tenant = await registerTenant(world, sim, {
      simTenant: 3,
      configure: [0, 1, 2, 3].map((index) => ({ index, modality: 'video' as const, individualAudio: false })),
      tenant: { archivingEnabled: false, cloudRecordingsEnabled: true },
    });
    const account = tenant.zoom.accountId;
    // Two people: its check would ask Zoom for its participants.
    await sim.control.addMeeting(account, { hostId: tenant.users[0]!.zoomUserId, recorded: false, participants: [{ userId: tenant.unconfigured[0]!.id }], start_time: at(9), durationMinutes: 10 });
    await sim.control.resetCounters();
    // Each of Zoom's answers takes 300 ms: the walk's one step (4 users, 12 listings) takes seconds.
    await sim.control.setNetwork({ latencyMedianMs: 300, latencyJitter: 0 });
    const reports = 'GET /report/users/{userId}/meetings';
    try {
      const handle = await world.temporal.client.workflow.start('reconcile', {
        // One step per run: the walk's step is the last before continue-as-new.
        args: [{ tenantId: tenant.tenantId, family: 'meetings', day: YESTERDAY, stepsPerRun: 1 }],
        taskQueue: world.temporal.taskQueue, workflowId: reconcileWorkflowId(tenant.tenantId, 'meetings', YESTERDAY), workflowExecutionTimeout: '2 minutes',
      });
      while (await callsAt(account, reports) === 0) await new Promise((r) => setTimeout(r, 50));
      await handle.signal('cancel');
      const ended: ReconcileProgress = await handle.result();
      expect(ended).toMatchObject({ status: 'cancelled', phase: 'walk', found: 1, checked: 0, failedCdrsWritten: 0 });
      // The walk's step ran to its end in the first run; the next run made no call.
      expect(await callsAt(account, reports)).toBe(12);
      expect(await callsAt(account, 'GET /past_meetings/{meetingId}/participants')).toBe(0);
      expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId);
      expect(await getReconciliationRun(world.database.db, tenant.tenantId, { family: 'meetings', day: YESTERDAY })).toMatchObject({ status: 'cancelled' });
    } finally {
      await sim.control.setNetwork('loopback');
    }
  });
});

describe('a backfill of the reconcile schedule', () => {
  it('reconciles the days before each scheduled time, not before the real start time', async () => {
    const tenant = await registerTenant(world, sim, {
      simTenant: 4,
      configure: [{ index: 0, modality: 'video', individualAudio: false }],
      tenant: { archivingEnabled: false, cloudRecordingsEnabled: true },
    });
    const account = tenant.zoom.accountId;
    // An unrecorded meeting of the configured user on each day the backfill must reach.
    const days = ['2026-06-08', '2026-06-09', '2026-06-10', '2026-06-11'];
    for (const day of days) await sim.control.addMeeting(account, { hostId: tenant.users[0]!.zoomUserId, recorded: false, participants: 0, start_time: `${day}T15:00:00Z`, durationMinutes: 10 });
    const truth = await sim.control.groundTruth(account);
    const expected = truth.meetings.filter((m) => days.some((d) => m.start_time.startsWith(d)) && !m.recorded).map((m) => `${m.uuid}|${m.host_id}`).sort();
    expect(expected).toHaveLength(4);

    const built = reconcileScheduleOf(await requireTenant(world.database.db, tenant.tenantId), { taskQueue: world.temporal.taskQueue });
    const scheduleId = `${reconcileScheduleId(tenant.tenantId)}:${uniqueSuffix()}`;
    // Paused, as ops leave it while something is wrong; the backfill makes up for it.
    const schedule = await world.temporal.client.schedule.create({ scheduleId, ...built, state: { paused: true } });
    try {
      // Due at 02:00 UTC on 06-10, 06-11 and 06-12: each reconciles the two days before.
      await schedule.backfill([{ start: new Date('2026-06-10T00:00:00Z'), end: new Date('2026-06-12T23:00:00Z'), overlap: ScheduleOverlapPolicy.BUFFER_ALL }]);
      const results: ReconcileDaysResult[] = [];
      const deadline = Date.now() + 120_000;
      while (results.length < 3) {
        const actions = (await schedule.describe()).info.recentActions;
        if (actions.length === 3 || Date.now() > deadline) {
          expect(actions).toHaveLength(3);
          for (const a of actions) results.push(await world.temporal.client.workflow.getHandle(a.action.workflow.workflowId, a.action.workflow.firstExecutionRunId).result());
        } else await new Promise((r) => setTimeout(r, 200));
      }
      expect(results.map((r) => r.status)).toEqual(['finished', 'finished', 'finished']);
      const runs = await listReconciliationRuns(world.database.db, tenant.tenantId);
      expect(runs.map((r) => r.day).sort()).toEqual(days);
      const failed = (await cdrsOf(world, tenant.tenantId)).filter((c) => c.recordingFailed);
      expect(failed.map(cdrKey).sort()).toEqual(expected);
    } finally {
      await schedule.delete();
    }
  });
});

describe('the dashboard walk waiting for the shared pace', () => {
  it('heartbeats while it waits longer than the step\'s heartbeat timeout (30 s): no attempt times out, no page is asked twice', async () => {
    const tenant = await registerTenant(world, sim, {
      simTenant: 5,
      configure: [{ index: 0, modality: 'video', individualAudio: false }],
      tenant: { archivingEnabled: false, cloudRecordingsEnabled: true, options: { deleteAfterArchive: false, reconciliation: { meetingPlan: 'dashboard' } } },
    });
    const account = tenant.zoom.accountId;
    await sim.control.addMeeting(account, { hostId: tenant.users[0]!.zoomUserId, recorded: false, participants: 0, start_time: at(9), durationMinutes: 10 });
    await sim.control.resetCounters();
    // Other days of a range (other workers) hold the next 11 slots of the tenant's dashboard pace
    // (16 a minute on Business: 3.75 s apart), so the walk's first call waits over 41 s.
    const profile = resolveRateLimits('business', undefined);
    const pace = paceOf(profile.meetings['resource-intensive'], profile.share);
    expect(pace.spacingMs * 11).toBeGreaterThan(40_000);
    const store = pacingStore(world.database.db, tenant.tenantId);
    for (let i = 0; i < 11; i++) await store.reserve({ family: 'meetings', category: 'resource-intensive', ...pace });

    const workflowId = reconcileWorkflowId(tenant.tenantId, 'meetings', YESTERDAY);
    const result = await reconcileYesterday(tenant.tenantId);
    expect(result).toMatchObject({ status: 'finished', plan: 'dashboard', found: 1, failedCdrsWritten: 1 });
    // The day holds fewer than 300 meetings: one page each of past and pastOne, each asked once.
    expect(await callsAt(account, 'GET /metrics/meetings')).toBe(2);
    const events = (await world.temporal.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    expect(events.filter((e) => e.activityTaskTimedOutEventAttributes)).toHaveLength(0);
  }, 120_000);
});
