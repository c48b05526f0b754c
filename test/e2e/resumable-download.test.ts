import { randomBytes } from 'node:crypto';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKPOINT_MIN_BYTES } from '../../src/activities/archive-file.js';
import { createActivities } from '../../src/activities/index.js';
import type { ZoomClients } from '../../src/activities/zoom-clients.js';
import { openDatabase, type OpenDatabase } from '../../src/db/client.js';
import { listMediaFiles } from '../../src/db/queries/media-files.js';
import { upsertRecordedUser } from '../../src/db/queries/recorded-users.js';
import { upsertTenant } from '../../src/db/queries/tenants.js';
import { simulatedTenantInput } from '../../src/demo/demo-tenant.js';
import type { IngestMeetingResult } from '../../src/ingest/types.js';
import { createSecretBox } from '../../src/security/secrets.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { S3MediaStore } from '../../src/storage/index.js';
import { meetingWorkflowId } from '../../src/workflows/ids.js';
import { createZoomClient, type ZoomClient } from '../../src/zoom/index.js';
import { connectTestTemporal, createTestBucket, createTestDatabase, type TestBucket, type TestDatabase, type TestTemporal } from '../harness/index.js';
import { s3ObjectSha256 } from '../harness/stored-bytes.js';
import { allObjectKeys, meetingRefOf } from './resilience-setup.js';

// archiveMeetingFile resumed across attempts: the simulator cuts a large download once (fault
// `truncatedBody`: half of the body, then a clean close), the Zoom client is built without
// in-stream resumes, so the attempt fails and only Temporal's retry of the activity can go on. It
// must continue from the checkpoint the first attempt heartbeated, with a Range request, and store
// the whole file with the simulator's SHA-256. Bytes served are counted by the simulator.

const MiB = 1024 * 1024;
const NOW = new Date('2026-02-02T12:00:00Z');
const TENANT_ID = 'resumable';
const PART = 16 * MiB;
/** Large enough for checkpoints; not a whole number of parts. */
const SIZE = 100 * MiB + 1234;

let sim: RunningSimulator;
let testDb: TestDatabase;
let database: OpenDatabase;
let bucket: TestBucket;
let temporal: TestTemporal;
let zoomClient: ZoomClient;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  sim = await startSimulator({ seed: 4242, now: NOW, freezeClock: true, tenants: [{ users: 2, inactiveUsers: 0, meetingsPerDay: 0, days: 1, phoneCallsPerDay: 0 }] });
  testDb = await createTestDatabase();
  database = await openDatabase({ url: testDb.url });
  bucket = await createTestBucket();
  temporal = await connectTestTemporal('e2e-resumable-download');

  const credentials = sim.tenants[0]!;
  const secrets = createSecretBox(randomBytes(32).toString('base64'));
  await upsertTenant(database.db, secrets, simulatedTenantInput(TENANT_ID, 'Resumable downloads', credentials));
  for (const user of (await sim.control.groundTruth(credentials.accountId)).users) {
    await upsertRecordedUser(database.db, TENANT_ID, { zoomUserId: user.id, email: user.email, name: user.display_name, modality: 'video', individualAudio: false });
  }

  // No resumes inside one download stream: a cut body fails the attempt.
  zoomClient = createZoomClient({
    tenantId: TENANT_ID,
    accountId: credentials.accountId,
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    plan: credentials.plan,
    apiBaseUrl: credentials.apiBaseUrl,
    oauthTokenUrl: credentials.oauthTokenUrl,
    downloadHosts: [new URL(credentials.downloadBaseUrl).hostname],
  }, { downloadResumes: 0 });
  // The first download is answered with the fault on; it is switched off once the answer's headers
  // are in (the simulator decides a response's faults before its headers), so nothing else meets it.
  const download = zoomClient.downloadFile.bind(zoomClient);
  let cuts = 1;
  zoomClient.downloadFile = async (req) => {
    if (cuts-- <= 0) return download(req);
    await sim.control.setFaults({ truncatedBody: 1, targets: 'downloads' });
    try {
      return await download(req);
    } finally {
      await sim.control.setFaults({ truncatedBody: 0 });
    }
  };
  const zoom: ZoomClients = { forTenant: async () => zoomClient, flushUsage: async () => undefined, close: () => zoomClient.close() };

  const store = new S3MediaStore({ bucket: bucket.bucket, client: bucket.client, partSize: PART });
  worker = await temporal.createWorker({ activities: createActivities({ db: database.db, store, zoom, location: 'e2e-worker' }) });
  running = worker.run();
});

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await zoomClient?.close();
  await temporal?.close();
  await database?.close();
  await bucket?.drop();
  await testDb?.drop();
  await sim?.close();
});

describe('a large download cut once', () => {
  it('is continued by the next attempt from the last durable part: about the missing half transferred again, the whole file stored with its SHA-256', async () => {
    const { accountId } = sim.tenants[0]!;
    const host = (await sim.control.groundTruth(accountId)).users[0]!;
    const meeting = await sim.control.addMeeting(accountId, {
      hostId: host.id,
      participants: 0,
      start_time: new Date(NOW.getTime() - 3 * 3600_000).toISOString(),
      durationMinutes: 40,
      files: [{ file_type: 'MP4', file_size: SIZE }],
      archive: false, transcript: false, chat: false, timeline: false, individualAudio: false,
    });
    const file = meeting.files[0]!;
    expect(meeting.files).toHaveLength(1);
    // Precondition: a file the archiver stores with checkpoints.
    expect(SIZE).toBeGreaterThanOrEqual(CHECKPOINT_MIN_BYTES);
    await sim.control.resetCounters();

    const handle = await temporal.client.workflow.start('ingestMeeting', {
      taskQueue: temporal.taskQueue,
      workflowId: meetingWorkflowId(TENANT_ID, meeting.uuid),
      args: [{ tenantId: TENANT_ID, source: 'cloud_recordings', meeting: meetingRefOf(meeting), trigger: 'schedule' }],
    });
    const result = await handle.result() as IngestMeetingResult;
    expect(result).toMatchObject({ stored: 1, failed: 0, bytes: SIZE });

    // The fault served half of the file; the parts wholly inside that half were durable, and the
    // second attempt asked for the rest from the end of the last of them.
    const half = Math.floor(SIZE / 2);
    const durable = Math.floor(half / PART) * PART;
    const counters = await sim.control.getCounters();
    expect(counters.faults).toEqual({ truncatedBody: 1 });
    expect(counters.downloads).toEqual({ requests: 2, bytes: half + (SIZE - durable) });

    // Two attempts of the activity, the second after the cut.
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'archiveMeetingFile');
    const started = events.find((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled?.eventId));
    expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(2);
    expect(started?.activityTaskStartedEventAttributes?.lastFailure?.message).toMatch(/truncated at byte/);

    const [row] = await listMediaFiles(database.db, TENANT_ID, { platformCallId: meeting.uuid });
    expect(row).toMatchObject({ zoomFileId: file.id, state: 'stored', sha256: file.sha256, storedSize: SIZE });
    expect(await allObjectKeys(bucket)).toEqual([row!.storageKey]);
    expect(await s3ObjectSha256(bucket.client, bucket.bucket, row!.storageKey)).toEqual({ sha256: file.sha256, size: SIZE });
    const uploads = await bucket.client.send(new ListMultipartUploadsCommand({ Bucket: bucket.bucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
  }, 120_000);
});
