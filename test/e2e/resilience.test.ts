import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroundTruth, GroundTruthFile, GroundTruthMeeting } from '../../src/simulator/index.js';
import { reconciliationCounts } from '../../src/db/queries/reconciliation.js';
import { getRecoveryRequest, recoveryCounts } from '../../src/db/queries/recovery.js';
import { signalRecovery } from '../../src/recovery/submit.js';
import type { ReconcileProgress } from '../../src/reconciliation/types.js';
import { meetingWorkflowId, phoneCallWorkflowId, reconcileWorkflowId, syncWorkflowId } from '../../src/workflows/ids.js';
import type { IngestMeetingResult, TenantSyncTotals } from '../../src/ingest/types.js';
import {
  TENANT_ID, allObjectKeys, cdrRows, mediaFileRows, meetingRefOf, recordedUsersOf, spawnWorkerProcess,
  startResilienceWorld, type ResilienceWorld, type WorkerProcess,
} from './resilience-setup.js';
import { rowFileKey, truthFileKey } from './helpers.js';
import { s3ObjectSha256 } from '../harness/stored-bytes.js';

// Resilience of the archive path on the real servers (Temporal dev server, PostgreSQL, S3) with the
// simulator over HTTP: a worker process killed mid-download, and a sync through 5xx bursts,
// truncated and reset downloads and a QPS 429 storm. Everything is checked against ground truth.
// (The daily-limit path runs to its end in daily-limit.test.ts, on the time-skipping server.)

const MIB = 1024 * 1024;

const objectSha256 = (world: ResilienceWorld, key: string) => s3ObjectSha256(world.bucket.client, world.bucket.bucket, key);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a worker killed with SIGKILL in the middle of a large download', () => {
  let world: ResilienceWorld;
  const processes: WorkerProcess[] = [];

  beforeAll(async () => {
    world = await startResilienceWorld('kill', {
      seed: 61,
      tenants: [{ users: 3, inactiveUsers: 0, meetingsPerDay: 0, days: 1, phoneCallsPerDay: 0 }],
    });
  });

  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await world?.close();
  });

  it('finishes after a new worker starts: the file stored once with its SHA-256, one row, one CDR per recorded user', async () => {
    const { sim, accountId, temporal } = world;
    const host = world.configuredUsers.find((u) => u.modality !== 'voice' && u.status === 'active');
    const guest = world.configuredUsers.find((u) => u !== host && u.status === 'active');
    expect(host && guest, 'the simulated account has two active users, one with video').toBeTruthy();
    const size = 320 * MIB;
    const meeting = await sim.control.addMeeting(accountId, {
      hostId: host!.id,
      participants: [{ userId: guest!.id }],
      start_time: new Date(Date.now() - 3 * 3600_000).toISOString(),
      durationMinutes: 40,
      files: [{ file_type: 'MP4', file_size: size }],
      archive: false, transcript: false, chat: false, timeline: false, individualAudio: false,
    });
    const file = meeting.files[0]!;
    expect(meeting.files).toHaveLength(1);

    // The body stalls before its first byte and again halfway (10 s each): the download is surely
    // in flight when the worker dies, and each stall stays well within the 30 s heartbeat timeout.
    await sim.control.setFaults({ slowBody: 1, slowBodyDelayMs: 20_000, targets: 'downloads' });

    const first = await spawnWorkerProcess(world);
    processes.push(first);
    const handle = await temporal.client.workflow.start('ingestMeeting', {
      taskQueue: temporal.taskQueue,
      workflowId: meetingWorkflowId(TENANT_ID, meeting.uuid),
      args: [{ tenantId: TENANT_ID, source: 'cloud_recordings', meeting: meetingRefOf(meeting), trigger: 'schedule' }],
    });

    // In flight: the download activity has heartbeated a byte count.
    let bytesAtKill = 0;
    const deadline = Date.now() + 60_000;
    while (bytesAtKill === 0) {
      if (Date.now() > deadline) throw new Error(`no download heartbeat within 60 s; worker output:\n${first.output()}`);
      const description = await handle.describe();
      const pending = description.raw.pendingActivities?.find((a) => a.activityType?.name === 'archiveMeetingFile');
      const payload = pending?.heartbeatDetails?.payloads?.[0]?.data;
      if (payload) bytesAtKill = (JSON.parse(Buffer.from(payload).toString()) as { bytes: number }).bytes;
      else await sleep(200);
    }
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(bytesAtKill).toBeGreaterThan(0);
    expect(bytesAtKill).toBeLessThan(size);
    // What the server holds of the dead attempt's last heartbeat: the checkpoint the next attempt resumes from
    // (none when the kill came before the first durable part).
    const pendingAfterKill = (await handle.describe()).raw.pendingActivities?.find((a) => a.activityType?.name === 'archiveMeetingFile');
    const lastBeat = pendingAfterKill?.heartbeatDetails?.payloads?.[0]?.data;
    const resumedFrom = lastBeat ? (JSON.parse(Buffer.from(lastBeat).toString()) as { checkpoint?: { bytes: number } }).checkpoint?.bytes ?? 0 : 0;

    // The next attempt streams at full speed (after the 30 s heartbeat timeout notices the death).
    await sim.control.setFaults({ slowBody: 0 });
    const second = await spawnWorkerProcess(world);
    processes.push(second);
    const result = await handle.result() as IngestMeetingResult;

    expect(result).toMatchObject({ stored: 1, failed: 0, processing: 0, bytes: size, cdrs: 2 });
    const description = await handle.describe();
    expect(description.status.name).toBe('COMPLETED');

    const rows = await mediaFileRows(world);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ zoomFileId: file.id, state: 'stored', sha256: file.sha256, storedSize: size });
    // One object in the bucket: the final key, no staging leftover of the killed attempt.
    expect(await allObjectKeys(world.bucket)).toEqual([rows[0]!.storageKey]);
    expect(await objectSha256(world, rows[0]!.storageKey)).toEqual({ sha256: file.sha256, size });

    const cdrs = await cdrRows(world);
    expect(cdrs.map((c) => c.recordedUserZoomId).sort()).toEqual([host!.id, guest!.id].sort());
    expect(cdrs.every((c) => c.platformCallId === meeting.uuid && c.mediaError === null)).toBe(true);

    // The simulator counts a download once its body is sent: the killed one never was; the new
    // attempt asked only for the bytes after the checkpoint.
    const counters = await sim.control.getCounters();
    expect(counters.downloads).toEqual({ requests: 1, bytes: size - resumedFrom });
    console.log(`[resilience] worker killed after ${bytesAtKill} heartbeated bytes of ${size}; a new worker resumed from byte ${resumedFrom} and finished the file`);

    second.child.kill('SIGTERM');
    await second.exited;
  }, 150_000);
});

describe('a worker killed with SIGKILL in the middle of a phone recording\'s download', () => {
  let world: ResilienceWorld;
  const processes: WorkerProcess[] = [];

  beforeAll(async () => {
    world = await startResilienceWorld('kill-phone', {
      seed: 62,
      tenants: [{ users: 2, inactiveUsers: 0, meetingsPerDay: 0, days: 1, phoneCallsPerDay: 0 }],
    }, { phoneEnabled: true });
  });

  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await world?.close();
  });

  it('finishes on another worker: the MP3 stored once with its SHA-256, one CDR', async () => {
    const { sim, accountId, temporal } = world;
    const agent = world.configuredUsers.find((u) => u.status === 'active' && u.phone_extension !== null)!;
    // An hour-long call: its recording is archived on its own (not with small files).
    const call = await sim.control.addPhoneCall(accountId, {
      userId: agent.id, legs: 1, recorded: true, start_time: new Date(Date.now() - 3 * 3600_000).toISOString(), durationSeconds: 3600, recordingFileSize: 24 * MIB,
    });
    const rec = call.legs[0]!.recording!;
    // The first download trickles over a minute: surely in flight when its worker dies.
    await sim.control.setFileFault(accountId, rec.file.id, 'slow', 60_000);

    const first = await spawnWorkerProcess(world);
    processes.push(first);
    const sync = await temporal.client.workflow.start('phoneSync', {
      taskQueue: temporal.taskQueue,
      workflowId: `${syncWorkflowId(TENANT_ID, 'phone')}:kill`,
      args: [{ tenantId: TENANT_ID, childWaitSeconds: 600 }],
    });
    const child = temporal.client.workflow.getHandle(phoneCallWorkflowId(TENANT_ID, call.call_id));
    let bytesAtKill = 0;
    const deadline = Date.now() + 60_000;
    while (bytesAtKill === 0) {
      if (Date.now() > deadline) throw new Error(`no download heartbeat within 60 s; worker output:\n${first.output()}`);
      const description = await child.describe().catch(() => undefined);
      const pending = description?.raw.pendingActivities?.find((a) => a.activityType?.name === 'archiveMeetingFile');
      const payload = pending?.heartbeatDetails?.payloads?.[0]?.data;
      if (payload) bytesAtKill = (JSON.parse(Buffer.from(payload).toString()) as { bytes: number }).bytes;
      else await sleep(200);
    }
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(bytesAtKill).toBeLessThan(rec.file.file_size);

    await sim.control.setFileFault(accountId, rec.file.id, null);
    const second = await spawnWorkerProcess(world);
    processes.push(second);
    expect(await sync.result()).toMatchObject({ calls: 1, stored: 1, failed: 0, cdrs: 1 });

    const rows = await mediaFileRows(world);
    expect(rows.map((r) => [r.zoomFileId, r.state])).toEqual([[rec.id, 'stored']]);
    expect(await allObjectKeys(world.bucket)).toEqual([rows[0]!.storageKey]);
    expect(await objectSha256(world, rows[0]!.storageKey)).toEqual({ sha256: rec.file.sha256, size: rec.file.file_size });
    const cdrs = await cdrRows(world);
    expect(cdrs.map((c) => [c.platformCallId, c.recordedUserZoomId, c.mediaError])).toEqual([[call.call_id, agent.id, null]]);
    console.log(`[resilience] phone: worker killed after ${bytesAtKill} of ${rec.file.file_size} bytes; a new worker archived the recording`);

    second.child.kill('SIGTERM');
    await second.exited;
  }, 150_000);
});

describe('a worker killed with SIGKILL in the middle of a reconciliation', () => {
  let world: ResilienceWorld;
  const processes: WorkerProcess[] = [];

  beforeAll(async () => {
    // Yesterday's meetings, none recorded: each one the check compares writes recording_failed CDRs.
    world = await startResilienceWorld('kill-reconcile', {
      seed: 63,
      tenants: [{ users: 4, inactiveUsers: 0, meetingsPerDay: 40, days: 1, phoneCallsPerDay: 0, unrecordedShare: 1, externalHostShare: 0, archiving: false }],
    });
  });

  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await world?.close();
  });

  it('finishes on another worker: one recording_failed CDR per configured participant of each meeting, counted once', async () => {
    const { sim, accountId, temporal, database } = world;
    const yesterday = new Date(Date.parse(await sim.control.now()) - 86_400_000).toISOString().slice(0, 10);
    const truth = await sim.control.groundTruth(accountId);
    const configured = new Set(world.configuredUsers.map((u) => u.id));
    const meetings = truth.meetings.filter((m) => m.start_time.startsWith(yesterday));
    const expected = meetings.flatMap((m) => [...new Set([m.host_id, ...m.participants.filter((p) => p.internal).map((p) => p.id)])]
      .filter((id) => configured.has(id)).map((id) => `${m.uuid}|${id}`)).sort();
    expect(meetings.length).toBeGreaterThan(20);
    // Each participants call takes a while: the check is surely mid-batch when its worker dies.
    await sim.control.setNetwork({ latencyMedianMs: 150, latencyJitter: 0 });

    const first = await spawnWorkerProcess(world);
    processes.push(first);
    const handle = await temporal.client.workflow.start('reconcile', {
      taskQueue: temporal.taskQueue, workflowId: reconcileWorkflowId(TENANT_ID, 'meetings', yesterday),
      args: [{ tenantId: TENANT_ID, family: 'meetings', day: yesterday }],
    });
    const day = { family: 'meetings' as const, day: yesterday };
    let atKill = await reconciliationCounts(database.db, TENANT_ID, day);
    const deadline = Date.now() + 60_000;
    while (atKill.checked < 3) {
      if (Date.now() > deadline) throw new Error(`the check did not start within 60 s; worker output:\n${first.output()}`);
      await sleep(100);
      atKill = await reconciliationCounts(database.db, TENANT_ID, day);
    }
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(atKill.checked).toBeLessThan(meetings.length);

    await sim.control.setNetwork('loopback');
    const second = await spawnWorkerProcess(world);
    processes.push(second);
    const progress = await handle.result() as ReconcileProgress;
    const failed = (await cdrRows(world)).filter((c) => c.recordingFailed);
    expect(failed.map((c) => `${c.platformCallId}|${c.recordedUserZoomId}`).sort()).toEqual(expected);
    expect(progress).toMatchObject({ status: 'finished', found: meetings.length, checked: meetings.length, failedCdrsWritten: expected.length });
    console.log(`[resilience] reconcile: worker killed after ${atKill.checked} of ${meetings.length} meetings checked; another finished the day`);

    second.child.kill('SIGTERM');
    await second.exited;
  }, 150_000);
});

describe('a worker killed with SIGKILL in the middle of a recovery', () => {
  let world: ResilienceWorld;
  const processes: WorkerProcess[] = [];

  beforeAll(async () => {
    // Two days of meetings no sync ever saw: the recovery of that time frame archives them all.
    world = await startResilienceWorld('kill-recovery', {
      seed: 67,
      tenants: [{ users: 3, inactiveUsers: 0, meetingsPerDay: 8, days: 2, phoneCallsPerDay: 0, processingShare: 0, transcriptShare: 0, externalHostShare: 0, unrecordedShare: 0.1, archiving: false }],
    });
  });

  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await world?.close();
  });

  it('finishes on another worker: every meeting of the frame archived once, each file stored once with its SHA-256, one CDR per user', async () => {
    const { sim, accountId, temporal, database } = world;
    await sim.control.completeProcessing(accountId);
    const truth = await sim.control.groundTruth(accountId);
    // Slow answers: the recovery is surely mid-way when its worker dies.
    await sim.control.setNetwork({ latencyMedianMs: 150, latencyJitter: 0 });
    const first = await spawnWorkerProcess(world);
    processes.push(first);
    const requestId = randomUUID();
    const now = Date.parse(await sim.control.now());
    await signalRecovery({ client: temporal.client, taskQueue: temporal.taskQueue }, TENANT_ID, {
      name: 'recoverTimeframe',
      request: { requestId, source: 'cloud_recordings', from: new Date(now - 3 * 86_400_000).toISOString(), to: new Date(now).toISOString(), requestedBy: 'resilience' },
    });
    let atKill = (await recoveryCounts(database.db, TENANT_ID, [requestId])).get(requestId)!;
    const deadline = Date.now() + 90_000;
    while (atKill.archived < 3) {
      if (Date.now() > deadline) throw new Error(`the recovery archived nothing within 90 s: ${JSON.stringify(atKill)}; worker output:\n${first.output()}`);
      await sleep(100);
      atKill = (await recoveryCounts(database.db, TENANT_ID, [requestId])).get(requestId)!;
    }
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(atKill.archived).toBeLessThan(atKill.total);

    await sim.control.setNetwork('loopback');
    const second = await spawnWorkerProcess(world);
    processes.push(second);
    let request = await getRecoveryRequest(database.db, TENANT_ID, requestId);
    const finishBy = Date.now() + 120_000;
    while (request?.status !== 'finished') {
      if (Date.now() > finishBy) throw new Error(`the recovery did not finish on the second worker: ${request?.status}; output:\n${second.output()}`);
      await sleep(250);
      request = await getRecoveryRequest(database.db, TENANT_ID, requestId);
    }
    const { meetings, expectedFiles } = await expectCloudArchiveExactly(world, truth);
    const counts = (await recoveryCounts(database.db, TENANT_ID, [requestId])).get(requestId)!;
    expect(counts).toMatchObject({ total: meetings.length, archived: meetings.length, missing: meetings.length, failed: 0, pending: 0, inProgress: 0 });
    console.log(`[resilience] recovery: worker killed after ${atKill.archived} of ${atKill.total} meetings archived; another finished the frame (${expectedFiles.length} files)`);

    second.child.kill('SIGTERM');
    await second.exited;
  }, 240_000);
});

describe('5xx bursts, truncated and reset downloads and a QPS 429 storm during a sync', () => {
  let world: ResilienceWorld;

  beforeAll(async () => {
    world = await startResilienceWorld('faults', {
      seed: 73,
      tenants: [{
        users: 3, inactiveUsers: 0, meetingsPerDay: 4, days: 3, phoneCallsPerDay: 0,
        processingShare: 0, transcriptShare: 0, externalHostShare: 0, unrecordedShare: 0.1,
      }],
    });
  });

  afterAll(async () => {
    await world?.close();
  });

  it('ends with every file of every configured user stored once with its SHA-256 and one CDR per user and meeting', async () => {
    const { sim, accountId, temporal } = world;
    await sim.control.completeProcessing(accountId);
    const truth = await sim.control.groundTruth(accountId);
    await sim.control.setFaults({ serverError: 0.25, truncatedBody: 0.15, connectionReset: 0.1, rateLimitStorm: 0.25, targets: 'all' });
    await sim.control.resetCounters();

    const worker = await world.startWorker();
    let totals: TenantSyncTotals;
    try {
      totals = await temporal.client.workflow.execute('tenantSync', {
        taskQueue: temporal.taskQueue,
        workflowId: syncWorkflowId(TENANT_ID, 'cloud_recordings'),
        // This test is about retries, not slow files: the sync waits for every child to end.
        args: [{ tenantId: TENANT_ID, source: 'cloud_recordings', childWaitSeconds: 600 }],
      }) as TenantSyncTotals;
    } finally {
      await worker.stop();
    }
    const counters = await sim.control.getCounters();
    await sim.control.setFaults({ serverError: 0, truncatedBody: 0, connectionReset: 0, rateLimitStorm: 0 });

    // The faults really happened, at the rates asked for.
    for (const fault of ['serverError', 'truncatedBody', 'connectionReset', 'rateLimitStorm']) {
      expect(counters.faults[fault] ?? 0, fault).toBeGreaterThan(0);
    }

    const { meetings, expectedFiles, cdrs } = await expectCloudArchiveExactly(world, truth);
    expect(meetings.length).toBeGreaterThanOrEqual(4);
    expect(totals).toMatchObject({ meetings: meetings.length, stored: expectedFiles.length, failed: 0, processing: 0 });
    console.log(`[resilience] sync through faults ${JSON.stringify(counters.faults)}, 429s ${counters.rateLimited.total}: ${meetings.length} meetings, ${expectedFiles.length} files, ${cdrs.length} CDRs`);
  }, 150_000);
});

/**
 * The cloud-recording source of every recorded meeting of the account is archived exactly: each
 * completed recording file (the MP4 only for video users; captions and timelines included) stored
 * once with the simulator's SHA-256, one object per stored file and nothing else, one CDR per
 * recorded user and meeting.
 */
async function expectCloudArchiveExactly(world: ResilienceWorld, truth: GroundTruth) {
  const meetings: GroundTruthMeeting[] = truth.meetings.filter((m) => m.recorded && !m.external_host);
  const expected = meetings.flatMap((m) => {
    const video = recordedUsersOf(m, world.configuredUsers).some((u) => u.modality !== 'voice');
    return m.files
      .filter((f) => f.kind === 'recording' && f.status === 'completed' && f.deletion === 'none' && (f.file_type !== 'MP4' || video))
      .map((file) => ({ key: truthFileKey(m.uuid, file), file }));
  });
  const expectedFiles: GroundTruthFile[] = expected.map((e) => e.file);

  const rows = await mediaFileRows(world);
  const stored = rows.filter((r) => r.state === 'stored');
  const truthIds = new Set(expectedFiles.filter((f) => !f.idless).map((f) => f.id));
  expect(stored.map((r) => rowFileKey(r, truthIds)).sort()).toEqual(expected.map((e) => e.key).sort());
  expect(new Set(rows.map((r) => r.zoomFileId)).size).toBe(rows.length);
  for (const { key, file } of expected) {
    const row = stored.find((r) => rowFileKey(r, truthIds) === key)!;
    expect(await objectSha256(world, row.storageKey), `bytes of ${file.file_type} ${key}`).toEqual({ sha256: file.sha256, size: file.file_size });
  }
  expect(await allObjectKeys(world.bucket)).toEqual(stored.map((r) => r.storageKey).sort());

  const cdrs = await cdrRows(world);
  const expectedCdrKeys = meetings.flatMap((m) => recordedUsersOf(m, world.configuredUsers).map((u) => `${m.uuid} ${u.id}`)).sort();
  expect(cdrs.map((c) => `${c.platformCallId} ${c.recordedUserZoomId}`).sort()).toEqual(expectedCdrKeys);
  expect(cdrs.every((c) => c.mediaError === null)).toBe(true);
  return { meetings, expectedFiles, cdrs };
}
