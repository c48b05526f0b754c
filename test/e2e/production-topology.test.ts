import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../src/db/client.js';
import { listAudit } from '../../src/db/queries/api-access.js';
import { listMediaFiles, type MediaFile } from '../../src/db/queries/media-files.js';
import { getSyncState } from '../../src/db/queries/sync-state.js';
import { startDevServer, type RunningDevServer } from '../../src/local/temporal-dev-server.js';
import { freePort } from '../../src/local/s3-server.js';
import { startSimulator, type GroundTruthFile, type RunningSimulator, type SimTenantCredentials } from '../../src/simulator/index.js';
import { csvIntakeScheduleId, meetingWorkflowId, reconcileScheduleId, syncScheduleId } from '../../src/workflows/ids.js';
import { allSearchAttributes } from '../../src/workflows/search-attributes.js';
import { createTestDatabase, testS3Client, testS3Endpoint, uniqueSuffix, type TestDatabase } from '../harness/index.js';
import { runArchiverCommand, startArchiverProcess, type ArchiverProcess } from '../harness/processes.js';
import { s3ObjectSha256 } from '../harness/stored-bytes.js';
import { expectedArchive, filesOf, rowFileKey, truthFileKey, type E2eTenant } from './helpers.js';

// The production topology, as docker-compose runs it: two worker processes, one API process and
// the tenants CLI, each a separate OS process configured by its environment alone, on a Temporal
// server where nothing was prepared (no search attributes, no schedules), a real PostgreSQL and a
// real S3 server whose bucket does not exist yet. Nobody triggers anything: the schedule made from
// the applied tenants file archives on its own. Expectations come from the simulator's ground
// truth; stored bytes are hashed.

const TENANT = `topo-${uniqueSuffix()}`;
const POLL_SECONDS = 5;
const SECRET_ENV = 'TOPO_ZOOM_CLIENT_SECRET';

let temporal: RunningDevServer;
let database: TestDatabase;
let db: OpenDatabase;
let sim: RunningSimulator;
let zoom: SimTenantCredentials;
let tenant: E2eTenant;
let workDir: string;
let env: NodeJS.ProcessEnv;
let tenantsFile: string;
const bucket = `za-topo-${uniqueSuffix()}`;
const processes: ArchiverProcess[] = [];
const apiToken = randomBytes(16).toString('hex');
let apiPort: number;

function writeTenantsFile(): void {
  writeFileSync(tenantsFile, JSON.stringify({
    tenants: [{
      id: TENANT,
      name: 'Topology test',
      accountId: zoom.accountId,
      clientId: zoom.clientId,
      clientSecret: { env: SECRET_ENV },
      plan: zoom.plan,
      apiBaseUrl: zoom.apiBaseUrl,
      oauthTokenUrl: zoom.oauthTokenUrl,
      allowedDownloadHosts: [new URL(zoom.downloadBaseUrl).hostname],
      sources: ['cloud_recordings'],
      pollIntervalSeconds: POLL_SECONDS,
      // The CSV drop folder is read every 10 s here (a minute by default).
      options: { deleteAfterArchive: false, recovery: { csvPollSeconds: 10 } },
      users: tenant.users,
    }],
  }));
}

const storedFiles = async (): Promise<MediaFile[]> => (await listMediaFiles(db.db, TENANT)).filter((f) => f.state === 'stored');

interface ExpectedFile { meetingUuid: string; file: GroundTruthFile }

/** The stored row of each expected file, matched as e2e/helpers.ts explains (CC and TIMELINE files have no Zoom id). */
async function storedRowsOf(files: ExpectedFile[]): Promise<Map<string, MediaFile>> {
  const truthIds = new Set(files.filter((f) => !f.file.idless).map((f) => f.file.id));
  return new Map((await storedFiles()).map((r) => [rowFileKey(r, truthIds), r]));
}

/** Waits until every file is stored (rows only; the bytes are checked afterwards). */
async function waitForStored(files: ExpectedFile[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stored = await storedRowsOf(files);
    const missing = files.filter((f) => !stored.has(truthFileKey(f.meetingUuid, f.file)));
    if (missing.length === 0) return;
    if (Date.now() > deadline) {
      // Say which files and what the archive knows of them, so a failure in CI can be diagnosed.
      const rows = await listMediaFiles(db.db, TENANT);
      const described = missing.map(({ meetingUuid, file }) => {
        const row = rows.find((r) => r.platformCallId === meetingUuid && (r.zoomFileId === file.id
          || (file.idless && r.fileType === file.file_type && r.recordingStartedAt.getTime() === Date.parse(file.recording_start))));
        return `${truthFileKey(meetingUuid, file)} (${file.file_type}): `
          + (row ? `${row.state}${row.lastError ? ` — ${row.lastError}` : ''}` : 'never tracked');
      });
      const sync = await getSyncState(db.db, TENANT, 'cloud_recordings');
      throw new Error(`${missing.length} of ${files.length} files not stored after ${timeoutMs} ms\n`
        + `${described.join('\n')}\nsync state: ${JSON.stringify(sync)}\n`
        + processes.map((p) => `--- ${p.name}\n${p.output().slice(-3000)}`).join('\n'));
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'za-topology-'));
  tenantsFile = join(workDir, 'tenants.json');
  temporal = await startDevServer({ registerSearchAttributes: false });
  database = await createTestDatabase();
  db = await openDatabase({ url: database.url });
  // A frozen clock: nothing becomes ready (a late transcript) between the ground truth and the archive.
  sim = await startSimulator({
    seed: 909,
    now: new Date(),
    freezeClock: true,
    tenants: [{ users: 3, inactiveUsers: 0, days: 3, meetingsPerDay: 3, phoneCallsPerDay: 0, mediaScale: 0.01, processingShare: 0, externalHostShare: 0 }],
  });
  zoom = sim.tenants[0]!;
  const truth = await sim.control.groundTruth(zoom.accountId);
  const configured = truth.users.slice(0, 2);
  tenant = {
    tenantId: TENANT,
    zoom,
    users: configured.map((u, i) => ({ zoomUserId: u.id, email: u.email, name: u.display_name, modality: i === 0 ? 'video' : 'voice', individualAudio: false })),
    unconfigured: truth.users.slice(2),
  };
  writeTenantsFile();
  apiPort = await freePort();
  const s3 = testS3Endpoint();
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    TEMPORAL_TASK_QUEUE: `topology-${uniqueSuffix()}`,
    DATABASE_URL: database.url,
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: s3.region,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    S3_FORCE_PATH_STYLE: 'true',
    S3_BUCKET: bucket,
    S3_CREATE_BUCKET: 'true',
    ARCHIVER_SECRET_KEY: randomBytes(32).toString('base64'),
    DATA_DIR: join(workDir, 'data'),
    API_TOKENS: apiToken,
    API_PORT: String(apiPort),
    [SECRET_ENV]: zoom.clientSecret,
  };
}, 120_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await sim?.close();
  await db?.close();
  await database?.drop();
  await temporal?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('production topology: separate worker, API and CLI processes on an unprepared cluster', () => {
  it('the schedule alone archives every needed file once, on both workers, and a rotated secret applied with the CLI is used by the running workers', async () => {
    // The cluster starts without the archiver's search attributes.
    const connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection, namespace: temporal.namespace });
    const customAttributes = async () => Object.keys((await connection.operatorService.listSearchAttributes({ namespace: temporal.namespace })).customAttributes ?? {});
    expect(await customAttributes()).not.toContain('ZoomTenant');

    // Workers and API start together, before any tenant exists: they race to register the search attributes.
    processes.push(startArchiverProcess('worker-1', 'src/workers/worker.ts', [], env));
    processes.push(startArchiverProcess('worker-2', 'src/workers/worker.ts', [], env));
    processes.push(startArchiverProcess('api', 'src/api/server.ts', [], env));
    const identities = await Promise.all(processes.slice(0, 2).map(async (p) => (await p.waitFor(/worker (\S+) polling task queue/, 120_000))[1]!));
    await processes[2]!.waitFor(/Server listening/, 60_000);
    expect(identities[0]).not.toBe(identities[1]);
    expect(await customAttributes()).toEqual(expect.arrayContaining(allSearchAttributes.map((k) => k.name)));

    // Ops apply the tenants file with the CLI: that creates the tenant's schedule.
    const applied = await runArchiverCommand('tenants apply', 'src/cli/tenants.ts', ['apply', tenantsFile], env);
    expect(applied).toContain('tenants: 1 created');
    expect(applied).toContain(`${TENANT}: all 2 recorded user(s) are users of the Zoom account`);
    expect(applied).toContain(`created: ${syncScheduleId(TENANT, 'cloud_recordings')}, ${reconcileScheduleId(TENANT)}, ${csvIntakeScheduleId(TENANT)}`);
    // Ops can bring the schedules in line on demand; nothing is left to change.
    const synced = await runArchiverCommand('schedules sync', 'src/cli/schedules.ts', ['sync'], env);
    expect(synced).toContain('schedules: unchanged: 3');
    const schedule = await client.schedule.getHandle(syncScheduleId(TENANT, 'cloud_recordings')).describe();
    expect(schedule.spec.intervals?.[0]?.every).toBe(POLL_SECONDS * 1000);

    // Nobody triggers it: the schedule's own runs archive the ground truth's files.
    const expected = expectedArchive(await sim.control.groundTruth(zoom.accountId), tenant);
    const files = filesOf(expected);
    expect(files.length).toBeGreaterThan(5);
    await waitForStored(files, 120_000);

    // Once: one row per file, one object per file, bytes as the simulator served them, nothing else in the bucket.
    const rows = await storedRowsOf(files);
    expect([...rows.keys()].sort()).toEqual(files.map((f) => truthFileKey(f.meetingUuid, f.file)).sort());
    expect(rows.size).toBe((await storedFiles()).length);
    const s3 = testS3Client();
    for (const { meetingUuid, file } of files) {
      const row = rows.get(truthFileKey(meetingUuid, file))!;
      expect(await s3ObjectSha256(s3, bucket, row.storageKey)).toEqual({ sha256: file.sha256, size: file.file_size });
    }

    // Both worker processes took work: the histories name the identity of whoever ran each task.
    const ranBy = new Set<string>();
    for (const meeting of expected) {
      const history = await client.workflow.getHandle(meetingWorkflowId(TENANT, meeting.meeting.uuid)).fetchHistory();
      for (const event of history.events ?? []) {
        const identity = event.activityTaskStartedEventAttributes?.identity ?? event.workflowTaskStartedEventAttributes?.identity;
        if (identity) ranBy.add(identity);
      }
    }
    expect([...ranBy].sort()).toEqual([...identities].sort());

    // Zoom's admin regenerates the app's secret: the old one is refused from now on. Ops apply the
    // new secret with the CLI while the workers keep running, and a new meeting is recorded.
    const rotated = await sim.control.rotateClientSecret(zoom.accountId);
    env[SECRET_ENV] = rotated.clientSecret;
    const reapplied = await runArchiverCommand('tenants apply (new secret)', 'src/cli/tenants.ts', ['apply', tenantsFile], env);
    expect(reapplied).toContain('tenants: 0 created, 1 updated');
    expect(reapplied).toContain('schedules: unchanged: 3');
    const now = Date.parse(await sim.control.now());
    const late = await sim.control.addMeeting(zoom.accountId, {
      hostId: tenant.users[0]!.zoomUserId, recorded: true, processing: false, participants: 0,
      start_time: new Date(now - 2 * 3600_000).toISOString(), durationMinutes: 20,
    });
    const lateFiles = filesOf(expectedArchive(await sim.control.groundTruth(zoom.accountId), tenant).filter((m) => m.meeting.uuid === late.uuid));
    expect(lateFiles.length).toBeGreaterThan(0);
    await waitForStored(lateFiles, 90_000);
    const lateRows = await storedRowsOf(lateFiles);
    for (const { meetingUuid, file } of lateFiles) {
      const row = lateRows.get(truthFileKey(meetingUuid, file))!;
      expect(await s3ObjectSha256(s3, bucket, row.storageKey)).toEqual({ sha256: file.sha256, size: file.file_size });
    }
    // The sync that archived it authenticated with the new secret (the old one gets no token).
    await expect.poll(async () => (await getSyncState(db.db, TENANT, 'cloud_recordings'))?.authorizationStatus, { timeout: 30_000, interval: 500 }).toBe('authorized');

    // The API process serves the tenant's status to support.
    const status = await fetch(`http://127.0.0.1:${apiPort}/api/tenants/${TENANT}/status`, { headers: { authorization: `Bearer ${apiToken}` } });
    expect(status.status).toBe(200);
    const body = await status.json() as { archive: { filesStored: number } };
    expect(body.archive.filesStored).toBe(files.length + lateFiles.length);
    await connection.close();
  }, 400_000);

  it('support recovers meetings through the API process and the CSV drop folder while the schedule is paused, with a key made by the CLI', async () => {
    const api = (path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${apiPort}/api/tenants/${TENANT}${path}`, {
      ...init, headers: { authorization: `Bearer ${supportKey}`, ...init.headers },
    });
    // Ops make support an operator key with the CLI; it is printed once.
    const made = await runArchiverCommand('keys create', 'src/cli/api-keys.ts', ['create', '--name', 'support-desk', '--role', 'operator', '--tenants', TENANT], env);
    const supportKey = /^(za_\S+)$/m.exec(made)?.[1];
    expect(supportKey).toBeDefined();

    // Support pauses the sync (say, for a Zoom maintenance): from now on only a recovery archives.
    const paused = await api('/schedules/cloud_recordings/pause', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ note: 'Zoom maintenance' }) });
    expect(paused.status).toBe(200);
    const now = Date.parse(await sim.control.now());
    const host = tenant.users[0]!.zoomUserId;
    const posted = await sim.control.addMeeting(zoom.accountId, { hostId: host, recorded: true, processing: false, participants: 0, start_time: new Date(now - 5 * 3600_000).toISOString(), durationMinutes: 15 });
    const dropped = await sim.control.addMeeting(zoom.accountId, { hostId: host, recorded: true, processing: false, participants: 0, start_time: new Date(now - 4 * 3600_000).toISOString(), durationMinutes: 15 });
    const filesOfMeeting = async (uuid: string) => filesOf(expectedArchive(await sim.control.groundTruth(zoom.accountId), tenant).filter((m) => m.meeting.uuid === uuid));

    // A CSV posted to the API process...
    const csvPost = await api('/recovery/meetings', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: `uuid\n${posted.uuid}\n` });
    expect(csvPost.status).toBe(202);
    const { requestId } = await csvPost.json() as { requestId: string };
    await expect.poll(async () => ((await (await api(`/recovery/requests/${requestId}`)).json()) as { status: string }).status, { timeout: 90_000, interval: 1_000 }).toBe('finished');
    const postedFiles = await filesOfMeeting(posted.uuid);
    await waitForStored(postedFiles, 30_000);

    // ...and one dropped in the tenant's folder (a prefix of the bucket), read by the workers' schedule.
    const s3 = testS3Client();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `recovery/${TENANT}/csv/from-support.csv`, Body: `${dropped.uuid}\n` }));
    await expect.poll(async () => {
      const { requests } = await (await api('/recovery/requests')).json() as { requests: { requestedBy: string; status: string }[] };
      return requests.find((r) => r.requestedBy === 'csv:from-support.csv')?.status;
    }, { timeout: 90_000, interval: 1_000 }).toBe('finished');
    const droppedFiles = await filesOfMeeting(dropped.uuid);
    await waitForStored(droppedFiles, 30_000);
    for (const { meetingUuid, file } of [...postedFiles, ...droppedFiles]) {
      const row = (await storedRowsOf([...postedFiles, ...droppedFiles])).get(truthFileKey(meetingUuid, file))!;
      expect(await s3ObjectSha256(s3, bucket, row.storageKey)).toEqual({ sha256: file.sha256, size: file.file_size });
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `recovery/${TENANT}/csv/` }));
    expect((listed.Contents ?? []).map((o) => o.Key)).toEqual([expect.stringMatching(new RegExp(`^recovery/${TENANT}/csv/processed/from-support\\.[0-9a-f-]{36}\\.csv$`))]);

    // The schedule stayed paused with support's note; support unpauses it. Every call is in the audit log.
    const schedules = await (await api('/schedules')).json() as { schedules: { schedule: string; paused: boolean; note: string | null }[] };
    expect(schedules.schedules.find((x) => x.schedule === 'cloud_recordings')).toMatchObject({ paused: true, note: 'Zoom maintenance (support-desk)' });
    expect((await api('/schedules/cloud_recordings/unpause', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ note: 'maintenance over' }) })).status).toBe(200);
    const audit = await listAudit(db.db, { tenantId: TENANT, limit: 10 });
    expect(audit.map((e) => `${e.keyName} ${e.method} ${e.route} ${e.statusCode}`).reverse()).toEqual([
      'support-desk POST /api/tenants/:tenant/schedules/:schedule/pause 200',
      'support-desk POST /api/tenants/:tenant/recovery/meetings 202',
      'support-desk POST /api/tenants/:tenant/schedules/:schedule/unpause 200',
    ]);
  }, 300_000);
});
