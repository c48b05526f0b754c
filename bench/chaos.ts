/**
 * `npm run chaos [-- --meetings 500 --calls 200 --seed 1 ...]`: the proof that nothing is lost.
 *
 * On servers of its own (a Temporal dev server with its SQLite file, a PostgreSQL cluster made by
 * initdb, a Versity Gateway, the Zoom simulator over HTTP with a frozen clock), one tenant with
 * `--meetings` meetings and `--calls` phone calls is archived by `--workers` worker processes
 * (src/workers/worker.ts, each its own OS process) through its schedules, while a reconciliation
 * of the day and a CSV recovery (the drop folder) run. At seeded random moments of the chaos
 * window: SIGKILL of a worker (started again), Zoom 5xx and truncated downloads (simulator faults),
 * an S3 outage (the server stopped, then started on the same port and data), a PostgreSQL
 * restart, a Temporal restart (same SQLite file and port) and one configured user deleted at Zoom.
 * Then faults off, and the run waits until everything settles or the time limit passes.
 *
 * It prints a table and JSON lines: files expected (the simulator's ground truth), stored and
 * SHA-256-exact (bytes read back from S3), lost, duplicated objects and CDRs, recording_failed
 * CDRs against the ground truth, recovery requests and reconciliation days by status, wedged
 * work, wall time. Exit code 1 when anything is lost, duplicated or wedged, or a recording_failed
 * CDR is missing or extra beyond what the user's deletion explains.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { openDatabase } from '../src/db/client.js';
import { upsertRecordedUser } from '../src/db/queries/recorded-users.js';
import { upsertTenant } from '../src/db/queries/tenants.js';
import { reconciliationRuns, recoveryRequests, syncStates } from '../src/db/schema/index.js';
import { simulatedTenantInput } from '../src/demo/demo-tenant.js';
import { S3DropFolder } from '../src/recovery/drop-folder.js';
import { signalRecovery } from '../src/recovery/submit.js';
import { createSecretBox } from '../src/security/secrets.js';
import { startSimulator, type GroundTruth } from '../src/simulator/index.js';
import { createRng } from '../src/simulator/random.js';
import { createS3Client } from '../src/storage/index.js';
import { syncScheduleId } from '../src/workflows/ids.js';
import { countArchive, countCdrs, countWork, isTerminal, type ConfiguredUser } from './chaos-truth.js';
import { SupervisedWorker, killEverythingSync, logFile, startChaosPostgres, startChaosS3, startChaosTemporal } from './chaos-servers.js';
import { figure, type BenchFigure } from './figures.js';

const { values: flags } = parseArgs({
  options: {
    meetings: { type: 'string', default: '500' },
    calls: { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
    users: { type: 'string', default: '20' },
    workers: { type: 'string', default: '2' },
    plan: { type: 'string', default: 'pro' },
    'chaos-seconds': { type: 'string', default: '240' },
    's3-outage-seconds': { type: 'string', default: '60' },
    kills: { type: 'string', default: '2' },
    'server-error-share': { type: 'string', default: '0.1' },
    'truncated-share': { type: 'string', default: '0.05' },
    'time-limit-seconds': { type: 'string', default: '900' },
    keep: { type: 'boolean', default: false },
  },
});
const num = (name: keyof typeof flags): number => {
  const n = Number(flags[name]);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number >= 0, got '${String(flags[name])}'`);
  return n;
};
const SIZE = { meetings: num('meetings'), calls: num('calls'), seed: num('seed'), users: Math.max(3, num('users')), workers: Math.max(1, num('workers')) };
const CHAOS_S = num('chaos-seconds');
const S3_OUTAGE_S = num('s3-outage-seconds');
const KILLS = num('kills');
const LIMIT_S = num('time-limit-seconds');
const PLAN = flags.plan === 'business' ? 'business' : 'pro';
const TENANT_ID = 'chaos';
const BUCKET = 'chaos-archive';
const TASK_QUEUE = 'chaos';
/** Fixed, so a signal sent twice (retried while Temporal restarts) files one request. */
const TIMEFRAME_REQUEST_ID = '6f3c1d2e-8a4b-4c5d-9e6f-7a8b9c0d1e2f';

const started = performance.now();
const elapsed = () => (performance.now() - started) / 1000;
const say = (line: string) => console.error(`[chaos ${elapsed().toFixed(0).padStart(4)} s] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries an operation that needs a server the chaos may have down right now. */
async function persist<T>(what: string, fn: () => Promise<T>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
      await sleep(2000);
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), 'za-chaos-'));
let keepLogs = flags.keep;
const cleanUpDir = () => {
  if (flags.keep) return;
  if (!keepLogs) { rmSync(dir, { recursive: true, force: true }); return; }
  for (const entry of readdirSync(dir)) if (!entry.endsWith('.log')) rmSync(join(dir, entry), { recursive: true, force: true });
};
process.once('exit', () => { killEverythingSync(); });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping every server and worker of the run`);
    killEverythingSync();
    cleanUpDir();
    process.exit(130);
  });
}

async function main(): Promise<number> {
  say(`servers in ${dir}: PostgreSQL, S3, Temporal, the simulator (seed ${SIZE.seed}, ${SIZE.meetings} meetings, ${SIZE.calls} calls, ${SIZE.users} users, ${PLAN} plan)`);
  const serverLog = logFile(dir, 'servers.log');
  const pg = await startChaosPostgres(dir);
  const s3 = await startChaosS3(dir, serverLog);
  const temporal = await startChaosTemporal(dir, serverLog);
  // Today 00:00 UTC, frozen: the meetings and calls are yesterday's, a day that has ended (so it
  // can be reconciled) and inside the syncs' look-back, which runs on the real clock.
  const simNow = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
  const day = new Date(simNow.getTime() - 86_400_000).toISOString().slice(0, 10);
  const sim = await startSimulator({
    seed: SIZE.seed, now: simNow, freezeClock: true,
    tenants: [{
      plan: PLAN, users: SIZE.users, days: 1, meetingsPerDay: SIZE.meetings, phoneCallsPerDay: SIZE.calls,
      mediaScale: 0.01, processingShare: 0, archiving: false, recordingFailedShare: 0.3,
    }],
  });
  const account = sim.tenants[0]!;
  const database = await openDatabase({ url: pg.url });
  const secretKey = randomBytes(32).toString('base64');
  const secrets = createSecretBox(secretKey);
  const s3Client = createS3Client({ ...s3, forcePathStyle: true });
  await s3Client.send(new CreateBucketCommand({ Bucket: BUCKET }));

  // Every user configured but the last: nothing of an unconfigured user may be archived.
  const initialTruth = await sim.control.groundTruth(account.accountId);
  const configured = initialTruth.users.slice(0, -1);
  await upsertTenant(database.db, secrets, simulatedTenantInput(TENANT_ID, 'Chaos run (simulated Zoom account)', account, {
    pollIntervalSeconds: 60, phoneEnabled: true, internalNumberPatterns: ['^\\d{4}$', '^\\+1555'],
    options: { deleteAfterArchive: false, reconciliation: { phoneCallsExpected: 'all' }, recovery: { csvPollSeconds: 20 } },
  }));
  const users: ConfiguredUser[] = [];
  for (const u of configured) {
    await upsertRecordedUser(database.db, TENANT_ID, {
      zoomUserId: u.id, email: u.email, name: u.display_name, modality: u.modality, individualAudio: false,
      ...(u.phone_extension !== null ? { phoneExtension: String(u.phone_extension) } : {}),
    });
    users.push({ zoomUserId: u.id, email: u.email, modality: u.modality });
  }

  const workerEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: join(dir, 'worker-data'),
    DATABASE_URL: pg.url,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    S3_BUCKET: BUCKET, S3_ENDPOINT: s3.endpoint, S3_REGION: s3.region,
    S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey, S3_FORCE_PATH_STYLE: 'true',
    ARCHIVER_SECRET_KEY: secretKey,
  };
  const workers = Array.from({ length: SIZE.workers }, (_, i) => new SupervisedWorker(`worker-${i + 1}`, workerEnv, logFile(dir, `worker-${i + 1}.log`), say));
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: temporal.namespace });
  let exitCode = 1;
  try {
    say(`starting ${workers.length} worker processes (each bundles the workflows first)`);
    // One at a time: two webpack bundles at once on a shared two-core machine take longer than in turn.
    for (const w of workers) {
      w.start();
      await w.waitUntilPolling(300_000);
    }
    const setupSeconds = elapsed();
    exitCode = await chaosAndCount({ sim, accountId: account.accountId, initialTruth, users, day, database, s3Client, client, workers, pg, s3, temporal, setupSeconds });
  } finally {
    say('stopping the run\'s workers and servers');
    await Promise.allSettled(workers.map((w) => w.stop()));
    await connection.close().catch(() => undefined);
    await database.close().catch(() => undefined);
    await sim.close().catch(() => undefined);
    await temporal.server.stop().catch(() => undefined);
    await s3.server.stop().catch(() => undefined);
    await pg.stop().catch(() => undefined);
    killEverythingSync();
    keepLogs = exitCode !== 0;
    cleanUpDir();
    if (keepLogs || flags.keep) say(`logs kept in ${dir}`);
  }
  return exitCode;
}

interface Run {
  sim: Awaited<ReturnType<typeof startSimulator>>;
  accountId: string;
  initialTruth: GroundTruth;
  users: ConfiguredUser[];
  day: string;
  database: Awaited<ReturnType<typeof openDatabase>>;
  s3Client: ReturnType<typeof createS3Client>;
  client: Client;
  workers: SupervisedWorker[];
  pg: Awaited<ReturnType<typeof startChaosPostgres>>;
  s3: Awaited<ReturnType<typeof startChaosS3>>;
  temporal: Awaited<ReturnType<typeof startChaosTemporal>>;
  setupSeconds: number;
}

interface ChaosEvent { at: number; name: string; run(): Promise<void> }

async function chaosAndCount(run: Run): Promise<number> {
  const { sim, accountId, initialTruth, users, day, database, s3Client, client, workers } = run;
  const db = database.db;
  const rng = createRng('chaos', SIZE.seed);
  const chaosStart = performance.now();
  const at = () => (performance.now() - chaosStart) / 1000;

  // The schedules exist (each worker brings them in line with the database at start): run the syncs now.
  for (const source of ['cloud_recordings', 'phone'] as const) {
    await persist(`trigger ${source}`, () => client.schedule.getHandle(syncScheduleId(TENANT_ID, source)).trigger());
  }
  // A reconciliation of the day, as ops start one from the UI or the API.
  await persist('start reconcileDays', () => client.workflow.start('reconcileDays', {
    taskQueue: TASK_QUEUE, workflowId: `chaos-reconcile-days-${day}`, args: [{ tenantId: TENANT_ID, from: day, to: day }],
  }));
  // A CSV of meetings for the drop folder: numbers and UUIDs, some of configured hosts, some of
  // the user about to be deleted, some of nobody configured.
  const recorded = initialTruth.meetings.filter((m) => m.recorded && !m.external_host);
  const deletedUser = rng.pick(users.filter((u) => recorded.some((m) => m.host_id === u.zoomUserId)));
  const unconfigured = initialTruth.users.at(-1)!.id;
  const csvMeetings = [
    ...recorded.filter((m) => m.host_id === deletedUser.zoomUserId).slice(0, 2),
    ...recorded.filter((m) => m.host_id === unconfigured).slice(0, 2),
    ...recorded.filter((m) => m.host_id !== deletedUser.zoomUserId && m.host_id !== unconfigured && rng.chance(0.1)).slice(0, 50),
  ];
  const csv = ['meeting_id', ...csvMeetings.map((m, i) => (i % 2 === 0 ? String(m.id) : m.uuid))].join('\n');
  const dropFolder = new S3DropFolder({ client: s3Client, bucket: BUCKET, prefix: 'recovery/' });
  await persist('drop the CSV', () => dropFolder.put(TENANT_ID, 'chaos-recovery.csv', `${csv}\n`));
  say(`syncs triggered, reconciliation of ${day} started, CSV of ${csvMeetings.length} meetings dropped; chaos for ${CHAOS_S} s`);

  // Seeded moments inside the window; the S3 outage ends before the window does.
  const moment = (latest = CHAOS_S * 0.85) => Math.round(CHAOS_S * 0.05 + rng.next() * Math.max(0, latest - CHAOS_S * 0.05));
  const log: { at_s: number; event: string }[] = [];
  const note = (event: string) => { log.push({ at_s: Math.round(at()), event }); say(`chaos: ${event}`); };
  const events: ChaosEvent[] = [
    { at: moment(CHAOS_S * 0.2), name: 'zoom faults on', run: async () => {
      await sim.control.setFaults({ serverError: num('server-error-share'), truncatedBody: num('truncated-share'), targets: 'all' });
      note(`Zoom faults on: ${num('server-error-share') * 100}% 5xx, ${num('truncated-share') * 100}% truncated bodies`);
    } },
    ...Array.from({ length: KILLS }, () => ({ at: moment(), name: 'kill', run: async () => {
      const w = rng.pick(workers);
      w.kill();
      note(`SIGKILL ${w.name} (the supervisor starts it again)`);
    } })),
    { at: moment(Math.max(CHAOS_S * 0.05, CHAOS_S - S3_OUTAGE_S - 10)), name: 's3', run: async () => {
      await run.s3.server.stop('SIGKILL');
      note(`S3 down for ${S3_OUTAGE_S} s`);
      await sleep(S3_OUTAGE_S * 1000);
      await run.s3.server.start();
      note('S3 up again (same port, same data)');
    } },
    { at: moment(), name: 'postgres', run: async () => {
      note('PostgreSQL restart (fast: every session cut)');
      await run.pg.restart();
      note('PostgreSQL up again');
    } },
    { at: moment(), name: 'temporal', run: async () => {
      note('Temporal dev server restart (same SQLite file and port)');
      await run.temporal.server.restart();
      note('Temporal up again');
    } },
    { at: moment(), name: 'delete user', run: async () => {
      await sim.control.deleteUser(accountId, deletedUser.zoomUserId);
      note(`configured user ${deletedUser.zoomUserId} deleted at Zoom (their cloud recordings with them)`);
      // Support asks for the day again while that user is gone: the request must end, not wedge the queue.
      await persist('request a time frame', () => signalRecovery({ client, taskQueue: TASK_QUEUE }, TENANT_ID, {
        name: 'recoverTimeframe',
        request: { requestId: TIMEFRAME_REQUEST_ID, source: 'cloud_recordings', from: `${day}T00:00:00Z`, to: `${day}T23:59:59Z`, reason: 'chaos: the day again, a configured user deleted', requestedBy: 'chaos' },
      }));
      note(`recovery of ${day} requested (time frame, cloud recordings)`);
    } },
  ];
  await Promise.all(events.map(async (e) => {
    await sleep(e.at * 1000);
    await e.run().catch((err: Error) => note(`${e.name} failed: ${err.message}`));
  }));
  await sleep(Math.max(0, CHAOS_S - at()) * 1000);
  await sim.control.setFaults({ serverError: 0, truncatedBody: 0 });
  const faultsOff = new Date();
  note('faults off; waiting for everything to settle');

  // Settled: both syncs ran again from start to end after the faults, every recovery request and
  // reconciliation day is done, no ingest is running, and the CSV left the drop folder.
  const deadline = started + LIMIT_S * 1000;
  let recheckAt: Date | null = null;
  let state = await settleState(run, faultsOff, recheckAt);
  let lastReport = 0;
  while (!state.settled && performance.now() < deadline) {
    if (!recheckAt && state.firstPassDone) {
      // The next day's re-check of the day, as the daily schedule runs it: it walks the deleted user again.
      recheckAt = new Date();
      await persist('start the re-check', () => client.workflow.start('reconcileDays', {
        taskQueue: TASK_QUEUE, workflowId: `chaos-recheck-${day}`, args: [{ tenantId: TENANT_ID, from: day, to: day }],
      }));
      note(`re-check of ${day} started (reconcileDays again, the deleted user walked again)`);
    }
    if (performance.now() - lastReport > 30_000) {
      say(`waiting: ${state.summary}`);
      lastReport = performance.now();
    }
    await sleep(5000);
    state = await persist('read the settle state', () => settleState(run, faultsOff, recheckAt));
  }
  say(state.settled ? `settled ${Math.round((Date.now() - faultsOff.getTime()) / 1000)} s after the faults` : `time limit: not settled (${state.summary})`);

  const truth = await sim.control.groundTruth(accountId);
  const archive = await countArchive(db, s3Client, BUCKET, TENANT_ID, truth, users);
  const cdrs = await countCdrs(db, TENANT_ID, truth, users, day);
  const work = await countWork(db, TENANT_ID);
  const workflows = await workflowCounts(client);
  const wallS = elapsed();

  const wedged = state.unfinishedRequests + state.unfinishedReconciliations + state.runningIngests + state.syncsNotRerun;
  const figures: BenchFigure[] = [
    figure('chaos.files_expected', archive.expected, 'files', undefined, `${archive.expectedMeetingFiles} meeting + ${archive.expectedPhoneFiles} phone files of configured users (ground truth)`),
    figure('chaos.files_stored', archive.stored, 'files', archive.expected, 'expected files with an object in S3'),
    figure('chaos.files_sha256_exact', archive.sha256Exact, 'files', archive.expected, 'bytes read back with GetObject hash to the simulator\'s SHA-256 and size'),
    figure('chaos.files_lost', archive.lost, 'files', undefined, archive.lostExamples.slice(0, 3).join(' ; ')),
    figure('chaos.objects_duplicated', archive.duplicatedObjects, 'files', undefined, 'files with more than one object'),
    figure('chaos.objects_unexpected', archive.unexpectedObjects, 'objects', undefined, 'objects of no file the simulator held for a configured user'),
    figure('chaos.objects_of_deleted_files', archive.storedThenDeletedInZoom, 'objects', undefined, 'archived before Zoom deleted them with their user (allowed)'),
    figure('chaos.cdrs_duplicated', cdrs.duplicated, 'pairs', undefined, `${cdrs.cdrs} CDRs; pairs (conversation, user) with more than one`),
    figure('chaos.recording_failed_cdrs', cdrs.recordingFailedWritten, 'CDRs', cdrs.recordingFailedExpected,
      `baseline: ground truth for ${day}; missing ${cdrs.recordingFailedMissing}, extra ${cdrs.recordingFailedExtra} (${cdrs.recordingFailedExtraOfDeletedUser} of the deleted user or their meetings)`),
    figure('chaos.recovery_requests', Object.values(work.recoveryByStatus).reduce((a, b) => a + b, 0), 'requests', undefined, statusLine(work.recoveryByStatus)),
    figure('chaos.reconciliation_days', Object.values(work.reconciliationByStatus).reduce((a, b) => a + b, 0), 'runs', undefined, statusLine(work.reconciliationByStatus)),
    figure('chaos.wedged', wedged, 'items', undefined,
      `requests ${state.unfinishedRequests}, reconciliations ${state.unfinishedReconciliations}, ingests running ${state.runningIngests}, syncs not run again ${state.syncsNotRerun}`),
    figure('chaos.workflows_failed', workflows.failed, 'workflows', undefined, workflows.failedLine),
    figure('chaos.worker_starts', workers.reduce((n, w) => n + w.starts, 0), 'starts', undefined,
      `${workers.length} workers, ${KILLS} SIGKILLs, ${workers.reduce((n, w) => n + w.unexpectedExits, 0)} exits of their own`),
    figure('chaos.settle_s', state.settled ? (Date.now() - faultsOff.getTime()) / 1000 : -1, 's', undefined, state.settled ? 'faults off to settled' : 'not settled within the time limit'),
    figure('chaos.wall_s', wallS, 's', undefined, `setup ${Math.round(run.setupSeconds)} s, chaos ${CHAOS_S} s, limit ${LIMIT_S} s`),
  ];
  printTable(figures);
  for (const e of log) console.log(JSON.stringify({ bench: 'chaos.event', ...e }));
  for (const f of figures) {
    const { note: _note, ...json } = f;
    console.log(JSON.stringify(json));
  }
  const details = {
    bench: 'chaos.details', seed: SIZE.seed, meetings: SIZE.meetings, calls: SIZE.calls, plan: PLAN, day, deletedUser: deletedUser.zoomUserId,
    rowsByState: archive.rowsByState, lostExamples: archive.lostExamples, failedRows: archive.failedRowExamples,
    recoveryNotFinished: work.recoveryErrors, reconciliationNotFinished: work.reconciliationErrors,
    failedWorkflows: workflows.failedExamples, running: workflows.runningLine, stillRunning: workflows.stuckExamples, waiting: state.summary,
    recordingFailedMissing: cdrs.missingExamples, recordingFailedExtra: cdrs.extraExamples,
  };
  console.log(JSON.stringify(details));
  // A conversation that should have been reported and was not, or one reported for no reason the
  // ground truth or the deletion explains, is as much a defect as a lost file.
  const unexplainedFailed = cdrs.recordingFailedMissing + cdrs.recordingFailedExtra - cdrs.recordingFailedExtraOfDeletedUser;
  return archive.lost > 0 || archive.duplicatedObjects > 0 || cdrs.duplicated > 0 || wedged > 0 || unexplainedFailed > 0 ? 1 : 0;
}

const statusLine = (byStatus: Record<string, number>) => Object.entries(byStatus).map(([s, n]) => `${s} ${n}`).join(', ') || 'none';

interface SettleState {
  settled: boolean;
  firstPassDone: boolean;
  unfinishedRequests: number;
  unfinishedReconciliations: number;
  runningIngests: number;
  syncsNotRerun: number;
  summary: string;
}

async function settleState(run: Run, faultsOff: Date, recheckAt: Date | null): Promise<SettleState> {
  const db = run.database.db;
  const syncs = await db.select().from(syncStates).where(eq(syncStates.tenantId, TENANT_ID));
  const rerun = (source: string) => syncs.some((s) => s.source === source && s.status !== 'running' && s.lastAttemptAt !== null && s.lastAttemptAt > faultsOff);
  const syncsNotRerun = ['cloud_recordings', 'phone'].filter((s) => !rerun(s)).length;
  const requests = await db.select().from(recoveryRequests).where(eq(recoveryRequests.tenantId, TENANT_ID));
  const runs = await db.select().from(reconciliationRuns).where(eq(reconciliationRuns.tenantId, TENANT_ID));
  const unfinishedRequests = requests.filter((r) => !isTerminal(r.status)).length;
  // Both families of the day must have a run, every run be over, and the re-check too.
  const firstPassDone = runs.length === 2 && runs.every((r) => isTerminal(r.status));
  const unfinishedReconciliations = runs.filter((r) => !isTerminal(r.status)).length + Math.max(0, 2 - runs.length)
    + (recheckAt ? runs.filter((r) => r.startedAt < recheckAt).length : 2);
  const runningIngests = await run.client.workflow.count(`WorkflowType IN ('ingestMeeting', 'ingestPhoneCall') AND ExecutionStatus = 'Running'`).then((c) => c.count);
  const csvFiled = requests.some((r) => r.requestedBy.startsWith('csv'));
  const csvWaiting = (await new S3DropFolder({ client: run.s3Client, bucket: BUCKET, prefix: 'recovery/' }).listWaiting(TENANT_ID)).length;
  const settled = syncsNotRerun === 0 && unfinishedRequests === 0 && unfinishedReconciliations === 0 && runningIngests === 0 && csvFiled && csvWaiting === 0;
  const summary = `syncs not run again ${syncsNotRerun} (${syncs.map((s) => `${s.source} ${s.status}`).join(', ')}), requests open ${unfinishedRequests}/${requests.length}${csvFiled ? '' : ' (CSV not filed yet)'}, `
    + `reconciliations open ${unfinishedReconciliations} (${runs.map((r) => `${r.family} ${r.status} ${r.phase}`).join(', ')}${recheckAt ? '' : ', re-check not started'}), ingests running ${runningIngests}, CSV waiting ${csvWaiting}`;
  return { settled, firstPassDone, unfinishedRequests, unfinishedReconciliations, runningIngests, syncsNotRerun, summary };
}

async function workflowCounts(client: Client): Promise<{ failed: number; failedLine: string; failedExamples: string[]; runningLine: string; stuckExamples: string[] }> {
  const failedByType: Record<string, number> = {};
  const failedExamples: string[] = [];
  for await (const w of client.workflow.list({ query: `ExecutionStatus IN ('Failed', 'Terminated', 'TimedOut')` })) {
    failedByType[`${w.type} ${w.status.name}`] = (failedByType[`${w.type} ${w.status.name}`] ?? 0) + 1;
    if (failedExamples.length < 5) {
      const description = await client.workflow.getHandle(w.workflowId, w.runId).result().then(() => '', (err: Error) => `${err.message}${err.cause ? `: ${(err.cause as Error).message}` : ''}`);
      failedExamples.push(`${w.workflowId}: ${description}`.slice(0, 300));
    }
  }
  const runningByType: Record<string, number> = {};
  const stuckExamples: string[] = [];
  for await (const w of client.workflow.list({ query: `ExecutionStatus = 'Running'` })) {
    runningByType[w.type] = (runningByType[w.type] ?? 0) + 1;
    if (w.type === 'recovery' || stuckExamples.length >= 5) continue;
    // What it waits on: its pending activities' last failures.
    const described = await client.workflow.getHandle(w.workflowId, w.runId).describe();
    const pending = (described.raw.pendingActivities ?? []).map((a) => `${a.activityType?.name ?? '?'} attempt ${a.attempt ?? '?'}: ${a.lastFailure?.message ?? 'no failure yet'}`);
    stuckExamples.push(`${w.workflowId}: ${pending.join(' | ') || 'no pending activity'}`.slice(0, 400));
  }
  return {
    failed: Object.values(failedByType).reduce((a, b) => a + b, 0),
    failedLine: statusLine(failedByType),
    failedExamples,
    runningLine: statusLine(runningByType),
    stuckExamples,
  };
}

function printTable(figures: BenchFigure[]): void {
  const rows = figures.map((f) => [f.bench, `${f.value} ${f.unit}`, f.baseline === undefined ? '' : `${f.baseline} ${f.unit}`, f.note ?? '']);
  const header = ['figure', 'value', 'of', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(Math.min(w, 60))).join('  '));
  for (const row of rows) console.log(line(row));
  console.log('');
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(err);
  killEverythingSync();
  keepLogs = true;
  cleanUpDir();
  say(`failed; logs kept in ${dir}`);
  process.exit(2);
});
