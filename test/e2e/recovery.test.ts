import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { and, eq } from 'drizzle-orm';
import type { CsvIntakeResult } from '../../src/activities/csv-intake.js';
import { listRecoveryItems, listRecoveryRequests, recoveryCounts } from '../../src/db/queries/recovery.js';
import { syncStates } from '../../src/db/schema/sync.js';
import { signalRecovery } from '../../src/recovery/submit.js';
import { startSimulator, type GroundTruthMeeting, type RunningSimulator } from '../../src/simulator/index.js';
import { csvIntakeScheduleId, recoveryWorkflowId } from '../../src/workflows/ids.js';
import {
  expectedArchive, expectStoredExactly, filesOf, mediaFilesOf, registerTenant, runSync, startE2eWorld, waitForRecoveryRequest,
  type E2eTenant, type E2eWorld,
} from './helpers.js';
import { historyToSavedJson } from '../replay/saved-history.js';

// Recovery end to end: support's requests go to the tenant's recovery workflow by signal, on the
// real Temporal dev server, PostgreSQL and S3, against the Zoom simulator over HTTP. What must be
// archived comes from the simulator's ground truth; bytes are hashed from the bucket.

const QUIET = { phoneCallsPerDay: 0, mediaScale: 0.01, processingShare: 0, meetingsPerDay: 0, transcriptShare: 0, chatShare: 0, timelineShare: 0, unrecordedShare: 0, externalHostShare: 0 };
const HOUR = 3600_000;
const NOW = new Date(Math.floor(Date.now() / HOUR) * HOUR);

let world: E2eWorld;
let sim: RunningSimulator;

beforeAll(async () => {
  world = await startE2eWorld('e2e-recovery');
  sim = await startSimulator({ seed: 1414, now: NOW, freezeClock: true, tenants: [{ ...QUIET, users: 3, days: 1 }] });
});

afterAll(async () => {
  await sim?.close();
  await world?.close();
});

const truthOf = (tenant: E2eTenant) => sim.control.groundTruth(tenant.zoom.accountId);

/** Adds a recorded meeting hosted by `hostId`, held `hoursAgo` hours before the simulator's now. */
async function addMeeting(tenant: E2eTenant, hostId: string, hoursAgo: number): Promise<GroundTruthMeeting> {
  return sim.control.addMeeting(tenant.zoom.accountId, {
    hostId, recorded: true, start_time: new Date(NOW.getTime() - hoursAgo * HOUR).toISOString(), durationMinutes: 20, participants: 1,
  });
}

describe('recovery of a time frame', () => {
  it('archives exactly the meetings the archive lacks, and downloads nothing else again', async () => {
    const tenant = await registerTenant(world, sim, {
      simTenant: 0,
      configure: [{ index: 0, modality: 'video', individualAudio: false }, { index: 1, modality: 'video', individualAudio: false }],
    });
    const hosts = tenant.users.map((u) => u.zoomUserId);
    // 20 meetings archived by a sync; then 10 more held in the same hours that no sync saw (an outage).
    const before: GroundTruthMeeting[] = [];
    for (let i = 0; i < 20; i++) before.push(await addMeeting(tenant, hosts[i % 2]!, 30 - i));
    await runSync(world, tenant.tenantId);
    const archivedFirst = (await mediaFilesOf(world, tenant.tenantId)).filter((f) => f.state === 'stored');
    const missed: GroundTruthMeeting[] = [];
    for (let i = 0; i < 10; i++) missed.push(await addMeeting(tenant, hosts[i % 2]!, 29.5 - 2 * i));

    const truth = await truthOf(tenant);
    const expected = expectedArchive(truth, tenant);
    expect(expected).toHaveLength(30);
    const missedFiles = filesOf(expected.filter((m) => missed.some((x) => x.uuid === m.meeting.uuid)));
    expect(archivedFirst).toHaveLength(filesOf(expected).length - missedFiles.length);

    await sim.control.resetCounters();
    const requestId = randomUUID();
    await signalRecovery(world.temporal, tenant.tenantId, {
      name: 'recoverTimeframe',
      request: { requestId, source: 'cloud_recordings', from: new Date(NOW.getTime() - 31 * HOUR).toISOString(), to: NOW.toISOString(), requestedBy: 'e2e' },
    });
    const request = await waitForRecoveryRequest(world, tenant.tenantId, requestId);
    expect(request.status).toBe('finished');

    const counts = (await recoveryCounts(world.database.db, tenant.tenantId, [requestId])).get(requestId)!;
    expect(counts).toMatchObject({ total: 30, alreadyArchived: 20, missing: 10, archived: 10, failed: 0, notFound: 0, pending: 0, inProgress: 0 });
    const started = (await listRecoveryItems(world.database.db, tenant.tenantId, requestId)).filter((i) => i.foundMissing).map((i) => i.meetingUuid).sort();
    expect(started).toEqual(missed.map((m) => m.uuid).sort());
    // Only the missed meetings' files were downloaded; the 20 archived before were not fetched again.
    expect((await sim.control.getCounters()).downloads.requests).toBe(missedFiles.length);
    await expectStoredExactly(world, tenant.tenantId, filesOf(expected));
    // The tenant's recovery workflow is still there for the next request.
    const description = await world.temporal.client.workflow.getHandle(recoveryWorkflowId(tenant.tenantId)).describe();
    expect(description.status.name).toBe('RUNNING');
  });
});

/** A meeting UUID of Zoom's shape (22 base64 characters and ==) with the given start, unique per call. */
let uuidCount = 0;
const meetingUuid = (start: string) => {
  uuidCount += 1;
  const body = `${start}${String(uuidCount).padStart(4, '0')}XyZw9876543210abcdefgh`.slice(0, 22);
  return `${body}==`;
};

/** The bytes of an object under the world's bucket, or null when there is none. */
async function objectText(key: string): Promise<string | null> {
  try {
    const { Body } = await world.bucket.client.send(new GetObjectCommand({ Bucket: world.bucket.bucket, Key: key }));
    return await Body!.transformToString();
  } catch {
    return null;
  }
}

/** One look at the tenant's drop folder, as its schedule `csv:<tenant>` would start it. */
const runCsvIntake = (tenantId: string, workflowId = `${csvIntakeScheduleId(tenantId)}-${randomUUID()}`) => world.temporal.client.workflow.execute('csvIntake', {
  args: [{ tenantId }], taskQueue: world.temporal.taskQueue, workflowId,
}) as Promise<CsvIntakeResult>;

describe('recovery of the meetings listed in a CSV dropped in the tenant\'s folder (its histories feed the replay test)', () => {
  it('archives each meeting of a CSV with IDs, odd UUIDs, duplicates and a BOM once, moves the file, and archives nothing again when it is dropped twice', async () => {
    const tenant = await registerTenant(world, sim, { simTenant: 0, configure: [{ index: 0, modality: 'video', individualAudio: false }] });
    const host = tenant.users[0]!.zoomUserId;
    const at = (hoursAgo: number) => new Date(NOW.getTime() - hoursAgo * HOUR).toISOString();
    const add = (input: Parameters<typeof sim.control.addMeeting>[1]) => sim.control.addMeeting(tenant.zoom.accountId, { hostId: host, recorded: true, durationMinutes: 15, participants: 1, ...input });
    const slash = await add({ uuid: meetingUuid('/'), start_time: at(20) });
    const doubleSlash = await add({ uuid: meetingUuid('ab//'), start_time: at(19) });
    // One meeting number held twice: the CSV's number stands for both instances.
    const recurring1 = await add({ id: 81234567890, start_time: at(18) });
    const recurring2 = await add({ id: 81234567890, start_time: at(17) });
    const notListed = await add({ start_time: at(16) });
    expect(slash.uuid.startsWith('/')).toBe(true);
    expect(doubleSlash.uuid).toContain('//');

    const csv = `\uFEFFmeeting_id\r\n${slash.uuid}\r\n\r\n${doubleSlash.uuid}\r\n812 3456 7890\r\n${slash.uuid}\r\n`;
    await world.dropFolder.put(tenant.tenantId, 'support list.csv', csv);
    await sim.control.resetCounters();
    const intakeId = `${csvIntakeScheduleId(tenant.tenantId)}-first`;
    const intake = await runCsvIntake(tenant.tenantId, intakeId);
    expect(intake.rejected).toEqual([]);
    expect(intake.submitted).toEqual([{ file: 'support list.csv', requestId: expect.any(String), meetings: 3 }]);
    const { requestId } = intake.submitted[0]!;
    const request = await waitForRecoveryRequest(world, tenant.tenantId, requestId);
    expect(request).toMatchObject({ status: 'finished', kind: 'meetings', requestedBy: 'csv:support list.csv' });
    expect(request.reason).toBe('CSV file support list.csv: 3 meeting(s), 1 duplicate row(s), 1 blank line(s)');

    const wanted = [slash, doubleSlash, recurring1, recurring2];
    const items = await listRecoveryItems(world.database.db, tenant.tenantId, requestId);
    expect(items.filter((i) => i.state === 'archived').map((i) => i.meetingUuid).sort()).toEqual(wanted.map((m) => m.uuid).sort());
    expect(items.find((i) => i.meetingRef === '81234567890')?.state).toBe('expanded');
    // Exactly the listed meetings' files are stored (hashed from the bucket); the one not listed is not.
    const expected = expectedArchive(await truthOf(tenant), tenant).filter((m) => wanted.some((w) => w.uuid === m.meeting.uuid));
    expect(expected).toHaveLength(4);
    await expectStoredExactly(world, tenant.tenantId, filesOf(expected));
    expect((await mediaFilesOf(world, tenant.tenantId)).some((f) => f.platformCallId === notListed.uuid)).toBe(false);
    // The file moved to processed/ under its request's id; nothing waits.
    expect(await world.dropFolder.listWaiting(tenant.tenantId)).toEqual([]);
    expect(await objectText(`recovery/${tenant.tenantId}/csv/processed/support list.${requestId}.csv`)).toBe(csv);
    const downloads = (await sim.control.getCounters()).downloads.requests;
    expect(downloads).toBe(filesOf(expected).length);

    // Dropped again (support sent it twice): the same request, nothing downloaded again.
    await world.dropFolder.put(tenant.tenantId, 'support list.csv', csv);
    const again = await runCsvIntake(tenant.tenantId);
    expect(again.submitted).toEqual([{ file: 'support list.csv', requestId, meetings: 3 }]);
    await waitForRecoveryRequest(world, tenant.tenantId, requestId);
    expect(await world.dropFolder.listWaiting(tenant.tenantId)).toEqual([]);
    expect((await sim.control.getCounters()).downloads.requests).toBe(downloads);
    expect((await listRecoveryRequests(world.database.db, tenant.tenantId, { limit: 10 })).map((r) => r.id)).toEqual([requestId]);

    // SAVE_HISTORIES=<label> (see scripts/save-histories.ts): the recovery (still running, as it
    // always is) and the intake are saved as new files for the replay test, never over older ones.
    const label = process.env.SAVE_HISTORIES;
    if (label) {
      const dir = fileURLToPath(new URL('../replay/histories/', import.meta.url));
      const client = world.temporal.client.workflow;
      writeFileSync(`${dir}recovery.${label}.json`, historyToSavedJson(recoveryWorkflowId(tenant.tenantId), await client.getHandle(recoveryWorkflowId(tenant.tenantId)).fetchHistory()), { flag: 'wx' });
      writeFileSync(`${dir}csv-intake.${label}.json`, historyToSavedJson(intakeId, await client.getHandle(intakeId).fetchHistory()), { flag: 'wx' });
    }
  });

  it('rejects a CSV with one bad line whole: the line named in its .errors.txt, nothing started', async () => {
    const tenant = await registerTenant(world, sim, { simTenant: 0, configure: [{ index: 0, modality: 'video', individualAudio: false }] });
    const csv = 'meeting_id\n81234567890\nnot-a-meeting\n85746065432\n';
    await world.dropFolder.put(tenant.tenantId, 'bad.csv', csv);
    const intake = await runCsvIntake(tenant.tenantId);
    expect(intake.submitted).toEqual([]);
    expect(intake.rejected).toEqual([{ file: 'bad.csv', errors: expect.stringContaining('line 3: "not-a-meeting" is neither a meeting ID') }]);
    expect(await objectText(`recovery/${tenant.tenantId}/csv/rejected/bad.csv`)).toBe(csv);
    expect(await objectText(`recovery/${tenant.tenantId}/csv/rejected/bad.csv.errors.txt`)).toBe('line 3: "not-a-meeting" is neither a meeting ID (9 to 11 digits) nor a meeting UUID (24 characters ending in ==)\n');
    expect(await world.dropFolder.listWaiting(tenant.tenantId)).toEqual([]);
    expect(await listRecoveryRequests(world.database.db, tenant.tenantId, { limit: 10 })).toEqual([]);
  });
});

describe('automatic recovery', () => {
  it('a sync after a 3-hour outage files a recovery of the gap itself, which ends with every meeting of the gap archived', async () => {
    const tenant = await registerTenant(world, sim, { simTenant: 0, configure: [{ index: 1, modality: 'video', individualAudio: false }] });
    const host = tenant.users[0]!.zoomUserId;
    await runSync(world, tenant.tenantId);
    // The outage: no sync finished for three hours; meanwhile three meetings were held and recorded.
    const outageStart = new Date(NOW.getTime() - 3 * HOUR);
    await world.database.db.update(syncStates).set({ lastSuccessAt: outageStart, watermark: outageStart })
      .where(and(eq(syncStates.tenantId, tenant.tenantId), eq(syncStates.source, 'cloud_recordings')));
    const held: GroundTruthMeeting[] = [];
    for (const hoursAgo of [2.5, 1.5, 0.75]) held.push(await addMeeting(tenant, host, hoursAgo));
    // Each of their files takes SLOW_MS to download: the gap's recovery (signalled before the
    // sync lists) examines them while the archive still lacks them, so each is found missing and
    // archived, by its own ingest or by waiting for the sync's under the same workflow id. Were
    // the recovery to look at nothing, they would count as already archived. The margin: the
    // recovery examines within a second of the sync's listing; the first file lands SLOW_MS later.
    const SLOW_MS = 8_000;
    const heldFiles = filesOf(expectedArchive(await truthOf(tenant), tenant).filter((m) => held.some((h) => h.uuid === m.meeting.uuid)));
    expect(heldFiles.map((f) => f.meetingUuid).filter((uuid, i, all) => all.indexOf(uuid) === i).sort()).toEqual(held.map((h) => h.uuid).sort());
    for (const { file } of heldFiles) await sim.control.setFileFault(tenant.zoom.accountId, file.id, 'slow', SLOW_MS);
    await sim.control.resetCounters();

    await runSync(world, tenant.tenantId);
    const [gap] = (await listRecoveryRequests(world.database.db, tenant.tenantId, { limit: 10 })).filter((r) => r.requestedBy === 'system');
    expect(gap).toMatchObject({ kind: 'timeframe', source: 'cloud_recordings', windowFrom: outageStart });
    expect(gap!.reason).toMatch(/^no sync finished for \d+ minutes$/);
    const done = await waitForRecoveryRequest(world, tenant.tenantId, gap!.id);
    for (const { file } of heldFiles) await sim.control.setFileFault(tenant.zoom.accountId, file.id, null);
    expect(done.status).toBe('finished');
    const counts = (await recoveryCounts(world.database.db, tenant.tenantId, [gap!.id])).get(gap!.id)!;
    expect(counts).toMatchObject({ total: 3, missing: 3, archived: 3, alreadyArchived: 0, failed: 0, notFound: 0, pending: 0, inProgress: 0 });
    const items = await listRecoveryItems(world.database.db, tenant.tenantId, gap!.id);
    expect(items.map((i) => [i.meetingUuid, i.state, i.foundMissing]).sort()).toEqual(held.map((h) => [h.uuid, 'archived', true]).sort());
    // Archived once: each of the gap's files downloaded by one ingest, the sync's or the recovery's.
    expect((await sim.control.getCounters()).downloads.requests).toBe(heldFiles.length);
    const expected = expectedArchive(await truthOf(tenant), tenant);
    expect(expected.filter((m) => held.some((h) => h.uuid === m.meeting.uuid))).toHaveLength(3);
    await expectStoredExactly(world, tenant.tenantId, filesOf(expected));
  });
});

describe('recovery requests', () => {
  it('refuses a bad signal in the workflow (named by its progress query) and cancels a queued request before it runs', async () => {
    const tenant = await registerTenant(world, sim, { simTenant: 0, configure: [{ index: 0, modality: 'video', individualAudio: false }] });
    const handle = world.temporal.client.workflow.getHandle(recoveryWorkflowId(tenant.tenantId));
    await signalRecovery(world.temporal, tenant.tenantId, { name: 'recoverTimeframe', request: { source: 'phone', from: 'yesterday', to: NOW.toISOString(), requestedBy: 'e2e' } });
    await expect.poll(async () => (await handle.query<{ refused: string[] }>('progress')).refused, { timeout: 30_000 })
      .toEqual([expect.stringMatching(/^timeframe from e2e: from: an ISO 8601 instant/)]);

    // A slow frame first (Zoom answers in 2 s), then a second request cancelled while it waits behind it.
    await sim.control.setNetwork({ latencyMedianMs: 2000, latencyJitter: 0 });
    const first = randomUUID();
    const second = randomUUID();
    await signalRecovery(world.temporal, tenant.tenantId, { name: 'recoverTimeframe', request: { requestId: first, source: 'cloud_recordings', from: new Date(NOW.getTime() - 30 * 86_400_000).toISOString(), to: NOW.toISOString(), requestedBy: 'e2e' } });
    await signalRecovery(world.temporal, tenant.tenantId, { name: 'recoverMeetings', request: { requestId: second, refs: ['81234567890'], requestedBy: 'e2e' } });
    await signalRecovery(world.temporal, tenant.tenantId, { name: 'cancel', request: { requestId: second } });
    expect((await waitForRecoveryRequest(world, tenant.tenantId, second)).status).toBe('cancelled');
    expect((await listRecoveryItems(world.database.db, tenant.tenantId, second)).map((i) => i.state)).toEqual(['cancelled']);
    await sim.control.setNetwork('loopback');
    expect((await waitForRecoveryRequest(world, tenant.tenantId, first)).status).toBe('finished');
  });
});
