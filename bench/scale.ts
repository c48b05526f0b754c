/**
 * Scale: the archiver as production runs it — two worker processes (`src/workers/worker.ts`, each
 * its own OS process) on the Temporal dev server, PostgreSQL and a local S3 server — against the
 * Zoom simulator.
 *
 * 1. One tenant with SCALE_MEETINGS meetings (10,000) in a day, three files each, SCALE_USERS
 *    configured users (5,000): meetings archived per minute, Zoom calls per meeting against the
 *    minimum, list calls against ceil(rows/300) per user-window, per-second 429s, the largest
 *    payload and longest history Temporal holds, peak RSS per worker.
 * 2. SCALE_TENANTS tenants (100) × SCALE_TENANT_MEETINGS meetings (100), every sync started at
 *    once: time to archive all, and how evenly tenants finish (fairness).
 *
 * Every stored file is checked against the simulator's SHA-256 before a figure is printed.
 * Smaller runs: `SCALE_MEETINGS=500 SCALE_USERS=250 SCALE_TENANTS=10 npm run bench -- scale`; one of
 * the two: `SCALE_ONLY=large|tenants`; meetings in flight per tenant: `SCALE_CONCURRENCY` (product default).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Client, Connection, type WorkflowExecutionInfo } from '@temporalio/client';
import { and, count, eq } from 'drizzle-orm';
import { openDatabase, type Database } from '../src/db/client.js';
import { upsertTenant } from '../src/db/queries/tenants.js';
import { recordedUsers } from '../src/db/schema/index.js';
import { mediaFiles } from '../src/db/schema/media-files.js';
import { startVersityGateway, type RunningS3Server } from '../src/local/s3-server.js';
import { startDevServer, type RunningDevServer } from '../src/local/temporal-dev-server.js';
import { createSecretBox } from '../src/security/secrets.js';
import { startSimulator, type RunningSimulator, type SimTenantCredentials } from '../src/simulator/index.js';
import { syncWorkflowId } from '../src/workflows/ids.js';
import { dateWindows } from '../src/zoom/windows.js';
import { startArchiverProcess, type ArchiverProcess } from '../test/harness/processes.js';
import { envNumber, withBenchDatabase } from './bench-env.js';
import { figure, type BenchFigure } from './figures.js';


const SIZE = {
  meetings: envNumber('SCALE_MEETINGS', 10_000),
  users: envNumber('SCALE_USERS', 5_000),
  tenants: envNumber('SCALE_TENANTS', 100),
  tenantMeetings: envNumber('SCALE_TENANT_MEETINGS', 100),
  tenantUsers: 5,
  workers: 2,
  /** tenantSync's `concurrency` (meetings in flight per tenant); the product's default when unset. */
  concurrency: process.env.SCALE_CONCURRENCY ? envNumber('SCALE_CONCURRENCY', 8) : undefined,
};
const concurrencyInput = SIZE.concurrency === undefined ? {} : { concurrency: SIZE.concurrency };
const KIB = 1024;
/** Small files: this bench is about orchestration, quota and bookkeeping; bytes are bench media-store's. */
const FILES = [
  { file_type: 'MP4', file_size: 48 * KIB },
  { file_type: 'M4A', file_size: 12 * KIB },
  { file_type: 'CHAT', file_size: 2 * KIB },
];
const MAX_PAGE = 300;
const TASK_QUEUE = 'bench-scale';
const LOOKBACK_DAYS = 30;

const log = (line: string) => console.error(`[bench:scale] ${line}`);

interface Stack {
  dev: RunningDevServer;
  s3: RunningS3Server;
  sim: RunningSimulator;
  databaseUrl: string;
  db: Database;
  secretKey: string;
  client: Client;
  workers: ArchiverProcess[];
  close(): Promise<void>;
}

/** Temporal, S3, PostgreSQL (migrated), the simulator, and SIZE.workers worker processes. */
async function withStack<T>(simTenants: { users: number }[], body: (stack: Stack) => Promise<T>): Promise<T> {
  return withBenchDatabase(async (databaseUrl) => {
    const stack = await startStack(databaseUrl, simTenants);
    try {
      return await body(stack);
    } finally {
      await stack.close();
    }
  });
}

async function startStack(databaseUrl: string, simTenants: { users: number }[]): Promise<Stack> {
  const dev = await startDevServer();
  const s3 = await startVersityGateway();
  const opened = await openDatabase({ url: databaseUrl });
  const sim = await startSimulator({
    seed: 1100,
    now: new Date(),
    freezeClock: true,
    tenants: simTenants.map((t) => ({ users: t.users, inactiveUsers: 0, meetingsPerDay: 0, days: 1, phoneCallsPerDay: 0, archiving: false })),
  });
  const secretKey = randomBytes(32).toString('base64');
  const connection = await Connection.connect({ address: dev.address });
  const client = new Client({ connection, namespace: dev.namespace });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: dev.address,
    TEMPORAL_NAMESPACE: dev.namespace,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    S3_BUCKET: 'bench-scale',
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: s3.region,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    S3_FORCE_PATH_STYLE: 'true',
    S3_CREATE_BUCKET: 'true',
    ARCHIVER_SECRET_KEY: secretKey,
  };
  // Workers start before any tenant exists, so no schedule starts a sync of its own.
  const workers = Array.from({ length: SIZE.workers }, (_, i) => startArchiverProcess(`worker-${i + 1}`, 'src/workers/worker.ts', [], env));
  await Promise.all(workers.map((w) => w.waitFor(/polling task queue/, 180_000)));
  return {
    dev, s3, sim, databaseUrl, db: opened.db, secretKey, client, workers,
    close: async () => {
      await Promise.allSettled(workers.map((w) => w.stop()));
      await connection.close();
      await opened.close();
      await sim.close();
      await s3.stop();
      await dev.stop();
    },
  };
}

/** Pids of a process and all its descendants (tsx runs the entry point in a child node process). */
function processTree(pid: number): number[] {
  const out = [pid];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    for (const child of children ? children.split(/\s+/).map(Number) : []) out.push(...processTree(child));
  }
  return out;
}

/** The worker's peak resident set (VmHWM of its largest process), in MiB. */
function peakRssMib(pid: number): number {
  const peaks = processTree(pid).map((p) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0));
  return Math.max(...peaks) / 1024;
}

interface SimulatedTenant {
  tenantId: string;
  zoom: SimTenantCredentials;
  /** SHA-256 of every file the simulator holds for the tenant, by Zoom file id. */
  expectedSha: Map<string, string>;
  /** Meeting start days (yyyy-mm-dd) per host: the list-call baseline. */
  startsOfUser: Map<string, string[]>;
  meetings: number;
}

/** Adds `meetings` meetings of the last day to a simulated account and registers it as a tenant with all its users recorded. */
async function simulatedTenant(stack: Stack, index: number, tenantId: string, meetings: number): Promise<SimulatedTenant> {
  const zoom = stack.sim.tenants[index]!;
  const truth = await stack.sim.control.groundTruth(zoom.accountId);
  const users = truth.users.filter((u) => u.status === 'active');
  const now = Date.now();
  const expectedSha = new Map<string, string>();
  const startsOfUser = new Map<string, string[]>();
  for (let i = 0; i < meetings; i++) {
    const host = users[i % users.length]!;
    // Within the last day, ended an hour ago at the latest.
    const start = new Date(now - 3600_000 - Math.floor((i / meetings) * 20 * 3600_000));
    const meeting = await stack.sim.control.addMeeting(zoom.accountId, {
      hostId: host.id, participants: 0, start_time: start.toISOString(), durationMinutes: 30, files: FILES,
      archive: false, transcript: false, chat: false, timeline: false, individualAudio: false,
    });
    for (const f of meeting.files) expectedSha.set(f.id, f.sha256);
    startsOfUser.set(host.id, [...(startsOfUser.get(host.id) ?? []), meeting.start_time.slice(0, 10)]);
  }
  const secrets = createSecretBox(stack.secretKey);
  await upsertTenant(stack.db, secrets, {
    id: tenantId,
    name: `Bench scale ${tenantId}`,
    zoomAccountId: zoom.accountId,
    zoomClientId: zoom.clientId,
    zoomClientSecret: zoom.clientSecret,
    plan: zoom.plan,
    zoomApiBaseUrl: zoom.apiBaseUrl,
    zoomOauthTokenUrl: zoom.oauthTokenUrl,
    allowedDownloadHosts: [new URL(zoom.downloadBaseUrl).hostname],
    archivingEnabled: false,
    cloudRecordingsEnabled: true,
  });
  // One statement per thousand users: registering 5,000 users is set-up, not the bench.
  const rows = users.map((u) => ({ tenantId, zoomUserId: u.id, email: u.email, name: u.display_name, modality: 'video' as const, individualAudio: false }));
  for (let i = 0; i < rows.length; i += 1000) await stack.db.insert(recordedUsers).values(rows.slice(i, i + 1000));
  return { tenantId, zoom, expectedSha, startsOfUser, meetings };
}

/** Throws unless every file of the tenant is stored with the simulator's SHA-256. */
async function verifyArchived(db: Database, tenant: SimulatedTenant): Promise<void> {
  const rows = await db.select({ id: mediaFiles.zoomFileId, sha: mediaFiles.sha256, state: mediaFiles.state }).from(mediaFiles).where(eq(mediaFiles.tenantId, tenant.tenantId));
  const wrong = rows.filter((r) => r.state !== 'stored' || r.sha !== tenant.expectedSha.get(r.id)).length;
  if (rows.length !== tenant.expectedSha.size || wrong > 0) {
    throw new Error(`scale bench: tenant ${tenant.tenantId}: ${rows.length} file rows for ${tenant.expectedSha.size} files, ${wrong} not stored with the simulator's SHA-256`);
  }
}

const storedFiles = async (db: Database, tenantId: string) => {
  const [row] = await db.select({ n: count() }).from(mediaFiles).where(and(eq(mediaFiles.tenantId, tenantId), eq(mediaFiles.state, 'stored')));
  return row?.n ?? 0;
};

/** The fewest list calls the sync's windows allow: ceil(rows/300), at least one, per user and window. */
function listCallBaseline(tenant: SimulatedTenant, users: number, syncStarted: Date): number {
  const from = new Date(syncStarted.getTime() - LOOKBACK_DAYS * 86_400_000).toISOString().slice(0, 10);
  const to = syncStarted.toISOString().slice(0, 10);
  const windows = dateWindows(from, to, { span: 'month', overlapDays: 1 });
  // Users without a meeting still cost one call per window.
  let baseline = (users - tenant.startsOfUser.size) * windows.length;
  for (const starts of tenant.startsOfUser.values()) {
    for (const w of windows) baseline += Math.max(1, Math.ceil(starts.filter((s) => s >= w.from && s <= w.to).length / MAX_PAGE));
  }
  return baseline;
}

/** Sum of the bytes of one Payloads set, for every set in an event; the largest of the history. */
function largestPayload(value: unknown): number {
  let largest = 0;
  const visit = (v: unknown) => {
    if (!v || typeof v !== 'object' || v instanceof Uint8Array) return;
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.payloads)) {
      const bytes = (o.payloads as { data?: Uint8Array | null }[]).reduce((sum, p) => sum + (p.data?.length ?? 0), 0);
      largest = Math.max(largest, bytes);
    }
    for (const child of Object.values(o)) visit(child);
  };
  visit(value);
  return largest;
}

/** Longest history among every workflow, and the largest payload among the syncs' histories and a sample of children. */
async function historyFigures(client: Client, sampleChildren: number): Promise<{ longest: number; longestType: string; largestPayload: number; largestPayloadType: string; workflows: number }> {
  const infos: WorkflowExecutionInfo[] = [];
  for await (const info of client.workflow.list({ query: `TaskQueue = '${TASK_QUEUE}'` })) infos.push(info);
  let longest = 0;
  let longestType = '';
  for (const i of infos) if ((i.historyLength ?? 0) > longest) { longest = i.historyLength; longestType = i.type; }
  const syncs = infos.filter((i) => i.type === 'tenantSync');
  const children = infos.filter((i) => i.type !== 'tenantSync').slice(0, sampleChildren);
  let largest = 0;
  let largestType = '';
  for (const info of [...syncs, ...children]) {
    const history = await client.workflow.getHandle(info.workflowId, info.runId).fetchHistory();
    const size = largestPayload(history);
    if (size > largest) { largest = size; largestType = info.type; }
  }
  return { longest, longestType, largestPayload: largest, largestPayloadType: largestType, workflows: infos.length };
}

async function oneLargeTenant(): Promise<BenchFigure[]> {
  return withStack([{ users: SIZE.users }], async (stack) => {
    log(`adding ${SIZE.meetings} meetings × ${FILES.length} files for ${SIZE.users} users`);
    const tenant = await simulatedTenant(stack, 0, 'bench-large', SIZE.meetings);
    await stack.sim.control.resetCounters();
    const syncStarted = new Date();
    const started = performance.now();
    const progress = setInterval(() => {
      void storedFiles(stack.db, tenant.tenantId).then((n) => log(`${Math.round((performance.now() - started) / 1000)} s: ${n} of ${tenant.expectedSha.size} files stored`));
    }, 15_000);
    try {
      // As the schedule starts it (default concurrency), but waiting for every child: the run ends when all is archived.
      await stack.client.workflow.execute('tenantSync', {
        taskQueue: TASK_QUEUE,
        workflowId: syncWorkflowId(tenant.tenantId, 'cloud_recordings'),
        args: [{ tenantId: tenant.tenantId, source: 'cloud_recordings', childWaitSeconds: 3600, ...concurrencyInput }],
      });
    } finally {
      clearInterval(progress);
    }
    const minutes = (performance.now() - started) / 60_000;
    await verifyArchived(stack.db, tenant);
    const counters = await stack.sim.control.getCounters();
    const rss = stack.workers.map((w) => peakRssMib(w.pid));
    log(`archived ${SIZE.meetings} meetings in ${(minutes * 60).toFixed(0)} s; reading histories`);
    const histories = await historyFigures(stack.client, 200);

    const apiCalls = Object.entries(counters.tenantEndpoints[tenant.zoom.accountId] ?? {})
      .filter(([endpoint]) => !endpoint.includes('/oauth/'))
      .reduce((sum, [, n]) => sum + n, 0);
    const listCalls = counters.tenantEndpoints[tenant.zoom.accountId]?.['GET /users/{userId}/recordings'] ?? 0;
    const listBaseline = listCallBaseline(tenant, SIZE.users, syncStarted);
    const note = `${SIZE.meetings} meetings × ${FILES.length} files, ${SIZE.users} users, ${SIZE.workers} worker processes, Business plan pacing, S3`;
    return [
      figure('scale.large.meetings_per_min', SIZE.meetings / minutes, 'meetings/min', undefined, `${note}; ${(minutes * 60).toFixed(0)} s`),
      figure('scale.large.api_calls_per_meeting', apiCalls / SIZE.meetings, 'calls', (SIZE.meetings + listBaseline) / SIZE.meetings,
        `${apiCalls} Zoom API calls (OAuth not counted); minimum one metadata call per meeting + minimal listing`),
      figure('scale.large.list_calls', listCalls, 'calls', listBaseline, 'ceil(rows/300) per user and window'),
      figure('scale.large.qps_429', counters.rateLimited.QPS, '429s', undefined, 'per-second 429s the simulator sent (target 0)'),
      figure('scale.large.largest_payload_kib', histories.largestPayload / 1024, 'KiB', 64, `largest Payloads in the tenantSync histories and ${Math.min(200, histories.workflows)} children (${histories.largestPayloadType}); target ≤ 64 KiB`),
      figure('scale.large.longest_history_events', histories.longest, 'events', 10_000, `longest of ${histories.workflows} workflow runs (${histories.longestType}); target ≤ 10,000`),
      ...rss.map((mib, i) => figure(`scale.large.worker_${i + 1}_peak_rss_mib`, mib, 'MiB', undefined, 'VmHWM of the worker process')),
    ];
  });
}

async function manyTenants(): Promise<BenchFigure[]> {
  return withStack(Array.from({ length: SIZE.tenants }, () => ({ users: SIZE.tenantUsers })), async (stack) => {
    log(`adding ${SIZE.tenants} tenants × ${SIZE.tenantMeetings} meetings`);
    const tenants: SimulatedTenant[] = [];
    for (let i = 0; i < SIZE.tenants; i++) tenants.push(await simulatedTenant(stack, i, `bench-t${String(i).padStart(3, '0')}`, SIZE.tenantMeetings));
    const started = performance.now();
    const finishedAt = await Promise.all(tenants.map(async (t) => {
      await stack.client.workflow.execute('tenantSync', {
        taskQueue: TASK_QUEUE,
        workflowId: syncWorkflowId(t.tenantId, 'cloud_recordings'),
        args: [{ tenantId: t.tenantId, source: 'cloud_recordings', childWaitSeconds: 3600, ...concurrencyInput }],
      });
      return (performance.now() - started) / 1000;
    }));
    const allSeconds = Math.max(...finishedAt);
    for (const t of tenants) await verifyArchived(stack.db, t);
    const sorted = [...finishedAt].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const first = sorted[0]!;
    const counters = await stack.sim.control.getCounters();
    const note = `${SIZE.tenants} tenants × ${SIZE.tenantMeetings} meetings × ${FILES.length} files, every sync started at once, ${SIZE.workers} worker processes`;
    return [
      figure('scale.tenants.all_archived_s', allSeconds, 's', undefined, note),
      figure('scale.tenants.first_tenant_done_s', first, 's', undefined, 'the first tenant whose sync (all its meetings) finished'),
      figure('scale.tenants.median_tenant_done_s', median, 's', undefined, 'fairness: tenants progress side by side, so they finish close together'),
      figure('scale.tenants.last_over_median', allSeconds / median, 'x', undefined, 'last tenant finished / median tenant finished'),
      figure('scale.tenants.qps_429', counters.rateLimited.QPS, '429s', undefined, 'per-second 429s the simulator sent (target 0)'),
    ];
  });
}

/** `SCALE_ONLY=large` or `SCALE_ONLY=tenants` runs one of the two. */
export async function runScaleBench(): Promise<BenchFigure[]> {
  const only = process.env.SCALE_ONLY;
  if (only !== undefined && only !== 'large' && only !== 'tenants') throw new Error(`SCALE_ONLY must be 'large' or 'tenants', got '${only}'`);
  return [...(only !== 'tenants' ? await oneLargeTenant() : []), ...(only !== 'large' ? await manyTenants() : [])];
}
