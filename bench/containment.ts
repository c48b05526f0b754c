/**
 * Failure containment: how long one tenantSync takes on a clean tenant of 50 users, and on the
 * same tenant (same simulator seed) with one user deleted at Zoom, 1% of its files permanently
 * broken (an HTML page where the file should be) and one file that takes 30 minutes to download.
 * The faulty sync should end in about the time of the clean one: the deleted user is set aside,
 * broken files fail at once, and the sync stops waiting for the slow file's meeting after
 * `childWaitSeconds`. Dev server, PostgreSQL, a local media folder, one worker.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import postgres from 'postgres';
import { createZoomClients } from '../src/activities/zoom-clients.js';
import { openDatabase } from '../src/db/client.js';
import { listMediaFiles } from '../src/db/queries/media-files.js';
import { upsertRecordedUser } from '../src/db/queries/recorded-users.js';
import { getSyncState } from '../src/db/queries/sync-state.js';
import { upsertTenant } from '../src/db/queries/tenants.js';
import { simulatedTenantInput } from '../src/demo/demo-tenant.js';
import type { TenantSyncTotals } from '../src/ingest/types.js';
import { runInfraScript } from '../src/local/infra-scripts.js';
import { startDevServer, type RunningDevServer } from '../src/local/temporal-dev-server.js';
import { createSecretBox } from '../src/security/secrets.js';
import { startSimulator, type TenantSpec } from '../src/simulator/index.js';
import { LocalMediaStore } from '../src/storage/index.js';
import { createArchiverWorker } from '../src/workers/worker.js';
import { syncWorkflowId } from '../src/workflows/ids.js';
import { figure, type BenchFigure } from './figures.js';

const SEED = 2026;
const TENANT: TenantSpec = {
  users: 50, inactiveUsers: 0, days: 3, meetingsPerDay: 40, phoneCallsPerDay: 0,
  mediaScale: 0.01, processingShare: 0, externalHostShare: 0, individualAudioShare: 0,
};
const SLOW_FILE_MS = 30 * 60_000;
const BROKEN_SHARE = 0.01;
const TENANT_ID = 'containment';

const log = (line: string) => console.error(`[bench:containment] ${line}`);

interface SyncRun {
  seconds: number;
  totals: TenantSyncTotals;
  status: string;
  filesStored: number;
  filesFailed: number;
  files: number;
}

async function syncOnce(dev: RunningDevServer, adminUrl: string, withFaults: boolean): Promise<SyncRun> {
  const sim = await startSimulator({ seed: SEED, tenants: [TENANT] });
  const name = `za_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const mediaDir = mkdtempSync(join(tmpdir(), 'za-bench-containment-'));
  const database = await openDatabase({ url: url.toString() });
  try {
    const zoomAccount = sim.tenants[0]!;
    const truth = await sim.control.groundTruth(zoomAccount.accountId);
    const secrets = createSecretBox(randomBytes(32).toString('base64'));
    await upsertTenant(database.db, secrets, simulatedTenantInput(TENANT_ID, 'Containment bench', zoomAccount));
    for (const u of truth.users) {
      await upsertRecordedUser(database.db, TENANT_ID, { zoomUserId: u.id, email: u.email, name: u.display_name, modality: 'video', individualAudio: false });
    }
    if (withFaults) {
      await sim.control.deleteUser(zoomAccount.accountId, truth.users.at(-1)!.id);
      const files = truth.meetings.filter((m) => m.recorded && m.host_id !== truth.users.at(-1)!.id)
        .flatMap((m) => m.files.filter((f) => f.kind === 'recording' && !f.idless));
      const broken = files.filter((_, i) => i % Math.round(1 / BROKEN_SHARE) === 0);
      for (const f of broken) await sim.control.setFileFault(zoomAccount.accountId, f.id, 'html');
      const slow = files.find((f, i) => i % Math.round(1 / BROKEN_SHARE) !== 0)!;
      await sim.control.setFileFault(zoomAccount.accountId, slow.id, 'slow', SLOW_FILE_MS);
      log(`faults: 1 of ${truth.users.length} users deleted, ${broken.length} of ${files.length} files broken, 1 file taking ${SLOW_FILE_MS / 60_000} minutes`);
    }

    const zoom = createZoomClients(database.db, secrets);
    const nativeConnection = await NativeConnection.connect({ address: dev.address });
    const connection = await Connection.connect({ address: dev.address });
    const client = new Client({ connection, namespace: dev.namespace });
    const taskQueue = `bench-containment-${withFaults ? 'faulty' : 'clean'}`;
    const worker = await createArchiverWorker({
      connection: nativeConnection, namespace: dev.namespace, taskQueue,
      deps: { db: database.db, store: new LocalMediaStore(mediaDir), zoom, location: 'bench' },
    });
    const started = performance.now();
    const totals = await worker.runUntil(client.workflow.execute('tenantSync', {
      taskQueue,
      workflowId: `${syncWorkflowId(TENANT_ID, 'cloud_recordings')}-${withFaults ? 'faulty' : 'clean'}`,
      args: [{ tenantId: TENANT_ID, source: 'cloud_recordings' }],
    })) as TenantSyncTotals;
    const seconds = (performance.now() - started) / 1000;
    const files = await listMediaFiles(database.db, TENANT_ID);
    const state = await getSyncState(database.db, TENANT_ID, 'cloud_recordings');
    await connection.close();
    await nativeConnection.close();
    await zoom.close();
    const run = {
      seconds, totals, status: state?.status ?? 'none', files: files.length,
      filesStored: files.filter((f) => f.state === 'stored').length, filesFailed: files.filter((f) => f.state === 'failed').length,
    };
    log(`${withFaults ? 'faulty' : 'clean'} sync: ${seconds.toFixed(1)} s, ${run.status}, ${totals.meetings} meetings, ${run.filesStored} of ${run.files} files stored, ${run.filesFailed} failed, ${totals.released ?? 0} children still running`);
    return run;
  } finally {
    await database.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => undefined);
    await admin.end({ timeout: 1 });
    await sim.close();
    rmSync(mediaDir, { recursive: true, force: true });
  }
}

export async function runContainmentBench(): Promise<BenchFigure[]> {
  const dev = await startDevServer();
  try {
    const adminUrl = runInfraScript('start-postgres');
    const clean = await syncOnce(dev, adminUrl, false);
    const faulty = await syncOnce(dev, adminUrl, true);
    return [
      figure('containment.clean_sync', clean.seconds, 's', undefined,
        `${TENANT.users} users, ${clean.totals.meetings} meetings, ${clean.filesStored} files stored; ${clean.status}`),
      figure('containment.faulty_sync', faulty.seconds, 's', clean.seconds,
        `same tenant, 1 user deleted, 1% files broken (${faulty.filesFailed} failed, visible), 1 file of 30 min (${faulty.totals.released ?? 0} child left running); ${faulty.status}`),
    ];
  } finally {
    await dev.stop();
  }
}
