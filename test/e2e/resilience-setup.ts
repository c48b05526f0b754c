import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Worker } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import { inject } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import { createZoomClients, type ZoomClients } from '../../src/activities/zoom-clients.js';
import { openDatabase, type OpenDatabase } from '../../src/db/client.js';
import { listConversations, type Conversation } from '../../src/db/queries/conversations.js';
import { upsertRecordedUser } from '../../src/db/queries/recorded-users.js';
import { upsertTenant, type TenantInput } from '../../src/db/queries/tenants.js';
import { simulatedTenantInput } from '../../src/demo/demo-tenant.js';
import { mediaFiles } from '../../src/db/schema/media-files.js';
import { createSecretBox } from '../../src/security/secrets.js';
import { startSimulator, type GroundTruth, type GroundTruthMeeting, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { S3MediaStore, createS3Client } from '../../src/storage/index.js';
import type { MeetingRef } from '../../src/ingest/types.js';
import { syncScheduleId } from '../../src/workflows/ids.js';
import { connectTestTemporal, createTestBucket, createTestDatabase, type TestBucket, type TestDatabase, type TestTemporal } from '../harness/index.js';

// The resilience tests' own world: a simulated Zoom account registered as a tenant on a fresh
// PostgreSQL database, a fresh bucket and a task queue, and workers that run the product's code
// either in this process or as a separate `tsx src/workers/worker.ts` process that can be killed.

export const TENANT_ID = 'resilience';

export type SimUserTruth = GroundTruth['users'][number];

export interface ResilienceWorld {
  sim: RunningSimulator;
  accountId: string;
  database: OpenDatabase;
  bucket: TestBucket;
  temporal: TestTemporal;
  /** The simulator's users configured as recorded users (modality from the simulator, individual audio off). */
  configuredUsers: SimUserTruth[];
  /** The environment a standalone worker process reads (src/config/env.ts). */
  workerEnv: NodeJS.ProcessEnv;
  /** A worker in this process on the world's task queue, running the run's workflow bundle. */
  startWorker(): Promise<{ worker: Worker; running: Promise<void>; stop(): Promise<void> }>;
  close(): Promise<void>;
}

export async function startResilienceWorld(
  label: string,
  simOptions: SimulatorOptions,
  tenant: Partial<TenantInput> = {},
): Promise<ResilienceWorld> {
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const stop of closers.reverse()) await stop().catch(() => undefined);
  };
  try {
    // A frozen clock unless the test says otherwise: nothing becomes ready while it runs.
    const sim = await startSimulator({ now: new Date(), freezeClock: true, ...simOptions });
    closers.push(() => sim.close());
    const testDb: TestDatabase = await createTestDatabase();
    closers.push(() => testDb.drop());
    const database = await openDatabase({ url: testDb.url });
    closers.push(() => database.close());
    const bucket = await createTestBucket();
    closers.push(() => bucket.drop());
    const temporal = await connectTestTemporal(label);
    closers.push(() => temporal.close());

    const secretKey = randomBytes(32).toString('base64');
    const secrets = createSecretBox(secretKey);
    const credentials = sim.tenants[0]!;
    const truth = await sim.control.groundTruth(credentials.accountId);
    await upsertTenant(database.db, secrets, simulatedTenantInput(TENANT_ID, 'Resilience (simulated Zoom account)', credentials, {
      pollIntervalSeconds: 3600,
      ...tenant,
    }));
    for (const user of truth.users) {
      await upsertRecordedUser(database.db, TENANT_ID, {
        zoomUserId: user.id, email: user.email, name: user.display_name, modality: user.modality, individualAudio: false,
      });
    }

    const s3 = bucket.s3;
    const workerEnv: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: temporal.namespace,
      TEMPORAL_TASK_QUEUE: temporal.taskQueue,
      DATABASE_URL: testDb.url,
      S3_BUCKET: bucket.bucket,
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
      ARCHIVER_SECRET_KEY: secretKey,
      DATA_DIR: `/tmp/za-resilience-${label}`,
    };

    const startWorker = async () => {
      const zoom: ZoomClients = createZoomClients(database.db, secrets);
      const store = new S3MediaStore({ bucket: bucket.bucket, client: createS3Client(s3) });
      const worker = await temporal.createWorker({
        activities: createActivities({ db: database.db, store, zoom, location: hostname() }),
        maxConcurrentActivityTaskExecutions: 20,
      });
      const running = worker.run();
      return {
        worker,
        running,
        stop: async () => {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await running;
          await zoom.close();
        },
      };
    };

    return { sim, accountId: credentials.accountId, database, bucket, temporal, configuredUsers: truth.users, workerEnv, startWorker, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code or signal. */
  exited: Promise<string>;
}

/**
 * `tsx src/workers/worker.ts` as a child process; resolves once it polls its task queue. Like any
 * worker it creates the tenant's schedule when it starts: the tests run their syncs themselves, so
 * the schedule is paused (a later worker's start keeps it paused) and never fires mid-test.
 */
export async function spawnWorkerProcess(world: ResilienceWorld, timeoutMs = 60_000): Promise<WorkerProcess> {
  const env = world.workerEnv;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/workers/worker.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b: Buffer) => { output += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { output += b.toString(); });
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code))));
  const deadline = Date.now() + timeoutMs;
  while (!/worker \S+ polling task queue/.test(output)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`worker process exited before polling:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`worker process did not poll within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await world.temporal.client.schedule.getHandle(syncScheduleId(TENANT_ID, 'cloud_recordings')).pause('resilience tests run their own syncs');
  return { child, output: () => output, exited };
}

/** What a child workflow gets for a simulated meeting (as a listing would build it). */
export function meetingRefOf(m: GroundTruthMeeting): MeetingRef {
  return {
    uuid: m.uuid,
    meetingNumber: String(m.id),
    topic: m.topic,
    hostId: m.host_id,
    startTime: new Date(m.start_time).toISOString(),
    durationMinutes: m.duration,
  };
}

/** Configured users who took part in (or hosted) a meeting: each must get exactly one CDR. */
export function recordedUsersOf(m: GroundTruthMeeting, users: readonly SimUserTruth[]): SimUserTruth[] {
  return users.filter((u) => u.id === m.host_id || m.participants.some((p) => p.user_id === u.id || (p.email && p.email.toLowerCase() === u.email.toLowerCase())));
}

export async function allObjectKeys(bucket: TestBucket): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await bucket.client.send(new ListObjectsV2Command({ Bucket: bucket.bucket, ...(token ? { ContinuationToken: token } : {}) }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

export async function mediaFileRows(world: ResilienceWorld) {
  return world.database.db.select().from(mediaFiles).where(eq(mediaFiles.tenantId, TENANT_ID));
}

export async function cdrRows(world: ResilienceWorld): Promise<Conversation[]> {
  return listConversations(world.database.db, TENANT_ID);
}
