import { randomBytes } from 'node:crypto';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities/index.js';
import { createZoomClients, type ZoomClients } from '../../src/activities/zoom-clients.js';
import { openDatabase, type OpenDatabase } from '../../src/db/client.js';
import { listConversations, type Conversation } from '../../src/db/queries/conversations.js';
import { listMediaFiles, type MediaFile } from '../../src/db/queries/media-files.js';
import { upsertRecordedUser, type RecordedUserInput } from '../../src/db/queries/recorded-users.js';
import { upsertTenant } from '../../src/db/queries/tenants.js';
import { simulatedTenantInput } from '../../src/demo/demo-tenant.js';
import type { TenantSyncTotals } from '../../src/ingest/types.js';
import { createSecretBox, type SecretBox } from '../../src/security/secrets.js';
import type { GroundTruth, GroundTruthFile, GroundTruthMeeting, RunningSimulator, SimTenantCredentials } from '../../src/simulator/index.js';
import { S3MediaStore } from '../../src/storage/s3-media-store.js';
import { syncWorkflowId } from '../../src/workflows/ids.js';
import { connectTestTemporal, createTestBucket, createTestDatabase, uniqueSuffix, type TestBucket, type TestDatabase, type TestTemporal } from '../harness/index.js';

// Shared end-to-end setup: the real Temporal dev server, PostgreSQL and S3 of the harness, one
// worker running the product's activities over them, and tenants registered the way
// src/demo/demo-tenant.ts registers the simulated one, but with a chosen subset of its users.

/** The CDRs' `location`: the worker's hostname in production. */
export const E2E_LOCATION = 'e2e-worker';

export interface E2eWorld {
  database: OpenDatabase;
  secrets: SecretBox;
  store: S3MediaStore;
  bucket: TestBucket;
  temporal: TestTemporal;
  zoom: ZoomClients;
  close(): Promise<void>;
}

/** Database, bucket, task queue and a running worker of this test file's own. */
export async function startE2eWorld(label: string): Promise<E2eWorld> {
  const testDb: TestDatabase = await createTestDatabase();
  const database = await openDatabase({ url: testDb.url });
  const secrets = createSecretBox(randomBytes(32).toString('base64'));
  const bucket = await createTestBucket();
  const store = new S3MediaStore({ bucket: bucket.bucket, client: bucket.client });
  const temporal = await connectTestTemporal(label);
  const zoom = createZoomClients(database.db, secrets);
  // A lookback under a month keeps each user's first listing to one cloud-recordings window.
  const activities = createActivities({ db: database.db, store, zoom, location: E2E_LOCATION, initialLookbackDays: 20 });
  const worker: Worker = await temporal.createWorker({ activities });
  const running = worker.run();
  return {
    database, secrets, store, bucket, temporal, zoom,
    close: async () => {
      worker.shutdown();
      await running;
      await zoom.close();
      await temporal.close();
      await database.close();
      await bucket.drop();
      await testDb.drop();
    },
  };
}

export interface ConfiguredUser {
  /** Index into the simulated account's users. */
  index: number;
  modality: RecordedUserInput['modality'];
  individualAudio: boolean;
}

export interface E2eTenant {
  tenantId: string;
  zoom: SimTenantCredentials;
  users: RecordedUserInput[];
  /** Simulated users left out of the configuration: nothing of theirs may be archived. */
  unconfigured: GroundTruth['users'];
}

/** Registers a simulated account as a tenant with only `configure`'s users recorded. */
export async function registerTenant(
  world: E2eWorld,
  sim: RunningSimulator,
  options: { simTenant: number; configure: ConfiguredUser[]; deleteAfterArchive?: boolean },
): Promise<E2eTenant> {
  const zoom = sim.tenants[options.simTenant];
  if (!zoom) throw new Error(`the simulator has no tenant #${options.simTenant}`);
  const truth = await sim.control.groundTruth(zoom.accountId);
  const tenantId = `e2e-${uniqueSuffix()}`;
  await upsertTenant(world.database.db, world.secrets, simulatedTenantInput(tenantId, `E2E ${zoom.accountId}`, zoom, {
    options: { deleteAfterArchive: options.deleteAfterArchive ?? false },
  }));
  const users: RecordedUserInput[] = [];
  for (const c of options.configure) {
    const user = truth.users[c.index];
    if (!user) throw new Error(`the simulated account has no user #${c.index}`);
    const input = { zoomUserId: user.id, email: user.email, name: user.display_name, modality: c.modality, individualAudio: c.individualAudio };
    await upsertRecordedUser(world.database.db, tenantId, input);
    users.push(input);
  }
  const configuredIds = new Set(users.map((u) => u.zoomUserId));
  return { tenantId, zoom, users, unconfigured: truth.users.filter((u) => !configuredIds.has(u.id)) };
}

/** Runs one `tenantSync` of the cloud-recordings source to completion, as the schedule would. */
export async function runSync(world: E2eWorld, tenantId: string, workflowId?: string): Promise<TenantSyncTotals> {
  return world.temporal.client.workflow.execute('tenantSync', {
    args: [{ tenantId, source: 'cloud_recordings' }],
    taskQueue: world.temporal.taskQueue,
    workflowId: workflowId ?? `${syncWorkflowId(tenantId, 'cloud_recordings')}:${uniqueSuffix()}`,
    workflowExecutionTimeout: '2 minutes',
  });
}

// What the ground truth says the archiver must store, worked out from DESIGN "CDR fields" on its
// own (not with the product's file-selection code): only meetings a configured user hosts are in
// a user's cloud recordings; every configured host or participant of one is a recorded user.

export interface ExpectedMeeting {
  meeting: GroundTruthMeeting;
  recordedUsers: RecordedUserInput[];
  /** Files the recorded users' modalities need, ready now. */
  files: GroundTruthFile[];
  /** Files no recorded user needs (a voice-only meeting's MP4, unwanted per-participant audio). */
  unneeded: GroundTruthFile[];
  /** Files still processing (or a transcript not yet ready). */
  processing: GroundTruthFile[];
}

export function expectedArchive(truth: GroundTruth, tenant: E2eTenant, options: { since?: Date } = {}): ExpectedMeeting[] {
  const now = Date.parse(truth.now);
  const hosts = new Map(tenant.users.map((u) => [u.zoomUserId, u]));
  const out: ExpectedMeeting[] = [];
  for (const meeting of truth.meetings) {
    if (!meeting.recorded || !hosts.has(meeting.host_id) || Date.parse(meeting.end_time) > now) continue;
    if (options.since && Date.parse(meeting.start_time) < options.since.getTime()) continue;
    const recordedUsers = tenant.users.filter((u) => u.zoomUserId === meeting.host_id
      || meeting.participants.some((p) => p.internal && (p.id === u.zoomUserId || p.email.toLowerCase() === u.email.toLowerCase())));
    const video = recordedUsers.some((u) => u.modality !== 'voice');
    const individual = recordedUsers.some((u) => u.individualAudio === true);
    const files: GroundTruthFile[] = [];
    const unneeded: GroundTruthFile[] = [];
    const processing: GroundTruthFile[] = [];
    for (const file of meeting.files) {
      if (file.kind === 'archive' || file.idless || file.deletion !== 'none') continue;
      const needed = file.kind === 'participant_audio' ? individual : file.file_type !== 'MP4' || video;
      if (!needed) unneeded.push(file);
      else if (file.status === 'processing') processing.push(file);
      else files.push(file);
    }
    out.push({ meeting, recordedUsers, files, unneeded, processing });
  }
  return out;
}

/** Every object of a tenant in the bucket (media keys start with the tenant id). */
export async function bucketKeys(world: E2eWorld, tenantId: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await world.bucket.client.send(new ListObjectsV2Command({ Bucket: world.bucket.bucket, Prefix: `${tenantId}/`, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

export const mediaFilesOf = (world: E2eWorld, tenantId: string): Promise<MediaFile[]> => listMediaFiles(world.database.db, tenantId);

export const cdrsOf = (world: E2eWorld, tenantId: string): Promise<Conversation[]> => listConversations(world.database.db, tenantId);
