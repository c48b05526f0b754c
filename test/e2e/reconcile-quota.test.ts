import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import { createZoomClients, type ZoomClients } from '../../src/activities/zoom-clients.js';
import { openDatabase, type OpenDatabase } from '../../src/db/client.js';
import { listConversations } from '../../src/db/queries/conversations.js';
import { getReconciliationRun } from '../../src/db/queries/reconciliation.js';
import { upsertRecordedUser } from '../../src/db/queries/recorded-users.js';
import { upsertTenant } from '../../src/db/queries/tenants.js';
import { simulatedTenantInput } from '../../src/demo/demo-tenant.js';
import type { ReconcileProgress } from '../../src/reconciliation/types.js';
import { createSecretBox, type SecretBox } from '../../src/security/secrets.js';
import { startSimulator, type GroundTruth, type RunningSimulator } from '../../src/simulator/index.js';
import { S3MediaStore } from '../../src/storage/index.js';
import { reconcileWorkflowId } from '../../src/workflows/ids.js';
import { MAX_WAKE_JITTER_MS } from '../../src/workflows/reconcile.js';
import type { Clock } from '../../src/zoom/index.js';
import { historyToSavedJson } from '../replay/saved-history.js';
import { createTestBucket, createTestDatabase, createTimeSkippingEnv, uniqueSuffix, type TestBucket, type TestDatabase } from '../harness/index.js';

// Reconciliation against Zoom's daily quota, on the time-skipping test server. The tenant's quota
// is 10 heavy calls a day and reconciliation may use 80% of it (8); reconciling its day by user
// reports takes 4 users × 3 listings = 12 calls, 1.5 times the share. The first simulated day ends
// with the run asleep until 00:00 UTC; Zoom's day (the simulator's clock) and the worker's (the
// shared pacer's) turn together while the workflow's timer is skipped, and the run finishes on the
// next day. Expectations come from the simulator's ground truth.

const DAY = 86_400_000;
const QUOTA = 10;
const SHARE = 0.8;
// At least ten minutes ahead of the real clock, so the worker's own activities never reach it.
const nextMidnight = Math.ceil((Date.now() + 10 * 60_000) / DAY) * DAY;
const yesterday = new Date(nextMidnight - 2 * DAY).toISOString().slice(0, 10);

let env: TestWorkflowEnvironment;
let sim: RunningSimulator;
let database: TestDatabase;
let db: OpenDatabase;
let bucket: TestBucket;
let zoom: ZoomClients;
let secrets: SecretBox;
const taskQueue = `reconcile-quota-${uniqueSuffix()}`;
/** The worker's clock, as the shared pacer reads it: moved with Zoom's day. */
let workerNow = nextMidnight - 3600_000;
const workerClock: Clock = { now: () => new Date(workerNow), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  // An hour before 00:00 UTC on Zoom's clock, which only moves when told.
  sim = await startSimulator({
    seed: 4242, now: new Date(workerNow), freezeClock: true,
    tenants: [{ plan: 'pro', users: 6, inactiveUsers: 0, meetingsPerDay: 0, days: 2, phoneCallsPerDay: 0 }],
  });
  database = await createTestDatabase();
  db = await openDatabase({ url: database.url });
  bucket = await createTestBucket();
  secrets = createSecretBox(randomBytes(32).toString('base64'));
  zoom = createZoomClients(db.db, secrets, { limiterClock: workerClock, freshnessMs: 0 });
}, 60_000);

/** A worker runs once (runUntil): each test has its own. */
const newWorker = () => Worker.create({
  connection: env.nativeConnection, taskQueue, workflowBundle: { codePath: inject('workflowBundlePath') },
  activities: createActivities({ db: db.db, store: new S3MediaStore({ bucket: bucket.bucket, client: bucket.client }), zoom, location: 'quota-test' }),
});

afterAll(async () => {
  await zoom?.close();
  await sim?.close();
  await db?.close();
  await database?.drop();
  await bucket?.drop();
  await env?.teardown();
});

/** A pro tenant of four configured users with unrecorded meetings yesterday; 12 heavy calls reconcile its day. */
async function tenantWithUnrecordedDay(label: string, quota = QUOTA): Promise<{ tenantId: string; truth: GroundTruth; configured: string[] }> {
  const account = sim.tenants[0]!;
  const tenantId = `${label}-${uniqueSuffix()}`;
  await upsertTenant(db.db, secrets, simulatedTenantInput(tenantId, label, account, {
    archivingEnabled: false, cloudRecordingsEnabled: true,
    options: { deleteAfterArchive: false, zoomDailyQuota: { meetings: quota }, reconciliation: { quotaShare: SHARE, meetingPlan: 'user_reports' } },
  }));
  const users = (await sim.control.groundTruth(account.accountId)).users.slice(0, 4);
  for (const u of users) await upsertRecordedUser(db.db, tenantId, { zoomUserId: u.id, email: u.email, name: u.display_name, modality: 'voice', individualAudio: false });
  return { tenantId, truth: await sim.control.groundTruth(account.accountId), configured: users.map((u) => u.id) };
}

/** Recording-failed CDRs the ground truth calls for: one per configured host or participant of each unrecorded meeting of the day. */
function expectedFailedCdrs(truth: GroundTruth, configured: string[]): string[] {
  return truth.meetings
    .filter((m) => m.start_time.startsWith(yesterday) && !m.recorded && !m.external_host)
    .flatMap((m) => configured.filter((id) => m.host_id === id || m.participants.some((p) => p.id === id)).map((id) => `${m.uuid}|${id}`))
    .sort();
}

async function waitForProgress(tenantId: string, want: (p: ReconcileProgress) => boolean): Promise<ReconcileProgress> {
  const handle = env.client.workflow.getHandle(reconcileWorkflowId(tenantId, 'meetings', yesterday));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const progress = await handle.query<ReconcileProgress>('progress').catch(() => undefined);
    if (progress && want(progress)) return progress;
    if (Date.now() > deadline) throw new Error(`progress never matched; last: ${JSON.stringify(progress)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('reconciliation within the daily quota (its histories feed the replay test)', () => {
  let account: string;
  beforeAll(async () => {
    account = sim.tenants[0]!.accountId;
    const users = (await sim.control.groundTruth(account)).users;
    // Yesterday's meetings: some not recorded, with configured and unconfigured people.
    const at = (h: number) => new Date(Date.parse(`${yesterday}T00:00:00Z`) + h * 3600_000).toISOString();
    await sim.control.addMeeting(account, { hostId: users[0]!.id, recorded: false, participants: [{ userId: users[1]!.id }, { name: 'Guest', email: 'guest@example.org' }], start_time: at(9), durationMinutes: 30 });
    await sim.control.addMeeting(account, { hostId: users[2]!.id, recorded: false, participants: 0, start_time: at(11), durationMinutes: 15 });
    await sim.control.addMeeting(account, { hostId: users[5]!.id, recorded: false, participants: [{ userId: users[3]!.id }], start_time: at(13), durationMinutes: 45 });
    await sim.control.addMeeting(account, { hostId: users[4]!.id, recorded: false, participants: [{ userId: users[5]!.id }], start_time: at(15), durationMinutes: 20 });
  });

  it('spends its share, sleeps until 00:00 UTC (+ jitter), and finishes on the next day; progress holds across continue-as-new', async () => {
    const { tenantId, truth, configured } = await tenantWithUnrecordedDay('quota');
    const handle = await env.client.workflow.start('reconcile', {
      taskQueue, workflowId: reconcileWorkflowId(tenantId, 'meetings', yesterday),
      // One step per run: every step continues as new, so progress is read across runs.
      // markQuotaWait off: the time-skipping server indexes no ZoomState (temporal-ui.test.ts checks it on the dev server).
      args: [{ tenantId, family: 'meetings', day: yesterday, stepsPerRun: 1, markQuotaWait: false }],
    });
    const result = await (await newWorker()).runUntil(async () => {
      const asleep = await waitForProgress(tenantId, (p) => p.status === 'waiting_for_quota');
      // The share is spent exactly: 8 of the day's 10 calls, none refused by Zoom.
      expect(asleep).toMatchObject({ phase: 'walk', plan: 'user_reports', heavyCallsUsed: QUOTA * SHARE });
      const pausedUntil = Date.parse(asleep.pausedUntil!);
      expect(pausedUntil).toBeGreaterThanOrEqual(nextMidnight);
      expect(pausedUntil).toBeLessThan(nextMidnight + MAX_WAKE_JITTER_MS);
      expect((await getReconciliationRun(db.db, tenantId, { family: 'meetings', day: yesterday }))).toMatchObject({ status: 'waiting_for_quota' });
      expect((await sim.control.getCounters()).rateLimited['Daily-limit']).toBe(0);
      // Zoom's day turns, and the worker's with it; the workflow's clock is moved past the sleep's
      // end. Time stays locked while the rest runs (awaiting a result would let the test server
      // skip time under running activities).
      workerNow = nextMidnight + 5_000;
      await sim.control.setClock(new Date(workerNow));
      await env.sleep(pausedUntil - (await env.currentTimeMs()) + 1_000);
      await waitForProgress(tenantId, (p) => p.status === 'finished');
      return handle.result();
    });

    expect(result).toMatchObject({ status: 'finished', phase: 'done', heavyCallsUsed: 12, checked: result.found });
    const failed = (await listConversations(db.db, tenantId)).filter((c) => c.recordingFailed);
    const expected = expectedFailedCdrs(truth, configured);
    // Host and participant of the first meeting, the one-person meeting's host, a participant of an unconfigured host's.
    expect(expected).toHaveLength(4);
    expect(failed.map((c) => `${c.platformCallId}|${c.recordedUserZoomId}`).sort()).toEqual(expected);
    expect(result.failedCdrsWritten).toBe(failed.length);

    // Its runs, followed from the first through each continue-as-new: one timer, fired after
    // 00:00 UTC on the workflow's clock, within the jitter.
    const fired: number[] = [];
    let runs = 0;
    let runId: string | undefined = handle.firstExecutionRunId;
    while (runId) {
      const history: temporal.api.history.v1.IHistory = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
      const events = history.events ?? [];
      for (const e of events) if (e.timerFiredEventAttributes) fired.push(Number(e.eventTime!.seconds) * 1000);
      runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      runs += 1;
    }
    expect(runs).toBeGreaterThanOrEqual(2);
    // `npx tsx scripts/save-histories.ts <label>` keeps the first run (a sleep, then continue-as-new) for the replay test.
    if (process.env.SAVE_HISTORIES) {
      const dir = fileURLToPath(new URL('../replay/histories/', import.meta.url));
      const history = await env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).fetchHistory();
      writeFileSync(`${dir}reconcile.quota-sleep.${process.env.SAVE_HISTORIES}.json`, historyToSavedJson(handle.workflowId, history), { flag: 'wx' });
    }
    expect(fired).toHaveLength(1);
    expect(fired[0]).toBeGreaterThanOrEqual(nextMidnight);
    expect(fired[0]).toBeLessThan(nextMidnight + MAX_WAKE_JITTER_MS + 1000);
  });

  it('resumes at once on resumeNow (the quota was raised), and a cancel ends a sleeping run cleanly', async () => {
    workerNow = nextMidnight + DAY - 3600_000;
    await sim.control.setClock(new Date(workerNow));
    const dayAfter = new Date(workerNow).toISOString().slice(0, 10);
    expect(dayAfter).not.toBe(yesterday);
    const raised = await tenantWithUnrecordedDay('resume', 4);
    const cancelled = await tenantWithUnrecordedDay('cancel', 4);
    const start = (tenantId: string) => env.client.workflow.start('reconcile', {
      taskQueue, workflowId: reconcileWorkflowId(tenantId, 'meetings', yesterday), args: [{ tenantId, family: 'meetings', day: yesterday, markQuotaWait: false }],
    });
    const resumed = await start(raised.tenantId);
    const stopped = await start(cancelled.tenantId);
    const [resumedResult, stoppedResult] = await (await newWorker()).runUntil(async () => {
      await waitForProgress(raised.tenantId, (p) => p.status === 'waiting_for_quota');
      await waitForProgress(cancelled.tenantId, (p) => p.status === 'waiting_for_quota');
      await upsertTenant(db.db, secrets, simulatedTenantInput(raised.tenantId, 'resume', sim.tenants[0]!, {
        archivingEnabled: false, cloudRecordingsEnabled: true,
        options: { deleteAfterArchive: false, zoomDailyQuota: { meetings: 1000 }, reconciliation: { quotaShare: SHARE, meetingPlan: 'user_reports' } },
      }));
      await resumed.signal('resumeNow');
      await stopped.signal('cancel');
      // Neither needs the clock to move: time stays locked (see the first test).
      await waitForProgress(raised.tenantId, (p) => p.status === 'finished');
      await waitForProgress(cancelled.tenantId, (p) => p.status === 'cancelled');
      return Promise.all([resumed.result(), stopped.result()]);
    });
    expect(resumedResult).toMatchObject({ status: 'finished', heavyCallsUsed: 12 });
    // It did not wait for the next midnight: its sleep's timer was cancelled, never fired.
    const events = (await resumed.fetchHistory()).events ?? [];
    expect(events.filter((e) => e.timerStartedEventAttributes)).toHaveLength(1);
    expect(events.filter((e) => e.timerCanceledEventAttributes)).toHaveLength(1);
    expect(events.filter((e) => e.timerFiredEventAttributes)).toHaveLength(0);
    expect(stoppedResult).toMatchObject({ status: 'cancelled' });
    expect(await getReconciliationRun(db.db, cancelled.tenantId, { family: 'meetings', day: yesterday })).toMatchObject({ status: 'cancelled' });
  });
});
