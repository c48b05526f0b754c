import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { createApiServer } from '../../src/api/server.js';
import { createActivities } from '../../src/activities/index.js';
import { createZoomClients, type ZoomClients } from '../../src/activities/zoom-clients.js';
import { openDatabase, type OpenDatabase } from '../../src/db/client.js';
import { listConversations, type Conversation } from '../../src/db/queries/conversations.js';
import { listMediaFiles, type MediaFile } from '../../src/db/queries/media-files.js';
import { getRecoveryRequest, recoveryCounts, type RecoveryRequest } from '../../src/db/queries/recovery.js';
import { upsertRecordedUser, type RecordedUserInput } from '../../src/db/queries/recorded-users.js';
import { upsertTenant, type TenantInput } from '../../src/db/queries/tenants.js';
import { simulatedTenantInput } from '../../src/demo/demo-tenant.js';
import type { PhoneSyncInput, PhoneSyncTotals, TenantSyncInput, TenantSyncTotals } from '../../src/ingest/types.js';
import { createSecretBox, type SecretBox } from '../../src/security/secrets.js';
import type { GroundTruth, GroundTruthFile, GroundTruthMeeting, RunningSimulator, SimTenantCredentials } from '../../src/simulator/index.js';
import { S3DropFolder } from '../../src/recovery/drop-folder.js';
import { S3MediaStore } from '../../src/storage/s3-media-store.js';
import { syncWorkflowId } from '../../src/workflows/ids.js';
import { connectTestTemporal, createTestBucket, createTestDatabase, uniqueSuffix, type TestBucket, type TestDatabase, type TestTemporal } from '../harness/index.js';
import { s3ObjectSha256 } from '../harness/stored-bytes.js';
import { expect } from 'vitest';

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
  dropFolder: S3DropFolder;
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
  // Support's CSV drop folder beside the media, as in production with S3.
  const dropFolder = new S3DropFolder({ client: bucket.client, bucket: bucket.bucket, prefix: 'recovery/' });
  const activities = createActivities({
    db: database.db, store, zoom, location: E2E_LOCATION, initialLookbackDays: 20,
    dropFolder, temporal: { client: temporal.client, taskQueue: temporal.taskQueue },
  });
  const worker: Worker = await temporal.createWorker({ activities });
  const running = worker.run();
  return {
    database, secrets, store, bucket, temporal, zoom, dropFolder,
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
  /** Configure the user's Zoom Phone extension (as the simulator gave it). */
  phoneExtension?: boolean;
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
  options: { simTenant: number; configure: ConfiguredUser[]; deleteAfterArchive?: boolean; tenant?: Partial<TenantInput> },
): Promise<E2eTenant> {
  const zoom = sim.tenants[options.simTenant];
  if (!zoom) throw new Error(`the simulator has no tenant #${options.simTenant}`);
  const truth = await sim.control.groundTruth(zoom.accountId);
  const tenantId = `e2e-${uniqueSuffix()}`;
  await upsertTenant(world.database.db, world.secrets, simulatedTenantInput(tenantId, `E2E ${zoom.accountId}`, zoom, {
    options: { deleteAfterArchive: options.deleteAfterArchive ?? false },
    ...options.tenant,
  }));
  const users: RecordedUserInput[] = [];
  for (const c of options.configure) {
    const user = truth.users[c.index];
    if (!user) throw new Error(`the simulated account has no user #${c.index}`);
    const input: RecordedUserInput = {
      zoomUserId: user.id, email: user.email, name: user.display_name, modality: c.modality, individualAudio: c.individualAudio,
      ...(c.phoneExtension && user.phone_extension !== null ? { phoneExtension: String(user.phone_extension) } : {}),
    };
    await upsertRecordedUser(world.database.db, tenantId, input);
    users.push(input);
  }
  const configuredIds = new Set(users.map((u) => u.zoomUserId));
  return { tenantId, zoom, users, unconfigured: truth.users.filter((u) => !configuredIds.has(u.id)) };
}

/** Runs one `tenantSync` of the cloud-recordings source to completion, as the schedule would. */
export async function runSync(world: E2eWorld, tenantId: string, workflowId?: string, input: Partial<TenantSyncInput> = {}): Promise<TenantSyncTotals> {
  const source = input.source ?? 'cloud_recordings';
  return world.temporal.client.workflow.execute('tenantSync', {
    // Unless a test is about slow children, the sync waits for every child: its result and the
    // archive are complete when it returns, however loaded the machine.
    args: [{ tenantId, source, childWaitSeconds: 600, ...input }],
    taskQueue: world.temporal.taskQueue,
    workflowId: workflowId ?? `${syncWorkflowId(tenantId, source)}:${uniqueSuffix()}`,
    workflowExecutionTimeout: '2 minutes',
  });
}

/** Runs one `phoneSync` to completion, as the schedule `sync:<tenant>:phone` would. */
export async function runPhoneSync(world: E2eWorld, tenantId: string, input: Partial<PhoneSyncInput> = {}, workflowId?: string): Promise<PhoneSyncTotals> {
  return world.temporal.client.workflow.execute('phoneSync', {
    args: [{ tenantId, childWaitSeconds: 600, ...input }],
    taskQueue: world.temporal.taskQueue,
    workflowId: workflowId ?? `${syncWorkflowId(tenantId, 'phone')}:${uniqueSuffix()}`,
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
      // Every cloud file counts, captions and timelines (listed without an id) included.
      if (file.kind === 'archive' || file.deletion !== 'none') continue;
      const needed = file.kind === 'participant_audio' ? individual : file.file_type !== 'MP4' || video;
      if (!needed) unneeded.push(file);
      else if (file.status === 'processing') processing.push(file);
      else files.push(file);
    }
    out.push({ meeting, recordedUsers, files, unneeded, processing });
  }
  return out;
}

/**
 * Matches a stored row to the simulator's file without the archiver's own ids: Zoom's file id, or
 * for a file Zoom lists without one (CC, TIMELINE) its meeting, type and recording start, which is
 * all a listing says of it.
 */
export const truthFileKey = (meetingUuid: string, file: GroundTruthFile): string =>
  file.idless ? `${meetingUuid}|${file.file_type}|${new Date(file.recording_start).toISOString()}` : file.id;

export const rowFileKey = (row: MediaFile, truthIds: ReadonlySet<string>): string =>
  truthIds.has(row.zoomFileId) ? row.zoomFileId : `${row.platformCallId}|${row.fileType}|${row.recordingStartedAt.toISOString()}`;

/**
 * The tenant's stored files are exactly the expected ones, each object's bytes hashed from the
 * bucket equal to the simulator's, and the bucket holds nothing else of the tenant.
 */
export async function expectStoredExactly(world: E2eWorld, tenantId: string, files: { meetingUuid: string; file: GroundTruthFile }[]): Promise<void> {
  const truthIds = new Set(files.filter((f) => !f.file.idless).map((f) => f.file.id));
  const wanted = new Map(files.map((f) => [truthFileKey(f.meetingUuid, f.file), f.file]));
  const stored = (await mediaFilesOf(world, tenantId)).filter((r) => r.state === 'stored');
  const byKey = new Map(stored.map((r) => [rowFileKey(r, truthIds), r]));
  expect([...byKey.keys()].sort()).toEqual([...wanted.keys()].sort());
  expect(byKey.size).toBe(stored.length);
  for (const [key, file] of wanted) {
    const row = byKey.get(key)!;
    expect(await s3ObjectSha256(world.bucket.client, world.bucket.bucket, row.storageKey), `bytes of ${file.file_type} ${key}`)
      .toEqual({ sha256: file.sha256, size: file.file_size });
  }
  expect(await bucketKeys(world, tenantId)).toEqual(stored.map((r) => r.storageKey).sort());
}

/** The expected meetings' files, each with its meeting. */
export const filesOf = (expected: ExpectedMeeting[]) => expected.flatMap((m) => m.files.map((file) => ({ meetingUuid: m.meeting.uuid, file })));

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

/** Polls until a recovery request is done (finished, with errors or not, failed or cancelled), or fails naming its counts. */
export async function waitForRecoveryRequest(world: E2eWorld, tenantId: string, requestId: string, timeoutMs = 120_000): Promise<RecoveryRequest> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const request = await getRecoveryRequest(world.database.db, tenantId, requestId);
    if (request && ['finished', 'finished_with_errors', 'failed', 'cancelled'].includes(request.status)) return request;
    if (Date.now() > deadline) {
      const counts = (await recoveryCounts(world.database.db, tenantId, [requestId])).get(requestId);
      throw new Error(`recovery request ${requestId} not done after ${timeoutMs} ms: ${request?.status ?? 'not filed'} ${JSON.stringify(counts)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The support API on the world's database and Temporal (its worker behind it), listening on loopback; `url` ends in /api. */
export async function startSupportApi(world: E2eWorld, apiTokens: string[]): Promise<{ app: FastifyInstance; url: string }> {
  const app = createApiServer({ db: world.database.db, secrets: world.secrets, temporal: { client: world.temporal.client, taskQueue: world.temporal.taskQueue }, apiTokens });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api` };
}
