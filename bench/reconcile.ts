/**
 * Reconciliation at size: one Business+ account holding RECONCILE_MEETINGS meetings (50,000) in one
 * UTC day with RECONCILE_USERS configured users (5,000), and a Zoom Phone account with
 * RECONCILE_CALLS calls (3,000) that day. The archive already holds every recorded meeting and call
 * (the import did its job); reconciliation must find the unrecorded ones.
 *
 * Figures: heavy + resource-intensive calls for the meetings day against seed 000's estimate for the
 * same day (2 heavy calls per meeting + 4 × ceil(meetings/300)), and against 1% of one Business+
 * daily quota (600); per-second 429s; wall time; phone heavy calls against ceil(calls/300) + 1.
 * Before a figure is printed, the recording_failed CDRs are compared with the simulator's ground
 * truth: one per configured participant of each unrecorded meeting or connected unrecorded call.
 *
 * Then voice quality for every meeting of a day that needs more than one day's share
 * (bench/reconcile-qos.ts, on the time-skipping server).
 *
 * Smaller: `RECONCILE_MEETINGS=5000 RECONCILE_USERS=500 npm run bench -- reconcile`; one part only:
 * `RECONCILE_ONLY=size|qos`.
 * Zoom's dashboard allows 20 listing calls a minute on Business+ (paced at 80%): the 50,000-meeting
 * day takes about ten minutes of listing alone.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, bundleWorkflowCode } from '@temporalio/worker';
import { and, eq } from 'drizzle-orm';
import { createZoomClients } from '../src/activities/zoom-clients.js';
import { openDatabase, type Database } from '../src/db/client.js';
import type { ConversationInput } from '../src/db/queries/conversations.js';
import { upsertRecordedUser } from '../src/db/queries/recorded-users.js';
import { upsertTenant } from '../src/db/queries/tenants.js';
import { conversations } from '../src/db/schema/conversations.js';
import { simulatedTenantInput } from '../src/demo/demo-tenant.js';
import { startDevServer } from '../src/local/temporal-dev-server.js';
import type { ReconcileFamily, ReconcileProgress } from '../src/reconciliation/types.js';
import { createSecretBox } from '../src/security/secrets.js';
import { startSimulator, type GroundTruth, type RunningSimulator, type SimTenantCredentials } from '../src/simulator/index.js';
import { LocalMediaStore } from '../src/storage/index.js';
import { createArchiverWorker, workflowsPath } from '../src/workers/worker.js';
import { reconcileWorkflowId } from '../src/workflows/ids.js';
import { envNumber, withBenchDatabase } from './bench-env.js';
import { figure, type BenchFigure } from './figures.js';
import { runReconcileQosBench } from './reconcile-qos.js';

const SIZE = {
  meetings: envNumber('RECONCILE_MEETINGS', 50_000),
  users: envNumber('RECONCILE_USERS', 5_000),
  calls: envNumber('RECONCILE_CALLS', 3_000),
};
/** Account users besides the configured ones: their meetings are in the dashboard too. */
const UNCONFIGURED_USERS = Math.max(10, Math.round(SIZE.users / 5));
const PHONE_USERS = 200;
const ROWS_PER_PAGE = 300;
/** 1% of one Business+ daily quota of heavy calls (60,000). */
const TARGET_HEAVY = 600;

const log = (line: string) => console.error(`[bench:reconcile] ${line}`);

/** The simulator's clock: late in the day, so every meeting of the day has ended. */
const simNow = new Date(`${new Date().toISOString().slice(0, 10)}T23:30:00Z`);
const day = simNow.toISOString().slice(0, 10);

/** What the import would have written for a recorded meeting or call: a CDR, so the archive has it. */
function archivedCdr(platformCallId: string, userId: string, startTime: string, platform: 'Zoom Meeting' | 'Zoom Phone'): ConversationInput {
  return {
    sourcePlatform: platform, platformCallId, recordedUserZoomId: userId, recordedUserName: userId,
    startedAt: new Date(startTime), from: userId, to: 'Conference', direction: platform === 'Zoom Meeting' ? 'conference' : 'inbound',
    userDirection: 'outgoing', conversationType: 'voice', recordingFailed: false, participants: [],
  };
}

async function insertArchived(db: Database, tenantId: string, rows: ConversationInput[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) await db.insert(conversations).values(rows.slice(i, i + 1000).map((r) => ({ ...r, tenantId })));
}

const secrets = createSecretBox(randomBytes(32).toString('base64'));

async function registerTenant(db: Database, account: SimTenantCredentials, tenantId: string, truth: GroundTruth, configured: number, input: Partial<Parameters<typeof simulatedTenantInput>[3]>): Promise<Set<string>> {
  await upsertTenant(db, secrets, simulatedTenantInput(tenantId, tenantId, account, input));
  const users = truth.users.slice(0, configured);
  for (const u of users) {
    await upsertRecordedUser(db, tenantId, {
      zoomUserId: u.id, email: u.email, name: u.display_name, modality: 'voice', individualAudio: false,
      ...(u.phone_extension !== null ? { phoneExtension: String(u.phone_extension) } : {}),
    });
  }
  return new Set(users.map((u) => u.id));
}

async function reconcileDay(client: Client, taskQueue: string, tenantId: string, family: ReconcileFamily): Promise<{ progress: ReconcileProgress; seconds: number }> {
  const started = performance.now();
  const progress = await client.workflow.execute('reconcile', { taskQueue, workflowId: reconcileWorkflowId(tenantId, family, day), args: [{ tenantId, family, day }] }) as ReconcileProgress;
  return { progress, seconds: (performance.now() - started) / 1000 };
}

async function failedCdrKeys(db: Database, tenantId: string): Promise<string[]> {
  const rows = await db.select({ id: conversations.platformCallId, user: conversations.recordedUserZoomId }).from(conversations)
    .where(and(eq(conversations.tenantId, tenantId), eq(conversations.recordingFailed, true)));
  return rows.map((r) => `${r.id}|${r.user}`).sort();
}

function expectSame(what: string, actual: string[], expected: string[]): void {
  const missing = expected.filter((k) => !actual.includes(k));
  const extra = actual.filter((k) => !expected.includes(k));
  if (missing.length > 0 || extra.length > 0) throw new Error(`reconcile bench: ${what}: ${missing.length} missing (${missing.slice(0, 3).join(', ')}), ${extra.length} extra (${extra.slice(0, 3).join(', ')})`);
}

async function runReconcileSizeBench(): Promise<BenchFigure[]> {
  const dev = await startDevServer();
  log(`generating ${SIZE.meetings} meetings and ${SIZE.calls} calls on ${day}`);
  const sim: RunningSimulator = await startSimulator({
    seed: 5000,
    now: simNow,
    freezeClock: true,
    tenants: [
      { plan: 'business', users: SIZE.users + UNCONFIGURED_USERS, inactiveUsers: 0, days: 0, meetingsPerDay: SIZE.meetings, phoneCallsPerDay: 0, mediaScale: 0.001, externalHostShare: 0, processingShare: 0, onePersonShare: 0.05, recordingFailedShare: 0.2 },
      { plan: 'business', users: PHONE_USERS, inactiveUsers: 0, days: 0, meetingsPerDay: 0, phoneCallsPerDay: SIZE.calls, mediaScale: 0.001 },
    ],
  });
  const mediaDir = mkdtempSync(join(tmpdir(), 'za-bench-reconcile-'));
  try {
    return await withBenchDatabase(async (databaseUrl) => {
      const database = await openDatabase({ url: databaseUrl });
      const [meetingsAccount, phoneAccount] = sim.tenants;
      const meetingsTruth = await sim.control.groundTruth(meetingsAccount!.accountId);
      const phoneTruth = await sim.control.groundTruth(phoneAccount!.accountId);
      const meetings = meetingsTruth.meetings.filter((m) => m.start_time.startsWith(day));
      const calls = phoneTruth.calls.filter((c) => c.start_time.startsWith(day));

      // Meetings: every recorded meeting of a configured user is archived already.
      const configured = await registerTenant(database.db, meetingsAccount!, 'bench-meetings', meetingsTruth, SIZE.users, { archivingEnabled: false, cloudRecordingsEnabled: true });
      const ours = (m: GroundTruth['meetings'][number]) => [...new Set([m.host_id, ...m.participants.filter((p) => p.internal).map((p) => p.id)])].filter((id) => configured.has(id));
      await insertArchived(database.db, 'bench-meetings', meetings.filter((m) => m.recorded && ours(m).length > 0).map((m) => archivedCdr(m.uuid, ours(m)[0]!, m.start_time, 'Zoom Meeting')));
      const expectedMeetings = meetings.filter((m) => !m.recorded).flatMap((m) => ours(m).map((id) => `${m.uuid}|${id}`)).sort();

      // Phone: every recording of a configured user is archived; every connected call must have one.
      const phoneUsers = await registerTenant(database.db, phoneAccount!, 'bench-phone', phoneTruth, PHONE_USERS / 2, {
        archivingEnabled: false, cloudRecordingsEnabled: false, phoneEnabled: true, options: { deleteAfterArchive: false, reconciliation: { phoneCallsExpected: 'all' } },
      });
      const onCall = (c: GroundTruth['calls'][number]) => [...new Set([c.caller.user_id, c.callee.user_id, ...c.legs.map((l) => l.owner_user_id)])].filter((id): id is string => id !== null && phoneUsers.has(id));
      const recordedByUs = (c: GroundTruth['calls'][number]) => c.legs.filter((l) => l.recording && l.owner_user_id !== null && phoneUsers.has(l.owner_user_id)).map((l) => l.owner_user_id!);
      await insertArchived(database.db, 'bench-phone', calls.filter((c) => recordedByUs(c).length > 0).map((c) => archivedCdr(c.call_id, recordedByUs(c)[0]!, c.start_time, 'Zoom Phone')));
      const expectedCalls = calls.filter((c) => c.result === 'answered' && recordedByUs(c).length === 0).flatMap((c) => onCall(c).map((id) => `${c.call_id}|${id}`)).sort();

      const zoom = createZoomClients(database.db, secrets);
      const nativeConnection = await NativeConnection.connect({ address: dev.address });
      const connection = await Connection.connect({ address: dev.address });
      const client = new Client({ connection, namespace: dev.namespace });
      const taskQueue = 'bench-reconcile';
      const quiet = () => undefined;
      const { code } = await bundleWorkflowCode({ workflowsPath, logger: { trace: quiet, debug: quiet, info: quiet, warn: log, error: log, log: quiet } });
      const worker = await createArchiverWorker({
        connection: nativeConnection, namespace: dev.namespace, taskQueue, workflowBundle: { code },
        deps: { db: database.db, store: new LocalMediaStore(mediaDir), zoom, location: 'bench' },
      });
      await sim.control.resetCounters();
      const [meetingsRun, phoneRun] = await worker.runUntil(async () => {
        log(`reconciling ${meetings.length} meetings of ${day}`);
        const m = await reconcileDay(client, taskQueue, 'bench-meetings', 'meetings');
        log(`meetings reconciled in ${m.seconds.toFixed(0)} s: ${JSON.stringify(m.progress)}`);
        const p = await reconcileDay(client, taskQueue, 'bench-phone', 'phone');
        log(`calls reconciled in ${p.seconds.toFixed(0)} s: ${JSON.stringify(p.progress)}`);
        return [m, p] as const;
      });
      const counters = await sim.control.getCounters();
      expectSame('meetings recording_failed CDRs', await failedCdrKeys(database.db, 'bench-meetings'), expectedMeetings);
      expectSame('phone recording_failed CDRs', await failedCdrKeys(database.db, 'bench-phone'), expectedCalls);
      if (meetingsRun.progress.missingFound !== 0 || phoneRun.progress.missingFound !== 0) throw new Error('reconcile bench: the archive held everything recorded, yet something was found missing');

      const endpoints = (account: string) => counters.tenantEndpoints[account] ?? {};
      const meetingsHeavy = Object.entries(endpoints(meetingsAccount!.accountId))
        .filter(([e]) => e.startsWith('GET /metrics/') || e.startsWith('GET /report/'))
        .reduce((s, [, n]) => s + n, 0);
      const medium = endpoints(meetingsAccount!.accountId)['GET /past_meetings/{meetingId}/participants'] ?? 0;
      const seedEstimate = 2 * meetings.length + 4 * Math.ceil(meetings.length / ROWS_PER_PAGE);
      const phoneHeavy = endpoints(phoneAccount!.accountId)['GET /phone/call_history'] ?? 0;
      // `all`: Zoom lists recorded and unrecorded calls apart, so the bound is per listing.
      const recordedCalls = calls.filter((c) => c.recorded).length;
      const phoneBound = Math.ceil(recordedCalls / ROWS_PER_PAGE) + Math.ceil((calls.length - recordedCalls) / ROWS_PER_PAGE);
      await connection.close();
      await nativeConnection.close();
      await zoom.close();
      await database.close();
      const note = `${meetings.length} meetings, ${SIZE.users} configured of ${SIZE.users + UNCONFIGURED_USERS} users, Business+ dashboard; ${expectedMeetings.length} recording_failed CDRs, checked against the ground truth`;
      return [
        figure('reconcile.meetings_heavy_calls', meetingsHeavy, 'calls', seedEstimate, `${note}; baseline: seed 000's 2 per meeting + 4 x ceil(meetings/300)`),
        figure('reconcile.meetings_heavy_vs_1pct_quota', meetingsHeavy, 'calls', TARGET_HEAVY, '1% of one Business+ daily quota (60,000)'),
        figure('reconcile.meetings_medium_calls', medium, 'calls', undefined, 'GET /past_meetings/{id}/participants (no daily quota), for meetings not in the archive'),
        figure('reconcile.meetings_wall_seconds', meetingsRun.seconds, 's', undefined, 'dashboard paced at 16 calls/min (80% of Zoom\'s 20)'),
        figure('reconcile.qps_429s', counters.rateLimited.QPS, '429s', 0),
        figure('reconcile.phone_heavy_calls', phoneHeavy, 'calls', phoneBound + 1, `${calls.length} calls; baseline ceil(calls/300) + 1 per recording status listed; ${expectedCalls.length} recording_failed CDRs checked`),
        figure('reconcile.phone_wall_seconds', phoneRun.seconds, 's'),
      ];
    });
  } finally {
    rmSync(mediaDir, { recursive: true, force: true });
    await sim.close();
    await dev.stop();
  }
}

export async function runReconcileBench(): Promise<BenchFigure[]> {
  const only = process.env.RECONCILE_ONLY;
  if (only !== undefined && only !== 'size' && only !== 'qos') throw new Error(`RECONCILE_ONLY must be size or qos, got '${only}'`);
  return [
    ...(only === 'qos' ? [] : await runReconcileSizeBench()),
    ...(only === 'size' ? [] : await runReconcileQosBench()),
  ];
}
