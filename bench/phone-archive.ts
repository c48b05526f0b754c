/**
 * The phone half of `npm run bench -- archive`: one phoneSync of a simulated account's call
 * recordings on one in-process worker (Temporal dev server, PostgreSQL, a local media folder),
 * timed until every recording is stored and has its CDR, every stored file hashed against the
 * simulator's SHA-256. Figures: calls archived per minute; Zoom calls per call against the
 * minimum (ceil(rows/300) list calls per window, the call's legs by light calls, one download per
 * recording); heavy calls (none belong in the import path). Size: `PHONE_CALLS` (1,000).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { and, count, eq } from 'drizzle-orm';
import { createZoomClients } from '../src/activities/zoom-clients.js';
import { openDatabase } from '../src/db/client.js';
import { upsertRecordedUser } from '../src/db/queries/recorded-users.js';
import { upsertTenant } from '../src/db/queries/tenants.js';
import { conversations } from '../src/db/schema/conversations.js';
import { mediaFiles } from '../src/db/schema/media-files.js';
import type { PhoneSyncInput, PhoneSyncTotals } from '../src/ingest/types.js';
import type { RunningDevServer } from '../src/local/temporal-dev-server.js';
import { createSecretBox } from '../src/security/secrets.js';
import { startSimulator } from '../src/simulator/index.js';
import { LocalMediaStore } from '../src/storage/index.js';
import { createArchiverWorker } from '../src/workers/worker.js';
import { syncWorkflowId } from '../src/workflows/ids.js';
import { PHONE_WINDOW_MS, timeWindows } from '../src/zoom/windows.js';
import { envNumber, withBenchDatabase } from './bench-env.js';
import { figure, type BenchFigure } from './figures.js';

const MIB = 1024 * 1024;
const DAY_MS = 86_400_000;
const HISTORY_DAYS = 20;
/** The first sync's lookback (beginSync's default for a new tenant). */
const LOOKBACK_DAYS = 30;
/** Zoom's largest page of phone recordings. */
const MAX_PAGE = 300;
/** A five-minute call's MP3. */
const RECORDING_BYTES = MIB;

const log = (line: string) => console.error(`[bench:archive:phone] ${line}`);

async function hashFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.startsWith('.')) continue;
    const hash = createHash('sha256');
    await pipeline(createReadStream(join(entry.parentPath, entry.name)), hash);
    out.push(hash.digest('hex'));
  }
  return out.sort();
}

export async function runPhoneArchiveBench(dev: RunningDevServer, workflowBundle: { code: string }): Promise<BenchFigure[]> {
  const calls = envNumber('PHONE_CALLS', 1000);
  const sim = await startSimulator({ seed: 1001, tenants: [{ users: 5, inactiveUsers: 0, meetingsPerDay: 0, days: 1, phoneCallsPerDay: 0 }] });
  const mediaDir = mkdtempSync(join(tmpdir(), 'za-bench-phone-'));
  const tenantId = 'bench-phone';
  try {
    const account = sim.tenants[0]!;
    const users = (await sim.control.groundTruth(account.accountId)).users.filter((u) => u.status === 'active' && u.phone_extension !== null);
    log(`adding ${calls} recorded calls to the simulator`);
    const now = Date.now();
    const sha256s: string[] = [];
    const recordingTimes: number[] = [];
    for (let i = 0; i < calls; i++) {
      const start = new Date(now - 3600_000 - Math.floor((i / calls) * HISTORY_DAYS * DAY_MS));
      const call = await sim.control.addPhoneCall(account.accountId, {
        userId: users[i % users.length]!.id, legs: 1, recorded: true, start_time: start.toISOString(), durationSeconds: 300, recordingFileSize: RECORDING_BYTES,
      });
      const rec = call.legs[0]!.recording!;
      sha256s.push(rec.file.sha256);
      recordingTimes.push(Date.parse(rec.file.recording_start));
    }

    return await withBenchDatabase(async (databaseUrl) => {
      const database = await openDatabase({ url: databaseUrl });
      const secrets = createSecretBox(randomBytes(32).toString('base64'));
      await upsertTenant(database.db, secrets, {
        id: tenantId, name: 'Bench phone (simulated Zoom account)', zoomAccountId: account.accountId, zoomClientId: account.clientId,
        zoomClientSecret: account.clientSecret, plan: account.plan, zoomApiBaseUrl: account.apiBaseUrl, zoomOauthTokenUrl: account.oauthTokenUrl,
        allowedDownloadHosts: [new URL(account.downloadBaseUrl).hostname], archivingEnabled: false, cloudRecordingsEnabled: false, phoneEnabled: true,
      });
      for (const u of users) {
        await upsertRecordedUser(database.db, tenantId, { zoomUserId: u.id, email: u.email, name: u.display_name, phoneExtension: String(u.phone_extension), modality: 'voice' });
      }
      const zoom = createZoomClients(database.db, secrets);
      const nativeConnection = await NativeConnection.connect({ address: dev.address });
      const connection = await Connection.connect({ address: dev.address });
      const client = new Client({ connection, namespace: dev.namespace });
      const taskQueue = `bench-archive-${tenantId}`;
      const worker = await createArchiverWorker({
        connection: nativeConnection, namespace: dev.namespace, taskQueue, workflowBundle,
        deps: { db: database.db, store: new LocalMediaStore(mediaDir), zoom, location: 'bench' },
      });
      const countOf = async (table: typeof mediaFiles | typeof conversations) => {
        const where = table === mediaFiles ? and(eq(mediaFiles.tenantId, tenantId), eq(mediaFiles.state, 'stored')) : eq(conversations.tenantId, tenantId);
        const [row] = await database.db.select({ n: count() }).from(table).where(where);
        return row?.n ?? 0;
      };

      await sim.control.resetCounters();
      const syncStarted = new Date();
      const started = performance.now();
      const [totals, seconds] = await worker.runUntil(async () => {
        const result = await client.workflow.execute('phoneSync', {
          taskQueue, workflowId: syncWorkflowId(tenantId, 'phone'), args: [{ tenantId, childWaitSeconds: 3600 } satisfies PhoneSyncInput],
        }) as PhoneSyncTotals;
        while (await countOf(mediaFiles) < calls || await countOf(conversations) < calls) {
          if (performance.now() - started > 3600_000) throw new Error(`phone bench: ${await countOf(mediaFiles)} of ${calls} recordings stored after an hour`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return [result, (performance.now() - started) / 1000] as const;
      });
      const counters = await sim.control.getCounters();
      const found = await hashFiles(mediaDir);
      const expected = [...sha256s].sort();
      if (found.length !== expected.length || found.some((sha, i) => sha !== expected[i])) throw new Error(`phone bench: ${found.length} files on disk for ${expected.length} recordings, not all with the simulator's SHA-256`);
      log(`archived ${calls} calls in ${seconds.toFixed(1)} s (${totals.stored} recordings counted by the sync)`);

      const endpoints = counters.tenantEndpoints[account.accountId] ?? {};
      const apiCalls = Object.entries(endpoints).filter(([e]) => !e.includes('/oauth/')).reduce((sum, [, n]) => sum + n, 0);
      const listCalls = endpoints['GET /phone/recordings'] ?? 0;
      const lightCalls = (endpoints['GET /phone/call_element/{callElementId}'] ?? 0) + (endpoints['GET /phone/call_history/{callHistoryUuid}'] ?? 0);
      const downloads = endpoints['GET /phone/recording/download/{fileId}'] ?? 0;
      const heavy = counters.categories.heavy ?? 0;
      // The fewest list calls the sync's windows allow: ceil(rows/300), at least one, per window.
      const windows = timeWindows(new Date(syncStarted.getTime() - LOOKBACK_DAYS * DAY_MS), syncStarted, { maxMs: PHONE_WINDOW_MS });
      const listBaseline = windows.reduce((sum, w) => sum + Math.max(1, Math.ceil(recordingTimes.filter((t) => t >= w.from.getTime() && t <= w.to.getTime()).length / MAX_PAGE)), 0);
      // Per call: its legs (the account's list names no call history: one call element, then the history), one download.
      const perCallBaseline = 2 + 1 + listBaseline / calls;

      await connection.close();
      await nativeConnection.close();
      await zoom.close();
      await database.close();
      const note = `${calls} one-leg calls with a 1 MiB MP3, ${users.length} users, 1 worker, PostgreSQL, local folder`;
      return [
        figure('archive.phone_calls_per_min', calls / (seconds / 60), 'calls/min', undefined, note),
        figure('archive.phone_api_calls_per_call', apiCalls / calls, 'calls', perCallBaseline,
          `${apiCalls} Zoom API calls (OAuth not counted): ${listCalls} list, ${lightCalls} light (call element + call history), ${downloads} downloads; baseline 2 light + 1 download per call + minimal listing`),
        figure('archive.phone_list_calls', listCalls, 'calls', listBaseline, `ceil(rows/300) per ${windows.length} window(s) of at most 28 days`),
        figure('archive.phone_heavy_calls', heavy, 'calls', 0, 'heavy calls in the import path'),
      ];
    });
  } finally {
    rmSync(mediaDir, { recursive: true, force: true });
    await sim.close();
  }
}
