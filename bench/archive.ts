/**
 * The archiver on a simulated tenant: one tenantSync on one in-process worker against the Temporal
 * dev server, PostgreSQL and a local media folder, timed from the sync's start until every file is
 * stored, and every stored file hashed from the folder against the simulator's SHA-256.
 *
 * - `archive`: 1,000 meetings with three files each on loopback. Figures: meetings and MiB per
 *   minute, Zoom API calls per meeting (against one metadata call per meeting plus the minimal
 *   listing) and list calls (against ceil(rows/300) per user-window); then the phone half
 *   (phone-archive.ts): 1,000 calls with one recording each.
 * - `versus-reference`: 300 meetings with three files each, a 10 MiB video among them (Zoom
 *   estimates 20 MB an hour for screen sharing and 200 MB for video: a 30-minute meeting's is
 *   10 MB at the least), under each network profile. The archiver (with the production settings)
 *   and the plain loop of reference-loop.ts copy the same simulated tenant. Figures: the wall
 *   time of each and the ratio. Size: `VERSUS_MEETINGS`, `VERSUS_USERS`, `VERSUS_MP4_MIB`;
 *   tenantSync's `concurrency`: `VERSUS_CONCURRENCY` (the product's default when unset).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, bundleWorkflowCode } from '@temporalio/worker';
import { and, count, eq } from 'drizzle-orm';
import { createZoomClients } from '../src/activities/zoom-clients.js';
import { openDatabase } from '../src/db/client.js';
import { upsertRecordedUser } from '../src/db/queries/recorded-users.js';
import { upsertTenant } from '../src/db/queries/tenants.js';
import { conversations } from '../src/db/schema/conversations.js';
import { mediaFiles } from '../src/db/schema/media-files.js';
import type { TenantSyncInput, TenantSyncTotals } from '../src/ingest/types.js';
import { startDevServer, type RunningDevServer } from '../src/local/temporal-dev-server.js';
import { createSecretBox } from '../src/security/secrets.js';
import { startSimulator } from '../src/simulator/index.js';
import type { CounterSnapshot, GroundTruthUser, NetworkProfileName, RunningSimulator, SimTenantCredentials } from '../src/simulator/index.js';
import { LocalMediaStore } from '../src/storage/index.js';
import { createArchiverWorker, workflowsPath } from '../src/workers/worker.js';
import { syncWorkflowId } from '../src/workflows/ids.js';
import { dateWindows } from '../src/zoom/windows.js';
import { envNumber, withBenchDatabase } from './bench-env.js';
import { figure, type BenchFigure } from './figures.js';
import { runPhoneArchiveBench } from './phone-archive.js';
import { referenceLoop } from './reference-loop.js';

const MIB = 1024 * 1024;
const DAY_MS = 86_400_000;
/** Spread over the last days, inside the first sync's 30-day lookback. */
const HISTORY_DAYS = 20;
/** The first sync's lookback (beginSync's default for a new tenant). */
const LOOKBACK_DAYS = 30;
/** A meeting's three files; the video is 1 MiB unless told otherwise. */
const meetingFiles = (mp4Mib = 1) => [
  { file_type: 'MP4', file_size: Math.round(mp4Mib * MIB) },
  { file_type: 'M4A', file_size: MIB / 4 },
  { file_type: 'CHAT', file_size: 4 * 1024 },
];
/** Zoom's largest page of recordings. */
const MAX_PAGE = 300;

const log = (line: string) => console.error(`[bench:archive] ${line}`);


export interface TenantSize {
  meetings: number;
  users: number;
  /** Size of each meeting's video in MiB (default 1); its audio is 256 KiB and its chat 4 KiB. */
  mp4Mib?: number;
}

/** A simulated Zoom account filled with the bench's meetings, and what is known of it. */
export interface BenchTenant {
  account: SimTenantCredentials;
  users: GroundTruthUser[];
  size: TenantSize;
  /** The SHA-256 of every file, from the simulator's ground truth. */
  sha256s: string[];
  /** Start times of each user's meetings, for the minimal listing. */
  meetingsOfUser: Map<string, string[]>;
}

/** A simulator on the given network with one account of `size.users` active users and no meetings yet. */
export function startBenchSimulator(size: TenantSize, network: NetworkProfileName): Promise<RunningSimulator> {
  return startSimulator({ seed: 1000, network, tenants: [{ users: size.users, inactiveUsers: 0, meetingsPerDay: 0, days: 1, phoneCallsPerDay: 0 }] });
}

/** Adds `size.meetings` meetings of three files each, hosted in turn by the account's users. */
export async function addBenchMeetings(sim: RunningSimulator, size: TenantSize): Promise<BenchTenant> {
  const account = sim.tenants[0]!;
  const truth = await sim.control.groundTruth(account.accountId);
  const users = truth.users.filter((u) => u.status === 'active').slice(0, size.users);
  const files = meetingFiles(size.mp4Mib);
  log(`adding ${size.meetings} meetings with ${files.length} files each to the simulator`);
  const now = Date.now();
  const sha256s: string[] = [];
  const meetingsOfUser = new Map<string, string[]>();
  for (let i = 0; i < size.meetings; i++) {
    const host = users[i % users.length]!;
    const start = new Date(now - 3600_000 - Math.floor((i / size.meetings) * HISTORY_DAYS * DAY_MS));
    const meeting = await sim.control.addMeeting(account.accountId, {
      hostId: host.id, participants: 0, start_time: start.toISOString(), durationMinutes: 30, files,
      archive: false, transcript: false, chat: false, timeline: false, individualAudio: false,
    });
    sha256s.push(...meeting.files.map((f) => f.sha256));
    meetingsOfUser.set(host.id, [...(meetingsOfUser.get(host.id) ?? []), meeting.start_time]);
  }
  return { account, users, size, sha256s, meetingsOfUser };
}

/** SHA-256 of every file under `dir` (the local store's hidden temporary and sidecar files left out), sorted. */
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

/** Throws unless the files under `dir` are exactly the tenant's, byte for byte. */
async function expectExactly(dir: string, tenant: BenchTenant, who: string): Promise<void> {
  const found = await hashFiles(dir);
  const expected = [...tenant.sha256s].sort();
  const missing = expected.filter((sha, i) => found[i] !== sha).length;
  if (found.length !== expected.length || missing > 0) {
    throw new Error(`${who}: ${found.length} files on disk for ${expected.length} in the tenant, ${missing} not matching the simulator's SHA-256`);
  }
}


export interface ArchiveOptions {
  dev: RunningDevServer;
  /** Bundled once for every run of a bench. */
  workflowBundle: { code: string };
  /** The archiver's tenant id: one per run, so runs on one dev server never share a workflow id. */
  tenantId: string;
  /** tenantSync inputs; absent, the product's defaults (the schedule passes neither). */
  sync?: Pick<TenantSyncInput, 'concurrency' | 'childWaitSeconds'>;
}

export interface ArchiveRun {
  /** From the sync's start until every file is stored (children the sync let go of included). */
  seconds: number;
  totals: TenantSyncTotals;
  counters: CounterSnapshot;
  syncStarted: Date;
}

/**
 * Archives the bench tenant into a fresh database and media folder with one tenantSync and times
 * it; throws unless every file was stored with the simulator's bytes and every meeting has its CDR.
 */
export async function archiveTenant(sim: RunningSimulator, tenant: BenchTenant, options: ArchiveOptions): Promise<ArchiveRun> {
  const { dev, tenantId } = options;
  const { account, users, size } = tenant;
  const expectedFiles = tenant.sha256s.length;
  const mediaDir = mkdtempSync(join(tmpdir(), 'za-bench-archive-'));
  try {
    return await withBenchDatabase(async (databaseUrl) => {
      const database = await openDatabase({ url: databaseUrl });
      const secrets = createSecretBox(randomBytes(32).toString('base64'));
      await upsertTenant(database.db, secrets, {
        id: tenantId,
        name: 'Bench (simulated Zoom account)',
        zoomAccountId: account.accountId,
        zoomClientId: account.clientId,
        zoomClientSecret: account.clientSecret,
        plan: account.plan,
        zoomApiBaseUrl: account.apiBaseUrl,
        zoomOauthTokenUrl: account.oauthTokenUrl,
        allowedDownloadHosts: [new URL(account.downloadBaseUrl).hostname],
        archivingEnabled: false,
        cloudRecordingsEnabled: true,
      });
      // Video users: every meeting needs all three files.
      for (const u of users) {
        await upsertRecordedUser(database.db, tenantId, { zoomUserId: u.id, email: u.email, name: u.display_name, modality: 'video', individualAudio: false });
      }

      const zoom = createZoomClients(database.db, secrets);
      const nativeConnection = await NativeConnection.connect({ address: dev.address });
      const connection = await Connection.connect({ address: dev.address });
      const client = new Client({ connection, namespace: dev.namespace });
      const taskQueue = `bench-archive-${tenantId}`;
      const worker = await createArchiverWorker({
        connection: nativeConnection, namespace: dev.namespace, taskQueue, workflowBundle: options.workflowBundle,
        deps: { db: database.db, store: new LocalMediaStore(mediaDir), zoom, location: 'bench' },
      });
      const storedFiles = async () => {
        const [row] = await database.db.select({ n: count() }).from(mediaFiles).where(and(eq(mediaFiles.tenantId, tenantId), eq(mediaFiles.state, 'stored')));
        return row?.n ?? 0;
      };
      const writtenCdrs = async () => {
        const [row] = await database.db.select({ n: count() }).from(conversations).where(eq(conversations.tenantId, tenantId));
        return row?.n ?? 0;
      };

      await sim.control.resetCounters();
      const syncStarted = new Date();
      const started = performance.now();
      const progress = setInterval(() => {
        void storedFiles().then((n) => log(`${Math.round((performance.now() - started) / 1000)} s: ${n} of ${expectedFiles} files stored`));
      }, 10_000);
      let totals: TenantSyncTotals;
      let seconds: number;
      try {
        [totals, seconds] = await worker.runUntil(async () => {
          const result = await client.workflow.execute('tenantSync', {
            taskQueue,
            workflowId: syncWorkflowId(tenantId, 'cloud_recordings'),
            args: [{ tenantId, source: 'cloud_recordings', ...options.sync } satisfies TenantSyncInput],
          }) as TenantSyncTotals;
          // A sync that stopped waiting for a child (childWaitSeconds) ends first; its files and CDRs are still coming.
          while (await storedFiles() < expectedFiles || await writtenCdrs() < size.meetings) {
            if (performance.now() - started > 3600_000) throw new Error(`archive bench: ${await storedFiles()} of ${expectedFiles} files stored, ${await writtenCdrs()} of ${size.meetings} CDRs after an hour`);
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          return [result, (performance.now() - started) / 1000] as const;
        });
      } finally {
        clearInterval(progress);
      }
      const counters = await sim.control.getCounters();

      const cdrs = await writtenCdrs();
      if (cdrs !== size.meetings) throw new Error(`archive bench: ${cdrs} CDRs for ${size.meetings} meetings`);
      await expectExactly(mediaDir, tenant, 'archiver');
      log(`archived ${size.meetings} meetings, ${expectedFiles} files, ${cdrs} CDRs in ${seconds.toFixed(1)} s (${totals.stored} files counted by the sync, which let go of ${totals.released ?? 0} children)`);

      await connection.close();
      await nativeConnection.close();
      await zoom.close();
      await database.close();
      return { seconds, totals, counters, syncStarted };
    });
  } finally {
    rmSync(mediaDir, { recursive: true, force: true });
  }
}

async function bundle(): Promise<{ code: string }> {
  log('bundling workflows');
  const quiet = () => undefined;
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: { trace: quiet, debug: quiet, info: quiet, warn: log, error: log, log: quiet } });
  return { code };
}

export async function runArchiveBench(): Promise<BenchFigure[]> {
  const size = { meetings: 1000, users: 5 };
  const dev = await startDevServer();
  const sim = await startBenchSimulator(size, 'loopback');
  try {
    const tenant = await addBenchMeetings(sim, size);
    // Throughput of a sync that archives everything: it waits for every child.
    const workflowBundle = await bundle();
    const run = await archiveTenant(sim, tenant, { dev, workflowBundle, tenantId: 'bench', sync: { childWaitSeconds: 3600 } });
    const minutes = run.seconds / 60;
    const { counters } = run;
    const apiCalls = Object.entries(counters.tenantEndpoints[tenant.account.accountId] ?? {})
      .filter(([endpoint]) => !endpoint.includes('/oauth/'))
      .reduce((sum, [, n]) => sum + n, 0);
    const listCalls = counters.endpoints['GET /users/{userId}/recordings'] ?? 0;
    // The fewest list calls the sync's windows allow: ceil(rows/300), at least one, per user-window.
    const from = new Date(run.syncStarted.getTime() - LOOKBACK_DAYS * DAY_MS).toISOString().slice(0, 10);
    const to = run.syncStarted.toISOString().slice(0, 10);
    let listBaseline = 0;
    for (const starts of tenant.meetingsOfUser.values()) {
      for (const w of dateWindows(from, to, { span: 'month', overlapDays: 1 })) {
        const rowsInWindow = starts.filter((s) => s.slice(0, 10) >= w.from && s.slice(0, 10) <= w.to).length;
        listBaseline += Math.max(1, Math.ceil(rowsInWindow / MAX_PAGE));
      }
    }
    const mib = run.totals.bytes / MIB;
    const note = `${size.meetings} meetings x 3 files (${meetingFiles().map((f) => f.file_type).join(', ')}), ${size.users} users, 1 worker, PostgreSQL, local folder`;
    return [
      figure('archive.meetings_per_min', size.meetings / minutes, 'meetings/min', undefined, note),
      figure('archive.mib_per_min', mib / minutes, 'MiB/min', undefined, `${mib.toFixed(0)} MiB in ${run.seconds.toFixed(1)} s`),
      figure('archive.api_calls_per_meeting', apiCalls / size.meetings, 'calls', 1 + listBaseline / size.meetings,
        `${apiCalls} Zoom API calls (OAuth not counted): ${listCalls} list, ${apiCalls - listCalls} others; baseline one metadata call per meeting + minimal listing`),
      figure('archive.list_calls', listCalls, 'calls', listBaseline, `ceil(rows/300) per user and month window of ${from}..${to}`),
      ...await runPhoneArchiveBench(dev, workflowBundle),
    ];
  } finally {
    await sim.close();
    await dev.stop();
  }
}

/** Wall time of the plain reference loop copying the tenant to a fresh folder, checked byte for byte. */
async function timeReferenceLoop(tenant: BenchTenant): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'za-bench-reference-'));
  try {
    const now = Date.now();
    const started = performance.now();
    const copied = await referenceLoop({
      account: tenant.account,
      userIds: tenant.users.map((u) => u.id),
      // The same range as the archiver's first sync.
      from: new Date(now - LOOKBACK_DAYS * DAY_MS).toISOString().slice(0, 10),
      to: new Date(now).toISOString().slice(0, 10),
      dir,
    });
    const seconds = (performance.now() - started) / 1000;
    await expectExactly(dir, tenant, 'reference loop');
    log(`reference loop copied ${copied.files} files, ${(copied.bytes / MIB).toFixed(0)} MiB in ${seconds.toFixed(1)} s`);
    return seconds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Targets from the issue: the archiver's speed-up over the loop (wall time of the loop / the archiver's). */
const TARGETS: Record<NetworkProfileName, { ratio: number; text: string }> = {
  'zoom-like': { ratio: 5, text: 'target: archiver at least 5x faster than the loop' },
  loopback: { ratio: 1 / 3, text: 'target: archiver within 3x of the loop (ratio >= 0.33)' },
};

export async function runVersusReferenceBench(): Promise<BenchFigure[]> {
  const size = { meetings: envNumber('VERSUS_MEETINGS', 300), users: envNumber('VERSUS_USERS', 5), mp4Mib: envNumber('VERSUS_MP4_MIB', 10) };
  const concurrency = process.env.VERSUS_CONCURRENCY ? envNumber('VERSUS_CONCURRENCY', 8) : undefined;
  // The production settings unless told otherwise: the schedule starts tenantSync with neither
  // concurrency nor childWaitSeconds.
  const sync = concurrency === undefined ? {} : { concurrency };
  const settings = concurrency === undefined ? "the product's defaults (concurrency 8, childWaitSeconds 10)" : `concurrency ${concurrency} (VERSUS_CONCURRENCY), childWaitSeconds 10 (default)`;
  const profiles: NetworkProfileName[] = ['loopback', 'zoom-like'];
  const dev = await startDevServer();
  const sim = await startBenchSimulator(size, 'loopback');
  try {
    const tenant = await addBenchMeetings(sim, size);
    const workflowBundle = await bundle();
    const figures: BenchFigure[] = [];
    for (const profile of profiles) {
      await sim.control.setNetwork(profile);
      log(`${profile}: reference loop`);
      const referenceS = await timeReferenceLoop(tenant);
      log(`${profile}: archiver`);
      const archiver = await archiveTenant(sim, tenant, { dev, workflowBundle, tenantId: `versus-${profile}`, sync });
      const ratio = referenceS / archiver.seconds;
      const target = TARGETS[profile];
      const what = `${size.meetings} meetings x 3 files (MP4 ${size.mp4Mib} MiB, M4A 256 KiB, CHAT 4 KiB), ${size.users} users, ${profile}`;
      figures.push(
        figure(`versus_reference.${profile}.archiver_s`, archiver.seconds, 's', undefined, `${what}; tenantSync with ${settings}, 1 in-process worker, PostgreSQL, local folder`),
        figure(`versus_reference.${profile}.reference_s`, referenceS, 's', undefined, `${what}; bench/reference-loop.ts: one file after another to a folder`),
        figure(`versus_reference.${profile}.ratio`, ratio, 'x', undefined, `loop's wall time / archiver's; ${target.text} (${ratio >= target.ratio ? 'met' : 'missed'})`),
      );
    }
    return figures;
  } finally {
    await sim.close();
    await dev.stop();
  }
}
