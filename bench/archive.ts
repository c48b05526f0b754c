/**
 * Archive throughput: a simulated tenant of 1,000 meetings with three files each, archived by one
 * tenantSync on one in-process worker against the Temporal dev server, PostgreSQL and a local media
 * folder. Figures: meetings and MiB per minute, Zoom API calls per meeting (against one metadata call
 * per meeting plus the minimal listing) and list calls (against ceil(rows/300) per user-window).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { and, count, eq } from 'drizzle-orm';
import postgres from 'postgres';
import { createZoomClients } from '../src/activities/zoom-clients.js';
import { openDatabase } from '../src/db/client.js';
import { upsertRecordedUser } from '../src/db/queries/recorded-users.js';
import { upsertTenant } from '../src/db/queries/tenants.js';
import { conversations } from '../src/db/schema/conversations.js';
import { mediaFiles } from '../src/db/schema/media-files.js';
import type { TenantSyncTotals } from '../src/ingest/types.js';
import { runInfraScript } from '../src/local/infra-scripts.js';
import { startDevServer } from '../src/local/temporal-dev-server.js';
import { createSecretBox } from '../src/security/secrets.js';
import { startSimulator } from '../src/simulator/index.js';
import { LocalMediaStore } from '../src/storage/index.js';
import { createArchiverWorker } from '../src/workers/worker.js';
import { syncWorkflowId } from '../src/workflows/ids.js';
import { dateWindows } from '../src/zoom/windows.js';
import { figure, type BenchFigure } from './figures.js';

const MEETINGS = 1000;
const USERS = 5;
/** Spread over the last days, inside the first sync's 30-day lookback. */
const HISTORY_DAYS = 20;
const MIB = 1024 * 1024;
const FILES = [
  { file_type: 'MP4', file_size: 1 * MIB },
  { file_type: 'M4A', file_size: MIB / 4 },
  { file_type: 'CHAT', file_size: 4 * 1024 },
];
const TENANT_ID = 'bench';
/** Zoom's largest page of recordings. */
const MAX_PAGE = 300;

const log = (line: string) => console.error(`[bench:archive] ${line}`);

async function withBenchDatabase<T>(body: (url: string) => Promise<T>): Promise<T> {
  const adminUrl = runInfraScript('start-postgres');
  const name = `za_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    return await body(url.toString());
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => undefined);
    await admin.end({ timeout: 1 });
  }
}

export async function runArchiveBench(): Promise<BenchFigure[]> {
  const mediaDir = mkdtempSync(join(tmpdir(), 'za-bench-archive-'));
  const dev = await startDevServer();
  const sim = await startSimulator({ seed: 1000, tenants: [{ users: USERS, inactiveUsers: 0, meetingsPerDay: 0, days: 1, phoneCallsPerDay: 0 }] });
  try {
    return await withBenchDatabase(async (databaseUrl) => {
      const zoomAccount = sim.tenants[0]!;
      const truth = await sim.control.groundTruth(zoomAccount.accountId);
      const users = truth.users.filter((u) => u.status === 'active').slice(0, USERS);

      log(`adding ${MEETINGS} meetings with ${FILES.length} files each to the simulator`);
      const now = Date.now();
      const expectedSha = new Map<string, string>();
      const meetingsOfUser = new Map<string, string[]>();
      for (let i = 0; i < MEETINGS; i++) {
        const host = users[i % users.length]!;
        const start = new Date(now - 3600_000 - Math.floor((i / MEETINGS) * HISTORY_DAYS * 86_400_000));
        const meeting = await sim.control.addMeeting(zoomAccount.accountId, {
          hostId: host.id, participants: 0, start_time: start.toISOString(), durationMinutes: 30, files: FILES,
          archive: false, transcript: false, chat: false, timeline: false, individualAudio: false,
        });
        for (const f of meeting.files) expectedSha.set(f.id, f.sha256);
        meetingsOfUser.set(host.id, [...(meetingsOfUser.get(host.id) ?? []), meeting.start_time]);
      }

      const database = await openDatabase({ url: databaseUrl });
      const secrets = createSecretBox(randomBytes(32).toString('base64'));
      await upsertTenant(database.db, secrets, {
        id: TENANT_ID,
        name: 'Bench (simulated Zoom account)',
        zoomAccountId: zoomAccount.accountId,
        zoomClientId: zoomAccount.clientId,
        zoomClientSecret: zoomAccount.clientSecret,
        plan: zoomAccount.plan,
        zoomApiBaseUrl: zoomAccount.apiBaseUrl,
        zoomOauthTokenUrl: zoomAccount.oauthTokenUrl,
        allowedDownloadHosts: [new URL(zoomAccount.downloadBaseUrl).hostname],
        archivingEnabled: false,
        cloudRecordingsEnabled: true,
      });
      // Video users: every meeting needs all three files.
      for (const u of users) {
        await upsertRecordedUser(database.db, TENANT_ID, { zoomUserId: u.id, email: u.email, name: u.display_name, modality: 'video', individualAudio: false });
      }

      const zoom = createZoomClients(database.db, secrets);
      const nativeConnection = await NativeConnection.connect({ address: dev.address });
      const connection = await Connection.connect({ address: dev.address });
      const client = new Client({ connection, namespace: dev.namespace });
      const taskQueue = 'bench-archive';
      log('bundling workflows and starting the worker');
      const worker = await createArchiverWorker({
        connection: nativeConnection, namespace: dev.namespace, taskQueue,
        deps: { db: database.db, store: new LocalMediaStore(mediaDir), zoom, location: 'bench' },
      });
      const storedFiles = async () => {
        const [row] = await database.db.select({ n: count() }).from(mediaFiles).where(and(eq(mediaFiles.tenantId, TENANT_ID), eq(mediaFiles.state, 'stored')));
        return row?.n ?? 0;
      };

      await sim.control.resetCounters();
      const syncStarted = new Date();
      const started = performance.now();
      const progress = setInterval(() => {
        void storedFiles().then((n) => log(`${Math.round((performance.now() - started) / 1000)} s: ${n} of ${MEETINGS * FILES.length} files stored`));
      }, 10_000);
      let totals: TenantSyncTotals;
      try {
        totals = await worker.runUntil(client.workflow.execute('tenantSync', {
          taskQueue,
          workflowId: syncWorkflowId(TENANT_ID, 'cloud_recordings'),
          // Throughput of a sync that archives everything: it waits for every child.
          args: [{ tenantId: TENANT_ID, source: 'cloud_recordings', childWaitSeconds: 3600 }],
        })) as TenantSyncTotals;
      } finally {
        clearInterval(progress);
      }
      const minutes = (performance.now() - started) / 60_000;
      const counters = await sim.control.getCounters();

      // Everything archived, verified against the simulator's SHA-256, one CDR per meeting.
      const rows = await database.db.select({ id: mediaFiles.zoomFileId, sha: mediaFiles.sha256, state: mediaFiles.state })
        .from(mediaFiles).where(eq(mediaFiles.tenantId, TENANT_ID));
      const wrong = rows.filter((r) => r.state !== 'stored' || r.sha !== expectedSha.get(r.id)).length;
      const [cdrs] = await database.db.select({ n: count() }).from(conversations).where(eq(conversations.tenantId, TENANT_ID));
      if (rows.length !== expectedSha.size || wrong > 0 || cdrs?.n !== MEETINGS) {
        throw new Error(`archive bench: ${rows.length} file rows for ${expectedSha.size} files, ${wrong} not stored with the right SHA-256, ${cdrs?.n} CDRs for ${MEETINGS} meetings`);
      }
      log(`archived ${totals.meetings} meetings, ${totals.stored} files, ${totals.cdrs} CDRs in ${(minutes * 60).toFixed(1)} s`);

      const apiCalls = Object.entries(counters.tenantEndpoints[zoomAccount.accountId] ?? {})
        .filter(([endpoint]) => !endpoint.includes('/oauth/'))
        .reduce((sum, [, n]) => sum + n, 0);
      const listCalls = counters.endpoints['GET /users/{userId}/recordings'] ?? 0;
      // The fewest list calls the sync's windows allow: ceil(rows/300), at least one, per user-window.
      const from = new Date(syncStarted.getTime() - 30 * 86_400_000).toISOString().slice(0, 10);
      const to = syncStarted.toISOString().slice(0, 10);
      let listBaseline = 0;
      for (const starts of meetingsOfUser.values()) {
        for (const w of dateWindows(from, to, { span: 'month', overlapDays: 1 })) {
          const rowsInWindow = starts.filter((s) => s.slice(0, 10) >= w.from && s.slice(0, 10) <= w.to).length;
          listBaseline += Math.max(1, Math.ceil(rowsInWindow / MAX_PAGE));
        }
      }
      const mib = totals.bytes / MIB;

      await connection.close();
      await nativeConnection.close();
      await zoom.close();
      await database.close();

      const note = `${MEETINGS} meetings x ${FILES.length} files (${FILES.map((f) => f.file_type).join(', ')}), ${USERS} users, 1 worker, PostgreSQL, local folder`;
      return [
        figure('archive.meetings_per_min', MEETINGS / minutes, 'meetings/min', undefined, note),
        figure('archive.mib_per_min', mib / minutes, 'MiB/min', undefined, `${mib.toFixed(0)} MiB in ${(minutes * 60).toFixed(1)} s`),
        figure('archive.api_calls_per_meeting', apiCalls / MEETINGS, 'calls', 1 + listBaseline / MEETINGS,
          `${apiCalls} Zoom API calls (OAuth not counted): ${listCalls} list, ${apiCalls - listCalls} others; baseline one metadata call per meeting + minimal listing`),
        figure('archive.list_calls', listCalls, 'calls', listBaseline, `ceil(rows/300) per user and month window of ${from}..${to}`),
      ];
    });
  } finally {
    await sim.close();
    await dev.stop();
    rmSync(mediaDir, { recursive: true, force: true });
  }
}
