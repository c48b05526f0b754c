import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../src/api/server.js';
import { getSyncState } from '../../src/db/queries/sync-state.js';
import { listUserListingStates } from '../../src/db/queries/user-listing-states.js';
import { startSimulator, type GroundTruthFile, type RunningSimulator } from '../../src/simulator/index.js';
import { meetingWorkflowId, recoveryWorkflowId } from '../../src/workflows/ids.js';
import {
  cdrsOf, expectedArchive, expectStoredExactly, filesOf, mediaFilesOf, registerTenant, runSync, startE2eWorld,
  waitForRecoveryRequest, type E2eTenant, type E2eWorld,
} from './helpers.js';
import { s3ObjectSha256 } from '../harness/stored-bytes.js';

// Failure containment end to end, against the simulator's own faults: one bad user, file or
// meeting never stops the rest of a tenant, never freezes its watermark, and always shows where
// support looks (sync state, status API, files list, the meeting's CDRs). Expectations come from
// the simulator's ground truth; stored bytes are hashed.

const QUIET = { phoneCallsPerDay: 0, mediaScale: 0.01, processingShare: 0, externalHostShare: 0, transcriptShare: 0 };
const SIM = { deletedUser: 0, brokenFiles: 1, slowFile: 2 } as const;
// Every configured user wants the same files, so who is recorded never changes what is needed.
const sameModality = (index: number) => ({ index, modality: 'video' as const, individualAudio: false });

let world: E2eWorld;
let sim: RunningSimulator;
let api: FastifyInstance;
let apiUrl: string;
const TOKEN = 'failure-containment-token';

beforeAll(async () => {
  world = await startE2eWorld('e2e-containment');
  sim = await startSimulator({
    seed: 1010,
    now: new Date(),
    freezeClock: true,
    tenants: [
      { ...QUIET, users: 3, inactiveUsers: 0, days: 3, meetingsPerDay: 3 },
      { ...QUIET, users: 2, inactiveUsers: 0, days: 3, meetingsPerDay: 3 },
      { ...QUIET, users: 2, inactiveUsers: 0, days: 2, meetingsPerDay: 2 },
    ],
  });
  api = createApiServer({ db: world.database.db, secrets: world.secrets, temporal: { client: world.temporal.client, taskQueue: world.temporal.taskQueue }, apiTokens: [TOKEN] });
  await api.listen({ host: '127.0.0.1', port: 0 });
  apiUrl = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}/api`;
});

afterAll(async () => {
  await api?.close();
  await sim?.close();
  await world?.close();
});

async function support<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${apiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, body: await res.json() as T };
}

const truthOf = (tenant: E2eTenant) => sim.control.groundTruth(tenant.zoom.accountId);

describe('a configured user Zoom no longer knows', () => {
  it('is reported with Zoom\'s answer while every other user\'s meetings are archived and the watermark moves', async () => {
    const tenant = await registerTenant(world, sim, { simTenant: SIM.deletedUser, configure: [0, 1, 2].map(sameModality) });
    const gone = tenant.users[2]!;
    await sim.control.deleteUser(tenant.zoom.accountId, gone.zoomUserId);
    const others = { ...tenant, users: tenant.users.filter((u) => u !== gone) };
    const expected = expectedArchive(await truthOf(tenant), others);
    expect(expected.length).toBeGreaterThan(3);

    const totals = await runSync(world, tenant.tenantId);

    expect(totals.usersNotListed).toBe(1);
    await expectStoredExactly(world, tenant.tenantId, filesOf(expected));
    const state = await getSyncState(world.database.db, tenant.tenantId, 'cloud_recordings');
    expect(state?.status).toBe('finished_with_errors');
    expect(state?.lastError).toContain(gone.zoomUserId);
    expect(state?.lastError).toContain('code 1001');
    expect(state?.watermark).not.toBeNull();
    // The user's own window stays open (nothing listed for them), the others' moved on.
    const listing = new Map((await listUserListingStates(world.database.db, tenant.tenantId, 'cloud_recordings')).map((s) => [s.zoomUserId, s]));
    expect(listing.get(gone.zoomUserId)).toMatchObject({ listedUntil: null });
    expect(listing.get(gone.zoomUserId)?.lastError).toContain('1001');
    for (const user of others.users) expect(listing.get(user.zoomUserId)?.listedUntil, user.zoomUserId).toBeInstanceOf(Date);

    const status = await support<{ syncs: { status: string }[]; usersNotListed: { zoomUserId: string; error: string }[] }>(`/tenants/${tenant.tenantId}/status`);
    expect(status.body.syncs.map((s) => s.status)).toEqual(['finished_with_errors']);
    expect(status.body.usersNotListed.map((u) => u.zoomUserId)).toEqual([gone.zoomUserId]);
  });
});

describe('files that can never be archived', () => {
  it('are failed with their reason, visible and retryable, the CDR carries the media error, and the watermark passes them', async () => {
    // Retries are bounded by the tenant's setting: a file that never verifies gives up within seconds here.
    const tenant = await registerTenant(world, sim, {
      simTenant: SIM.brokenFiles, configure: [0, 1].map(sameModality), tenant: { options: { deleteAfterArchive: false, fileRetryHours: 0.005 } },
    });
    const before = expectedArchive(await truthOf(tenant), tenant);
    const meetings = before.filter((m) => m.files.some((f) => f.file_type === 'MP4')).slice(0, 3);
    expect(meetings).toHaveLength(3);
    const faults = ['html', 'not_found', 'size_mismatch'] as const;
    const broken = meetings.map((m, i) => ({ meeting: m, file: m.files.find((f) => f.file_type === 'MP4')!, fault: faults[i]! }));
    for (const b of broken) await sim.control.setFileFault(tenant.zoom.accountId, b.file.id, b.fault);

    await runSync(world, tenant.tenantId, undefined, { childWaitSeconds: 5 });
    // The size mismatch is retried until its time runs out; its meeting's child ends then.
    for (const { meeting } of broken) await world.temporal.client.workflow.getHandle(meetingWorkflowId(tenant.tenantId, meeting.meeting.uuid)).result();

    const brokenIds = new Set(broken.map((b) => b.file.id));
    await expectStoredExactly(world, tenant.tenantId, filesOf(before).filter((f) => !brokenIds.has(f.file.id)));
    const rows = new Map((await mediaFilesOf(world, tenant.tenantId)).map((r) => [r.zoomFileId, r]));
    const reasons = { html: /text\/html/, not_found: /HTTP 404, code 3301/, size_mismatch: /file_size|integrity|truncated/ };
    for (const b of broken) {
      expect(rows.get(b.file.id)?.state, `${b.fault} file`).toBe('failed');
      expect(rows.get(b.file.id)?.lastError, `${b.fault} file`).toMatch(reasons[b.fault]);
    }
    // No silent drops: every file Zoom listed for these meetings has a row, stored, failed or skipped with a reason.
    for (const { meeting } of before) {
      // (Per-participant audio is not in a user's listing: Zoom quirk, fetched only when a user wants it.)
      for (const file of meeting.files.filter((f) => f.kind === 'recording' && f.deletion === 'none' && !f.idless)) {
        const row = rows.get(file.id);
        expect(row, `${file.file_type} ${file.id}`).toBeDefined();
        if (row!.state === 'skipped') expect(row!.skipReason).toBeTruthy();
      }
    }

    // The meeting's CDRs say which file is missing and why; the rest of its media is there, so the recording did not fail.
    const cdrs = await cdrsOf(world, tenant.tenantId);
    for (const b of broken) {
      const theirs = cdrs.filter((c) => c.platformCallId === b.meeting.meeting.uuid);
      expect(theirs.length).toBe(b.meeting.recordedUsers.length);
      for (const cdr of theirs) {
        expect(cdr.mediaError).toContain(b.file.id);
        expect(cdr.recordingFailed).toBe(false);
      }
    }

    // The watermark passes the broken meetings: the next sync moves it to the end of its listing.
    const second = await runSync(world, tenant.tenantId);
    expect(second.meetings).toBe(0);
    const state = await getSyncState(world.database.db, tenant.tenantId, 'cloud_recordings');
    expect(state?.status).toBe('finished');
    for (const b of broken) expect(state!.watermark!.getTime()).toBeGreaterThan(Date.parse(b.meeting.meeting.end_time));

    // Support sees the failures in the status counts and the list, with the reasons.
    const status = await support<{ archive: { filesFailed: number } }>(`/tenants/${tenant.tenantId}/status`);
    expect(status.body.archive.filesFailed).toBe(3);
    const failed = await support<{ files: { zoomFileId: string; error: string }[] }>(`/tenants/${tenant.tenantId}/files?state=failed`);
    expect(failed.body.files.map((f) => f.zoomFileId).sort()).toEqual([...brokenIds].sort());
    expect((await support(`/tenants/${tenant.tenantId}/files?state=lost`)).status).toBe(400);

    // Once Zoom serves the file again, a retry on demand archives it.
    const html = broken[0]!;
    await sim.control.setFileFault(tenant.zoom.accountId, html.file.id, null);
    const retry = await support<{ status: string; requestId: string; workflowId: string }>(`/tenants/${tenant.tenantId}/files/${encodeURIComponent(html.file.id)}/retry`, { method: 'POST' });
    expect(retry).toMatchObject({ status: 202, body: { status: 'queued', workflowId: recoveryWorkflowId(tenant.tenantId) } });
    // The retry goes through the tenant's recovery: one item, the file, archived.
    expect(await waitForRecoveryRequest(world, tenant.tenantId, retry.body.requestId)).toMatchObject({ status: 'finished', kind: 'files' });
    const item = await support<{ archived: number; items: { zoomFileId: string; state: string }[] }>(`/tenants/${tenant.tenantId}/recovery/requests/${retry.body.requestId}`);
    expect(item.body).toMatchObject({ archived: 1, items: [{ zoomFileId: html.file.id, state: 'archived' }] });
    const stillBroken = new Set(broken.slice(1).map((b) => b.file.id));
    await expectStoredExactly(world, tenant.tenantId, filesOf(before).filter((f) => !stillBroken.has(f.file.id)));
    expect((await support(`/tenants/${tenant.tenantId}/files/${encodeURIComponent(html.file.id)}/retry`, { method: 'POST' })).status).toBe(409);
  });
});

describe('a slow file', () => {
  it('delays only its own meeting: the sync ends without it, the watermark waits before it, and it is archived once', async () => {
    const tenant = await registerTenant(world, sim, { simTenant: SIM.slowFile, configure: [0, 1].map(sameModality) });
    const expected = expectedArchive(await truthOf(tenant), tenant);
    const slowMeeting = expected.find((m) => m.files.length > 0)!;
    const slow: GroundTruthFile = slowMeeting.files[0]!;
    // Every other meeting is done well within the sync's wait for a child; the slow one is not.
    await sim.control.setFileFault(tenant.zoom.accountId, slow.id, 'slow', 40_000);

    const totals = await runSync(world, tenant.tenantId, undefined, { childWaitSeconds: 10 });
    // The sync did not wait for it: its meeting is still being archived when the sync has ended.
    const slowIngest = world.temporal.client.workflow.getHandle(meetingWorkflowId(tenant.tenantId, slowMeeting.meeting.uuid));
    expect((await slowIngest.describe()).status.name).toBe('RUNNING');
    expect(totals.released).toBe(1);
    const stored = new Set((await mediaFilesOf(world, tenant.tenantId)).filter((r) => r.state === 'stored').map((r) => r.zoomFileId));
    expect(stored.has(slow.id)).toBe(false);
    const state = await getSyncState(world.database.db, tenant.tenantId, 'cloud_recordings');
    expect(state!.watermark!.getTime()).toBeLessThanOrEqual(Date.parse(slowMeeting.meeting.start_time));

    await slowIngest.result();
    await expectStoredExactly(world, tenant.tenantId, filesOf(expected));
    await runSync(world, tenant.tenantId);
    const after = await getSyncState(world.database.db, tenant.tenantId, 'cloud_recordings');
    expect(after!.watermark!.getTime()).toBeGreaterThan(Date.parse(slowMeeting.meeting.end_time));
  }, 120_000);
});

describe('the archiving source', () => {
  const DAY = 24 * 3600_000;
  let archive: RunningSimulator;
  let archiveApi: FastifyInstance;
  let webhookBase: string;
  // The simulator's clock is frozen 3.5 days in the past and moved by the test alone; the API checks webhook timestamps on it.
  let simNow = Date.now() - 3.5 * DAY;

  beforeAll(async () => {
    archive = await startSimulator({
      seed: 1111, now: new Date(simNow), freezeClock: true,
      tenants: [{ ...QUIET, users: 3, days: 2, meetingsPerDay: 2, archiving: true }],
    });
    archiveApi = createApiServer({
      db: world.database.db, secrets: world.secrets, temporal: { client: world.temporal.client, taskQueue: world.temporal.taskQueue }, apiTokens: [TOKEN], now: () => new Date(simNow),
    });
    await archiveApi.listen({ host: '127.0.0.1', port: 0 });
    webhookBase = `http://127.0.0.1:${(archiveApi.server.address() as AddressInfo).port}/webhooks/zoom`;
  });

  afterAll(async () => {
    await archiveApi?.close();
    await archive?.close();
  });

  it('archives an archive completed 3 days after its meeting, a participant\'s files of a meeting hosted outside the account, and fails a file Zoom reports failed without holding the rest', async () => {
    const tenant = await registerTenant(world, archive, {
      simTenant: 0, configure: [0, 1].map(sameModality), tenant: { archivingEnabled: true, cloudRecordingsEnabled: false },
    });
    const account = tenant.zoom.accountId;
    const [host, guest] = tenant.users;
    const at = (msBeforeNow: number) => new Date(simNow - msBeforeNow).toISOString();
    const late = await archive.control.addMeeting(account, { hostId: host!.zoomUserId, start_time: at(3600_000), durationMinutes: 20, archiveCompleteDelayMinutes: 3 * 24 * 60 });
    const failedAtZoom = await archive.control.addMeeting(account, { hostId: guest!.zoomUserId, start_time: at(3 * 3600_000), durationMinutes: 20, archiveCompleteDelayMinutes: 5, archiveFailed: ['MP4'] });
    const external = await archive.control.addMeeting(account, { externalHost: true, participants: [{ userId: guest!.zoomUserId }], start_time: at(2 * 3600_000), durationMinutes: 30, archiveCompleteDelayMinutes: 5 });
    const archiveFiles = (uuid: string) => archive.control.groundTruth(account).then((t) => t.meetings.find((m) => m.uuid === uuid)!.files.filter((f) => f.kind === 'archive'));

    const first = await runSync(world, tenant.tenantId, undefined, { source: 'archiving' });
    expect(first.failed).toBe(0);
    const stored = async () => new Set((await mediaFilesOf(world, tenant.tenantId)).filter((r) => r.state === 'stored').map((r) => r.zoomFileId));

    // A file Zoom reports failed: a visible failure with Zoom's reason; the meeting's other files are stored; the CDR says so.
    const zoomFailed = (await archiveFiles(failedAtZoom.uuid)).filter((f) => f.status === 'failed');
    // Other guests' individual files are not wanted (the users record no individual audio).
    const zoomFine = (await archiveFiles(failedAtZoom.uuid)).filter((f) => f.status !== 'failed' && f.participant_email === null);
    expect(zoomFailed.length).toBeGreaterThan(0);
    expect(zoomFine.length).toBeGreaterThan(0);
    const rows = new Map((await mediaFilesOf(world, tenant.tenantId)).map((r) => [r.zoomFileId, r]));
    for (const file of zoomFailed) expect(rows.get(file.id)).toMatchObject({ state: 'failed', lastError: expect.stringContaining('failed at Zoom') as unknown });
    for (const file of zoomFine) expect((await stored()).has(file.id), `${file.file_type} ${file.id}`).toBe(true);
    const failedCdr = (await cdrsOf(world, tenant.tenantId)).find((c) => c.platformCallId === failedAtZoom.uuid && c.recordedUserZoomId === guest!.zoomUserId);
    expect(failedCdr?.mediaError).toContain(zoomFailed[0]!.id);

    // A meeting hosted outside the account: the configured participant's own files are archived, with their CDR.
    const externalTruth = await archiveFiles(external.uuid);
    const theirs = externalTruth.filter((f) => f.participant_email?.toLowerCase() === guest!.email.toLowerCase());
    expect(theirs.length).toBeGreaterThan(0);
    for (const file of theirs) expect((await stored()).has(file.id), `${file.file_type} ${file.id} of the external meeting`).toBe(true);
    const externalCdrs = (await cdrsOf(world, tenant.tenantId)).filter((c) => c.platformCallId === external.uuid);
    expect(externalCdrs.map((c) => c.recordedUserZoomId)).toEqual([guest!.zoomUserId]);
    expect(externalCdrs[0]).toMatchObject({ to: 'Conference', toInfo: 'meeting hosted outside the account (Zoom gives no topic or host)', mediaError: null });
    // ...and Zoom's webhook for it (no host, no topic) is accepted, not refused with a 400 Zoom never retries.
    const delivery = await archive.control.sendWebhook(account, 'recording.archive_files_completed', { url: `${webhookBase}/${tenant.tenantId}`, meetingUuid: external.uuid });
    expect(delivery.delivered).toBe(true);
    expect(JSON.parse(delivery.response ?? 'null')).toMatchObject({ workflowId: meetingWorkflowId(tenant.tenantId, external.uuid) });

    // The late archive was not complete at the first sync, whose watermark passed its meeting's start.
    const lateFiles = (await archiveFiles(late.uuid)).filter((f) => f.participant_email === null);
    expect(lateFiles.length).toBeGreaterThan(0);
    for (const file of lateFiles) expect((await stored()).has(file.id)).toBe(false);
    const watermark = (await getSyncState(world.database.db, tenant.tenantId, 'archiving'))!.watermark!;
    expect(watermark.getTime()).toBeGreaterThan(Date.parse(late.start_time));
    // Three days later Zoom completes it; the next sync lists by completion time and archives it.
    simNow += 3 * DAY;
    await archive.control.setClock(new Date(simNow));
    await runSync(world, tenant.tenantId, undefined, { source: 'archiving' });
    const lateRows = new Map((await mediaFilesOf(world, tenant.tenantId)).map((r) => [r.zoomFileId, r]));
    for (const file of lateFiles) {
      const row = lateRows.get(file.id)!;
      expect(row?.state, `${file.file_type} ${file.id} of the late archive`).toBe('stored');
      expect(await s3ObjectSha256(world.bucket.client, world.bucket.bucket, row.storageKey)).toEqual({ sha256: file.sha256, size: file.file_size });
    }
  });
});
