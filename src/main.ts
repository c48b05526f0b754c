import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { parseApiTokens } from './api/access.js';
import { createApiServer } from './api/server.js';
import { readEnv } from './config/env.js';
import { loadTenantsFile, applyTenantsFile } from './config/tenants-file.js';
import { archiveSummary } from './db/queries/archive-summary.js';
import { listTenants } from './db/queries/tenants.js';
import { listSyncStates } from './db/queries/sync-state.js';
import { startDemoZoom } from './demo/demo-tenant.js';
import { startDevServer, type RunningDevServer } from './local/temporal-dev-server.js';
import { connectClient, connectWorker } from './temporal/connect.js';
import { prepareNamespace } from './temporal/prepare-namespace.js';
import { openArchiverDeps } from './workers/archiver-deps.js';
import { createArchiverWorker } from './workers/worker.js';

// `npm start`: the whole archiver on one machine. Embedded defaults: a Temporal dev server (SQLite
// in DATA_DIR, Web UI on :8233), PGlite in DATA_DIR/pglite, media in DATA_DIR/media, and a
// simulated Zoom account as the demo tenant. TEMPORAL_ADDRESS, DATABASE_URL, S3_BUCKET and
// TENANTS_FILE replace each part with the real thing.
const UI_PORT = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
const SIMULATOR_PORT = Number(process.env.SIMULATOR_PORT ?? 9811);
const API_PORT = Number(process.env.API_PORT ?? 3000);

/** API_TOKENS, or for the embedded default a token generated once into DATA_DIR/api-token (0600). */
function apiTokens(dataDir: string): { tokens: string[]; where: string } {
  const fromEnv = parseApiTokens(process.env.API_TOKENS);
  if (fromEnv.length > 0) return { tokens: fromEnv, where: 'API_TOKENS' };
  const path = resolve(dataDir, 'api-token');
  try {
    return { tokens: [readFileSync(path, 'utf8').trim()], where: path };
  } catch {
    const token = randomBytes(24).toString('base64url');
    writeFileSync(path, `${token}\n`, { mode: 0o600 });
    return { tokens: [token], where: path };
  }
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const env = readEnv();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dataDir = resolve(env.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((err: Error) => console.error(`while stopping: ${err.message}`));
  };

  try {
    let devServer: RunningDevServer | undefined;
    let address = env.TEMPORAL_ADDRESS;
    if (!address) {
      console.log('starting the Temporal dev server (the first run builds it: a few minutes)');
      devServer = await startDevServer({ dbFilename: resolve(dataDir, 'temporal.sqlite'), uiPort: UI_PORT, port: UI_PORT - 1000, namespace: env.TEMPORAL_NAMESPACE });
      closers.push(devServer.stop);
      address = devServer.address;
      console.log(`Temporal dev server at ${address} (${devServer.version})`);
    }

    const deps = await openArchiverDeps(env, address);
    closers.push(deps.close);
    console.log(`archive: ${env.DATABASE_URL ? 'PostgreSQL' : `PGlite in ${resolve(dataDir, 'pglite')}`}, media in ${deps.activities.store.location}`);

    const tenantsFile = process.env.TENANTS_FILE;
    if (tenantsFile) {
      const summary = await applyTenantsFile(deps.db, deps.secrets, await loadTenantsFile(tenantsFile));
      console.log(`tenants from ${tenantsFile}: ${JSON.stringify(summary)}`);
    } else {
      const demo = await startDemoZoom(deps.db, deps.secrets, SIMULATOR_PORT);
      closers.push(() => demo.simulator.close());
      console.log(`demo tenant '${demo.tenant.id}' on the Zoom simulator at ${demo.simulator.baseUrl}: ${demo.configuredUsers} configured users, ${demo.unconfiguredUsers} left out on purpose`);
    }

    await deps.activities.store.checkWritable({ create: !env.S3_BUCKET || env.S3_CREATE_BUCKET });
    const { client, connection: clientConnection } = await connectClient(env, address);
    closers.push(() => clientConnection.close());
    // The same start-up step as a worker's or the API's: search attributes, schedules from the database.
    const { schedules } = await prepareNamespace({ connection: clientConnection, client, db: deps.db, taskQueue: env.TEMPORAL_TASK_QUEUE, log: console.log });
    const connection = await connectWorker(env, address);
    closers.push(() => connection.close());
    const worker = await createArchiverWorker({ connection, namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.TEMPORAL_TASK_QUEUE, deps: deps.activities });

    const started = Date.now();
    const tenants = await listTenants(deps.db);
    // Archive at once rather than at the first interval.
    for (const scheduleId of [...schedules.created, ...schedules.updated, ...schedules.unchanged]) await client.schedule.getHandle(scheduleId).trigger();

    const tokens = apiTokens(dataDir);
    const api = createApiServer({ db: deps.db, secrets: deps.secrets, temporal: { client, taskQueue: env.TEMPORAL_TASK_QUEUE }, apiTokens: tokens.tokens });
    await api.listen({ host: '127.0.0.1', port: API_PORT });
    closers.push(() => api.close());
    console.log(`support API on http://127.0.0.1:${API_PORT} (bearer token in ${tokens.where}; its routes at /docs); Zoom webhooks: POST /webhooks/zoom/<tenant>`);

    const reported = new Set<string>();
    const progress = setInterval(() => {
      void (async () => {
        for (const tenant of tenants) {
          const states = await listSyncStates(deps.db, tenant.id);
          const summary = await archiveSummary(deps.db, tenant.id);
          // A sync of this start (not one a previous start left finished) has ended.
          const sources = [tenant.archivingEnabled, tenant.cloudRecordingsEnabled, tenant.phoneEnabled].filter(Boolean).length;
          const firstSyncDone = states.length >= sources && states.every((s) => s.status !== 'running' && s.lastAttemptAt && s.lastAttemptAt.getTime() >= started);
          if (firstSyncDone && !reported.has(tenant.id)) {
            reported.add(tenant.id);
            console.log(`tenant '${tenant.id}' archived in ${((Date.now() - started) / 1000).toFixed(1)} s: `
              + `${summary.meetings} meetings, ${summary.calls} phone calls, ${summary.filesStored} files, ${mib(summary.bytesStored)}, ${summary.cdrs} CDRs`
              + `${summary.filesPending > 0 ? ` (${summary.filesPending} files still processing at Zoom)` : ''}`
              + `${states.some((s) => s.status === 'failed') ? `; sync failed: ${states.map((s) => s.lastError).filter(Boolean).join('; ')}` : ''}`);
          }
        }
        // Every tenant's first archive is reported: stop polling the database.
        if (reported.size === tenants.length) clearInterval(progress);
      })().catch((err: Error) => console.error(`progress: ${err.message}`));
    }, 2_000);
    closers.push(async () => clearInterval(progress));

    const stop = () => {
      console.log('stopping…');
      worker.shutdown();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    console.log(`Temporal Web UI: ${devServer?.uiUrl ?? 'the UI of your Temporal cluster'} (search: ZoomTenant = "demo")`);
    console.log('archiving; press Ctrl-C to stop');
    await worker.run();
  } finally {
    await closeAll();
  }
  console.log('stopped');
}

main().catch((err: Error) => {
  console.error(`archiver failed: ${err.message}`);
  process.exit(1);
});
