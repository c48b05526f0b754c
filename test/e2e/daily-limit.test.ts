import { randomBytes } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import { createZoomClients, type ZoomClients } from '../../src/activities/zoom-clients.js';
import { openDatabase, type OpenDatabase } from '../../src/db/client.js';
import { listConversations } from '../../src/db/queries/conversations.js';
import { listMediaFiles } from '../../src/db/queries/media-files.js';
import { upsertRecordedUser } from '../../src/db/queries/recorded-users.js';
import { upsertTenant } from '../../src/db/queries/tenants.js';
import { simulatedTenantInput } from '../../src/demo/demo-tenant.js';
import type { MeetingRef } from '../../src/ingest/types.js';
import { createSecretBox } from '../../src/security/secrets.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { S3MediaStore } from '../../src/storage/index.js';
import { meetingWorkflowId } from '../../src/workflows/ids.js';
import { createZoomClient } from '../../src/zoom/index.js';
import { createTestBucket, createTestDatabase, createTimeSkippingEnv, uniqueSuffix, type TestBucket, type TestDatabase } from '../harness/index.js';
import { s3ObjectSha256 } from '../harness/stored-bytes.js';

// The daily-limit path run to its end, on the time-skipping test server, with the simulator's own
// daily quota: the meeting's metadata call is refused with Zoom's daily-limit 429 (Retry-After: the
// next 00:00 UTC), the workflow waits for that moment (skipped, not slept), the simulator's day
// turns, and the file and the CDR are there afterwards. The meeting path makes no heavy call, so
// the simulator charges its medium calls to the daily quota here; the mechanics are Zoom's.

const TENANT = `midnight-${uniqueSuffix()}`;
const DAY = 86_400_000;

let env: TestWorkflowEnvironment;
let sim: RunningSimulator;
let database: TestDatabase;
let db: OpenDatabase;
let bucket: TestBucket;
let zoom: ZoomClients;
// At least ten minutes ahead, so the real clock (the worker's) never passes it during the test.
const nextMidnight = Math.ceil((Date.now() + 10 * 60_000) / DAY) * DAY;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  // One minute before 00:00 UTC on the simulator, which only moves when told.
  sim = await startSimulator({
    seed: 89, now: new Date(nextMidnight - 60_000), freezeClock: true,
    tenants: [{ users: 1, inactiveUsers: 0, meetingsPerDay: 0, days: 1, phoneCallsPerDay: 0 }],
    rateLimits: { dailyQuotaCategories: ['medium', 'heavy', 'resource-intensive'], meetings: { pro: { heavyDailyQuota: 1 }, business: { heavyDailyQuota: 1 } } },
  });
  database = await createTestDatabase();
  db = await openDatabase({ url: database.url });
  bucket = await createTestBucket();
}, 60_000);

afterAll(async () => {
  await zoom?.close();
  await sim?.close();
  await db?.close();
  await database?.drop();
  await bucket?.drop();
  await env?.teardown();
});

describe('a spent daily quota', () => {
  it('sleeps until the next 00:00 UTC and then archives the file and writes the CDR', async () => {
    const account = sim.tenants[0]!;
    const host = (await sim.control.groundTruth(account.accountId)).users[0]!;
    const secrets = createSecretBox(randomBytes(32).toString('base64'));
    await upsertTenant(db.db, secrets, simulatedTenantInput(TENANT, 'Midnight', account));
    await upsertRecordedUser(db.db, TENANT, { zoomUserId: host.id, email: host.email, name: host.display_name, modality: 'voice', individualAudio: false });
    const meeting = await sim.control.addMeeting(account.accountId, {
      hostId: host.id, participants: 0, start_time: new Date(nextMidnight - 3 * 3600_000).toISOString(), durationMinutes: 20,
      files: [{ file_type: 'M4A', file_size: 64 * 1024 }], archive: false, transcript: false, chat: false, timeline: false,
    });
    // Today's quota (one call) is spent by someone else's call.
    const other = createZoomClient({ tenantId: 'other-app', accountId: account.accountId, clientId: account.clientId, clientSecret: account.clientSecret, plan: account.plan, apiBaseUrl: account.apiBaseUrl, oauthTokenUrl: account.oauthTokenUrl });
    await other.listUsers().toArray();
    await other.close();
    await sim.control.resetCounters();

    zoom = createZoomClients(db.db, secrets);
    const taskQueue = `midnight-${uniqueSuffix()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection, taskQueue, workflowBundle: { codePath: inject('workflowBundlePath') },
      activities: createActivities({ db: db.db, store: new S3MediaStore({ bucket: bucket.bucket, client: bucket.client }), zoom, location: 'midnight' }),
    });
    const ref: MeetingRef = { uuid: meeting.uuid, meetingNumber: String(meeting.id), topic: meeting.topic, hostId: host.id, startTime: meeting.start_time, durationMinutes: 20 };
    const result = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('ingestMeeting', {
        taskQueue, workflowId: meetingWorkflowId(TENANT, meeting.uuid), args: [{ tenantId: TENANT, source: 'cloud_recordings', meeting: ref, trigger: 'webhook' }],
      });
      // The metadata call meets the daily limit; nothing is archived before the reset.
      const deadline = Date.now() + 30_000;
      while ((await sim.control.getCounters()).rateLimited['Daily-limit'] === 0) {
        if (Date.now() > deadline) throw new Error('no daily-limit 429 within 30 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await listConversations(db.db, TENANT)).toEqual([]);
      // Zoom's day turns; the time-skipping server moves the workflow's clock past 00:00 UTC.
      await sim.control.setClock(new Date(nextMidnight + 10_000));
      return handle.result();
    });

    expect(result).toMatchObject({ stored: 1, failed: 0, cdrs: 1 });
    const [file] = meeting.files;
    const [row] = await listMediaFiles(db.db, TENANT);
    expect(await s3ObjectSha256(bucket.client, bucket.bucket, row!.storageKey)).toEqual({ sha256: file!.sha256, size: file!.file_size });
    expect((await listConversations(db.db, TENANT)).map((c) => c.recordedUserZoomId)).toEqual([host.id]);
    const counters = await sim.control.getCounters();
    expect(counters.rateLimited['Daily-limit']).toBe(1);
    expect(counters.endpoints['GET /past_meetings/{meetingId}/participants']).toBe(2);

    // The retry ran after 00:00 UTC + 5 s on the workflow's clock (skipped, as the activity asked).
    const history = await env.client.workflow.getHandle(meetingWorkflowId(TENANT, meeting.uuid)).fetchHistory();
    const prepareAttempts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 0) >= 1)
      .map((e) => ({ attempt: e.activityTaskStartedEventAttributes!.attempt!, at: Number(String(e.eventTime!.seconds)) * 1000 }));
    const retried = prepareAttempts.find((a) => a.attempt === 2)!;
    expect(retried).toBeDefined();
    expect(retried.at).toBeGreaterThanOrEqual(nextMidnight + 5_000);
  });
});
