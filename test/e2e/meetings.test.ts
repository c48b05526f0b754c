import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../src/api/server.js';
import { upsertRecordedUser, type RecordedUserInput } from '../../src/db/queries/recorded-users.js';
import { getSyncState } from '../../src/db/queries/sync-state.js';
import { startSimulator, type GroundTruthFile, type RunningSimulator } from '../../src/simulator/index.js';
import { meetingWorkflowId } from '../../src/workflows/ids.js';
import { signWebhook } from '../../src/zoom/webhooks.js';
import { historyToSavedJson } from '../replay/saved-history.js';
import {
  E2E_LOCATION, cdrsOf, expectedArchive, expectStoredExactly, filesOf, mediaFilesOf, registerTenant, runSync, startE2eWorld,
  type E2eTenant, type E2eWorld, type ExpectedMeeting,
} from './helpers.js';

// Meeting archiving end to end: the product's workflows and activities on a real worker, over the
// real Temporal dev server, PostgreSQL and S3, against the Zoom simulator over HTTP. Every
// assertion is checked against the simulator's ground truth (files and their SHA-256, hosts,
// participants) and its request counters.

const LIST_RECORDINGS = 'GET /users/{userId}/recordings';
const PARTICIPANTS = 'GET /past_meetings/{meetingId}/participants';

// One simulated Zoom account per scenario; small media keeps the whole file fast.
const QUIET = { phoneCallsPerDay: 0, mediaScale: 0.01, processingShare: 0 };
const SIM_TENANTS = {
  full: 0, processing: 1, webhook: 2, deleteAfter: 3, replay: 4, late: 5, long: 6, disabled: 7,
} as const;

let world: E2eWorld;
let sim: RunningSimulator;

beforeAll(async () => {
  world = await startE2eWorld('e2e-meetings');
  // A frozen clock: what is ready (processing files, late transcripts) moves only when a test says so.
  sim = await startSimulator({
    seed: 606,
    now: new Date(),
    freezeClock: true,
    tenants: [
      {
        ...QUIET, users: 4, days: 14, meetingsPerDay: 3,
        oddUuidShare: 0.25, externalHostShare: 0.1, unrecordedShare: 0.15, individualAudioShare: 0.3,
        transcriptShare: 0.6, chatShare: 0.6, multiSegmentShare: 0.2, timelineShare: 0.3,
      },
      { ...QUIET, users: 2, days: 2, meetingsPerDay: 1 },
      { ...QUIET, users: 2, days: 2, meetingsPerDay: 2 },
      { ...QUIET, users: 2, days: 2, meetingsPerDay: 2, individualAudioShare: 0.5 },
      { ...QUIET, users: 2, days: 1, meetingsPerDay: 4, transcriptShare: 0, oddUuidShare: 0 },
      { ...QUIET, users: 1, days: 1, meetingsPerDay: 0 },
      // More meetings than one sync run takes (200) before it continues as new.
      { ...QUIET, users: 2, days: 7, meetingsPerDay: 32, transcriptShare: 0, chatShare: 0, timelineShare: 0, unrecordedShare: 0, externalHostShare: 0, individualAudioShare: 0 },
      { ...QUIET, users: 3, days: 3, meetingsPerDay: 4, unrecordedShare: 0, externalHostShare: 0, individualAudioShare: 0 },
    ],
  });
});

afterAll(async () => {
  await sim?.close();
  await world?.close();
});

const truthOf = (tenant: E2eTenant) => sim.control.groundTruth(tenant.zoom.accountId);
const accountCalls = async (tenant: E2eTenant, endpoint: string) =>
  (await sim.control.getCounters()).tenantEndpoints[tenant.zoom.accountId]?.[endpoint] ?? 0;

/** Every needed file is stored once, verified against the ground truth's size and SHA-256; nothing else is. */
async function expectArchived(tenant: E2eTenant, expected: ExpectedMeeting[]) {
  await expectStoredExactly(world, tenant.tenantId, filesOf(expected));
}

/** One CDR per recorded user and meeting, with the fields DESIGN "CDR fields" asks for. */
async function expectCdrs(tenant: E2eTenant, expected: ExpectedMeeting[]) {
  const cdrs = await cdrsOf(world, tenant.tenantId);
  const wanted = expected.flatMap((m) => m.recordedUsers.map((u) => `${m.meeting.uuid} ${u.zoomUserId}`)).sort();
  expect(cdrs.map((c) => `${c.platformCallId} ${c.recordedUserZoomId}`).sort()).toEqual(wanted);
  for (const { meeting, recordedUsers } of expected) {
    for (const user of recordedUsers) {
      const cdr = cdrs.find((c) => c.platformCallId === meeting.uuid && c.recordedUserZoomId === user.zoomUserId)!;
      expect(cdr).toMatchObject({
        sourcePlatform: 'Zoom Meeting',
        zoomMeetingId: String(meeting.id),
        recordedUserName: user.name,
        from: user.zoomUserId,
        fromInfo: user.name,
        to: 'Conference',
        toInfo: meeting.topic,
        direction: 'conference',
        userDirection: 'outgoing',
        conversationType: user.modality === 'voice' ? 'voice' : 'screen_share',
        recordType: 'standard',
        location: E2E_LOCATION,
        mediaError: null,
      });
      // The user's own part of the meeting: from their first join (the host: the start) on.
      const joins = meeting.participants.filter((p) => p.internal && p.id === user.zoomUserId).map((p) => Date.parse(p.join_time));
      expect(cdr.startedAt.getTime()).toBe(joins.length > 0 ? Math.min(...joins) : Date.parse(meeting.start_time));
      // ...to their last leave (the host without participant rows: the scheduled end).
      const leaves = meeting.participants.filter((p) => p.internal && p.id === user.zoomUserId).map((p) => Date.parse(p.leave_time));
      const ended = leaves.length > 0 ? Math.max(...leaves) : Date.parse(meeting.end_time);
      expect(cdr.endedAt!.getTime()).toBe(ended);
      expect(cdr.durationSeconds).toBe(Math.round((ended - cdr.startedAt.getTime()) / 1000));
    }
  }
}

const ofKinds = (expected: ExpectedMeeting[], pick: (m: ExpectedMeeting) => GroundTruthFile[]) => expected.flatMap(pick);

describe('a sync of a simulated tenant', () => {
  let tenant: E2eTenant;
  let expected: ExpectedMeeting[];

  beforeAll(async () => {
    // Three of the four users, one per modality; the fourth is left unconfigured.
    tenant = await registerTenant(world, sim, {
      simTenant: SIM_TENANTS.full,
      configure: [
        { index: 0, modality: 'voice', individualAudio: false },
        { index: 1, modality: 'video', individualAudio: true },
        { index: 2, modality: 'screen', individualAudio: true },
      ],
    });
    // Cases the generator leaves to chance, made certain: a meeting only the voice-only user
    // recorded (its MP4 is not needed), one held without a recording, and one the unconfigured
    // user hosted with a configured user and per-participant audio (not theirs to archive).
    const [voice, video] = tenant.users;
    const daysAgo = (n: number) => new Date(Date.now() - n * 24 * 3600_000).toISOString();
    const account = tenant.zoom.accountId;
    await sim.control.addMeeting(account, { hostId: voice!.zoomUserId, start_time: daysAgo(3), durationMinutes: 20, participants: [{ name: 'Guest', email: 'guest@partner.example.org' }], chat: true });
    await sim.control.addMeeting(account, { hostId: video!.zoomUserId, start_time: daysAgo(2), durationMinutes: 25, participants: 1, recorded: false });
    await sim.control.addMeeting(account, { hostId: tenant.unconfigured[0]!.id, start_time: daysAgo(4), durationMinutes: 30, participants: [{ userId: video!.zoomUserId }], individualAudio: true, chat: true });
    // And one that ended three minutes ago: archived like any other.
    await sim.control.addMeeting(account, { hostId: video!.zoomUserId, start_time: new Date(Date.parse(await sim.control.now()) - 23 * 60_000).toISOString(), durationMinutes: 20, participants: 0 });
    expected = expectedArchive(await truthOf(tenant), tenant);
  });

  it('archives every needed file of every configured user\'s meeting once, verified, with one CDR per recorded user', async () => {
    const truth = await truthOf(tenant);
    // The scenario holds what it claims to: odd UUIDs, chat, transcripts, per-participant audio,
    // voice-only meetings, unrecorded and externally hosted meetings, and an unconfigured host.
    const files = expected.flatMap((m) => m.files);
    expect(expected.length).toBeGreaterThanOrEqual(15);
    expect(expected.some((m) => m.meeting.uuid.startsWith('/') || m.meeting.uuid.includes('//'))).toBe(true);
    expect(files.some((f) => f.file_type === 'CHAT')).toBe(true);
    expect(files.some((f) => f.file_type === 'TRANSCRIPT')).toBe(true);
    expect(files.some((f) => f.kind === 'participant_audio')).toBe(true);
    expect(ofKinds(expected, (m) => m.unneeded).some((f) => f.file_type === 'MP4')).toBe(true);
    expect(truth.notRecorded.meetings.length).toBeGreaterThan(0);
    expect(truth.meetings.some((m) => m.external_host)).toBe(true);
    const unconfiguredId = tenant.unconfigured[0]!.id;
    const unconfiguredMeetings = truth.meetings.filter((m) => m.recorded && m.host_id === unconfiguredId);
    expect(unconfiguredMeetings.length).toBeGreaterThan(0);

    await sim.control.resetCounters();
    const totals = await runSync(world, tenant.tenantId);

    expect(totals).toMatchObject({ meetings: expected.length, stored: files.length, processing: 0, failed: 0 });
    expect(totals.cdrs).toBe(expected.reduce((n, m) => n + m.recordedUsers.length, 0));
    await expectArchived(tenant, expected);
    await expectCdrs(tenant, expected);

    // Each file downloaded exactly once: no retries, nothing of anyone else.
    const counters = await sim.control.getCounters();
    expect(counters.downloads.requests).toBe(files.length);
    expect(counters.downloads.bytes).toBe(files.reduce((n, f) => n + f.file_size, 0));

    // Nothing of the unconfigured user: no file, object or CDR of the meetings they host, no CDR of theirs.
    const rows = await mediaFilesOf(world, tenant.tenantId);
    const theirs = new Set(unconfiguredMeetings.map((m) => m.uuid));
    expect(rows.filter((r) => theirs.has(r.platformCallId))).toEqual([]);
    expect((await cdrsOf(world, tenant.tenantId)).filter((c) => c.recordedUserZoomId === unconfiguredId || theirs.has(c.platformCallId))).toEqual([]);
    expect(await accountCalls(tenant, LIST_RECORDINGS)).toBe(tenant.users.length);

    // A voice-only meeting's MP4s are not stored (the row says skipped; no object, as checked
    // above); per-participant audio nobody wants is not even tracked.
    const states = new Map(rows.map((r) => [r.zoomFileId, r.state]));
    for (const file of ofKinds(expected, (m) => m.unneeded)) {
      expect(states.get(file.id), `unneeded ${file.kind} ${file.file_type} ${file.id}`).toBe(file.kind === 'participant_audio' ? undefined : 'skipped');
    }

    // The listing cost the minimum: one page per configured user (each has < 300 meetings in one
    // window); the meeting's metadata is one participants call per meeting.
    expect(await accountCalls(tenant, PARTICIPANTS)).toBe(expected.length);
  });

  it('a second sync downloads nothing, duplicates nothing, and lists one page per user', async () => {
    const rowsBefore = await mediaFilesOf(world, tenant.tenantId);
    const cdrsBefore = await cdrsOf(world, tenant.tenantId);
    await sim.control.resetCounters();

    const totals = await runSync(world, tenant.tenantId);

    expect(totals).toMatchObject({ meetings: 0, stored: 0, failed: 0 });
    const counters = await sim.control.getCounters();
    expect(counters.downloads.requests).toBe(0);
    expect(await accountCalls(tenant, LIST_RECORDINGS)).toBe(tenant.users.length);
    expect(await accountCalls(tenant, PARTICIPANTS)).toBe(0);
    expect(await mediaFilesOf(world, tenant.tenantId)).toHaveLength(rowsBefore.length);
    const cdrsAfter = await cdrsOf(world, tenant.tenantId);
    expect(cdrsAfter.map((c) => c.id).sort()).toEqual(cdrsBefore.map((c) => c.id).sort());
    await expectArchived(tenant, expected);
  });
});

describe('files still processing', () => {
  it('are left for a later sync, which archives them once they complete; the watermark waits for them', async () => {
    const tenant = await registerTenant(world, sim, {
      simTenant: SIM_TENANTS.processing,
      configure: [{ index: 0, modality: 'video', individualAudio: false }, { index: 1, modality: 'voice', individualAudio: false }],
    });
    const host = tenant.users[0]!;
    const added = await sim.control.addMeeting(tenant.zoom.accountId, {
      hostId: host.zoomUserId, start_time: new Date(Date.now() - 6 * 3600_000).toISOString(), durationMinutes: 20,
      participants: 0, processing: true, chat: true, transcript: false,
    });
    const video = added.files.find((f) => f.file_type === 'MP4')!;
    expect(video.status).toBe('processing');

    const before = expectedArchive(await truthOf(tenant), tenant);
    await sim.control.resetCounters();
    const first = await runSync(world, tenant.tenantId);
    expect(first.processing).toBe(1);
    await expectArchived(tenant, before);
    const rows = await mediaFilesOf(world, tenant.tenantId);
    expect(rows.find((r) => r.zoomFileId === video.id)).toMatchObject({ state: 'pending', zoomStatus: 'processing' });
    expect((await sim.control.getCounters()).downloads.requests).toBe(before.flatMap((m) => m.files).length);
    const held = await getSyncState(world.database.db, tenant.tenantId, 'cloud_recordings');
    expect(held?.status).toBe('finished');
    expect(held!.watermark!.getTime()).toBeLessThanOrEqual(Date.parse(added.start_time));

    expect(await sim.control.completeProcessing(tenant.zoom.accountId, [video.id])).toEqual([video.id]);
    await sim.control.resetCounters();
    const second = await runSync(world, tenant.tenantId);

    expect(second).toMatchObject({ meetings: 1, stored: 1, processing: 0, failed: 0 });
    expect((await sim.control.getCounters()).downloads.requests).toBe(1);
    const after = expectedArchive(await truthOf(tenant), tenant);
    expect(after.flatMap((m) => m.files).map((f) => f.id)).toContain(video.id);
    await expectArchived(tenant, after);
    await expectCdrs(tenant, after);
    const moved = await getSyncState(world.database.db, tenant.tenantId, 'cloud_recordings');
    expect(moved!.watermark!.getTime()).toBeGreaterThan(Date.parse(added.start_time));
  });
});

describe('a transcript Zoom delivers hours after the meeting', () => {
  it('is picked up by a later sync once it appears, beside the meeting\'s other files', async () => {
    const tenant = await registerTenant(world, sim, { simTenant: SIM_TENANTS.late, configure: [{ index: 0, modality: 'voice', individualAudio: false }] });
    const now = Date.parse(await sim.control.now());
    const meeting = await sim.control.addMeeting(tenant.zoom.accountId, {
      hostId: tenant.users[0]!.zoomUserId, start_time: new Date(now - 3600_000).toISOString(), durationMinutes: 30, participants: 0,
      files: [{ file_type: 'M4A' }, { file_type: 'TRANSCRIPT', late: true, readyAt: new Date(now + 5 * 3600_000).toISOString() }],
    });
    const transcript = meeting.files.find((f) => f.file_type === 'TRANSCRIPT')!;

    await runSync(world, tenant.tenantId);
    const first = expectedArchive(await truthOf(tenant), tenant);
    expect(filesOf(first).map((f) => f.file.file_type)).toEqual(['M4A']);
    await expectArchived(tenant, first);

    // Seven hours later the transcript is listed (Zoom keeps the meeting's old start time on it).
    await sim.control.advanceClock(7 * 3600_000);
    await runSync(world, tenant.tenantId);
    const later = expectedArchive(await truthOf(tenant), tenant);
    expect(filesOf(later).map((f) => f.file.id)).toContain(transcript.id);
    await expectArchived(tenant, later);
    await expectCdrs(tenant, later);
  });
});

describe('a sync longer than one workflow run', () => {
  it('continues as new past 200 meetings and archives every meeting of the ground truth once', async () => {
    const tenant = await registerTenant(world, sim, {
      simTenant: SIM_TENANTS.long, configure: [{ index: 0, modality: 'voice', individualAudio: false }, { index: 1, modality: 'voice', individualAudio: false }],
    });
    const expected = expectedArchive(await truthOf(tenant), tenant);
    expect(expected.length).toBeGreaterThan(200);
    const handle = await world.temporal.client.workflow.start('tenantSync', {
      args: [{ tenantId: tenant.tenantId, source: 'cloud_recordings', childWaitSeconds: 600 }],
      taskQueue: world.temporal.taskQueue, workflowId: `long-sync-${tenant.tenantId}`,
    });
    const totals = await handle.result() as { meetings: number; stored: number };

    const firstRun = await world.temporal.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).fetchHistory();
    expect(firstRun.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
    expect(totals).toMatchObject({ meetings: expected.length, stored: filesOf(expected).length });
    await expectArchived(tenant, expected);
    await expectCdrs(tenant, expected);
  }, 240_000);
});

describe('a configured user who is disabled', () => {
  it('has nothing archived and no CDR, while the enabled users\' meetings are archived as if they were alone', async () => {
    const configure = [0, 1].map((index) => ({ index, modality: 'video' as const, individualAudio: false }));
    const tenant = await registerTenant(world, sim, { simTenant: SIM_TENANTS.disabled, configure });
    const [kept, disabled] = tenant.users as [RecordedUserInput, RecordedUserInput];
    await upsertRecordedUser(world.database.db, tenant.tenantId, { ...disabled, enabled: false });
    const truth = await truthOf(tenant);
    // The disabled user hosts meetings and takes part in the kept user's: neither gets them archived.
    expect(truth.meetings.some((m) => m.recorded && m.host_id === disabled.zoomUserId)).toBe(true);
    const expected = expectedArchive(truth, { ...tenant, users: [kept] });
    expect(expected.length).toBeGreaterThan(0);

    await runSync(world, tenant.tenantId);
    await expectArchived(tenant, expected);
    await expectCdrs(tenant, expected);
    expect((await cdrsOf(world, tenant.tenantId)).filter((c) => c.recordedUserZoomId === disabled.zoomUserId)).toEqual([]);
  });
});

describe('the same meeting by webhook and by schedule', () => {
  let tenant: E2eTenant;
  let api: FastifyInstance;
  let url: string;
  let simNow = 0;

  beforeAll(async () => {
    simNow = Date.parse(await sim.control.now());
    tenant = await registerTenant(world, sim, {
      simTenant: SIM_TENANTS.webhook,
      configure: [{ index: 0, modality: 'screen', individualAudio: true }, { index: 1, modality: 'voice', individualAudio: false }],
    });
    // Zoom's clock and ours agree in production: the receiver checks timestamps on the simulator's (frozen) clock.
    api = createApiServer({
      db: world.database.db, secrets: world.secrets, temporal: { client: world.temporal.client, taskQueue: world.temporal.taskQueue }, apiTokens: [],
      now: () => new Date(simNow),
    });
    await api.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}/webhooks/zoom/${tenant.tenantId}`;
  });

  afterAll(async () => {
    await api?.close();
  });

  it('is archived once, whichever comes first', async () => {
    const expected = expectedArchive(await truthOf(tenant), tenant);
    const target = [...expected].sort((a, b) => b.meeting.start_time.localeCompare(a.meeting.start_time))[0]!;
    const workflowId = meetingWorkflowId(tenant.tenantId, target.meeting.uuid);
    await sim.control.resetCounters();

    // Webhook first: the receiver starts the meeting's workflow, the worker archives it.
    const delivery = await sim.control.sendWebhook(tenant.zoom.accountId, 'recording.completed', { url, meetingUuid: target.meeting.uuid });
    expect(JSON.parse(delivery.response ?? 'null')).toEqual({ status: 'started', workflowId });
    const byWebhook = await world.temporal.client.workflow.getHandle(workflowId).result() as { stored: number };
    expect(byWebhook.stored).toBe(target.files.length);

    // Then the schedule's sync: the meeting is already done; the others are archived.
    await runSync(world, tenant.tenantId);
    // And a late webhook for the same meeting: a new run that finds everything stored.
    const again = await sim.control.sendWebhook(tenant.zoom.accountId, 'recording.completed', { url, meetingUuid: target.meeting.uuid });
    expect(JSON.parse(again.response ?? 'null')).toEqual({ status: 'started', workflowId });
    const rerun = await world.temporal.client.workflow.getHandle(workflowId).result() as { stored: number; alreadyStored: number };
    expect(rerun).toMatchObject({ stored: 0, alreadyStored: target.files.length });

    const files = expected.flatMap((m) => m.files);
    expect((await sim.control.getCounters()).downloads.requests).toBe(files.length);
    await expectArchived(tenant, expected);
    await expectCdrs(tenant, expected);
  });

  it('rejects a forged webhook with 401 and starts nothing', async () => {
    const truth = await truthOf(tenant);
    const meeting = truth.meetings.find((m) => m.recorded)!;
    const body = JSON.stringify({
      event: 'recording.completed', event_ts: simNow,
      payload: { account_id: tenant.zoom.accountId, object: { uuid: 'forged-e2e==', id: meeting.id, topic: meeting.topic, host_id: meeting.host_id, start_time: meeting.start_time, duration: 5, recording_files: [] } },
    });
    const timestamp = String(Math.floor(simNow / 1000));
    const res = await fetch(url, {
      method: 'POST', body,
      headers: { 'content-type': 'application/json', 'x-zm-request-timestamp': timestamp, 'x-zm-signature': signWebhook('not-the-secret-token', timestamp, body) },
    });
    // Refused for its signature (the timestamp is fresh), before anything is started.
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'webhook signature rejected: bad_signature' });
    await expect(world.temporal.client.workflow.getHandle(meetingWorkflowId(tenant.tenantId, 'forged-e2e==')).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});

describe('delete after archive', () => {
  it('trashes in Zoom only verified files of configured hosts\' meetings past the grace period, never a skipped, id-less or still-processing one', async () => {
    const tenant = await registerTenant(world, sim, {
      simTenant: SIM_TENANTS.deleteAfter,
      configure: [{ index: 0, modality: 'voice', individualAudio: false }, { index: 1, modality: 'video', individualAudio: true }],
      deleteAfterArchive: true,
    });
    const now = Date.now();
    const hoursAgo = (h: number) => new Date(now - h * 3600_000).toISOString();
    const [voice, video] = tenant.users;
    // Certain cases: a voice-only host's meeting 30 h ago (its MP4 is skipped, so it must stay in
    // Zoom), one 5 h ago (inside the 24 h grace), and one 30 h ago still processing.
    const voiceOnly = await sim.control.addMeeting(tenant.zoom.accountId, { hostId: voice!.zoomUserId, start_time: hoursAgo(30), durationMinutes: 15, participants: 0, timeline: true });
    const recent = await sim.control.addMeeting(tenant.zoom.accountId, { hostId: video!.zoomUserId, start_time: hoursAgo(5), durationMinutes: 15 });
    const processing = await sim.control.addMeeting(tenant.zoom.accountId, { hostId: video!.zoomUserId, start_time: hoursAgo(30), durationMinutes: 15, processing: true });
    const expected = expectedArchive(await truthOf(tenant), tenant);

    await runSync(world, tenant.tenantId);

    await expectArchived(tenant, expected);
    const graceEnd = now - 24 * 3600_000;
    const after = new Map((await truthOf(tenant)).meetings.map((m) => [m.uuid, m]));
    let trashed = 0;
    for (const { meeting, files, processing: waiting } of expected) {
      const eligible = waiting.length === 0 && Date.parse(meeting.end_time) < graceEnd;
      const verified = new Set(files.filter((f) => !f.idless).map((f) => f.id));
      for (const file of after.get(meeting.uuid)!.files.filter((f) => f.kind !== 'archive')) {
        const want = eligible && verified.has(file.id) ? 'trash' : 'none';
        expect(file.deletion, `${file.file_type} ${file.idless ? '(no id) ' : ''}of meeting ${meeting.uuid} ended ${meeting.end_time}`).toBe(want);
        if (want === 'trash') trashed += 1;
      }
    }
    // The scenario holds its cases: something trashed, the voice-only MP4, the recent and the processing meeting kept.
    expect(trashed).toBeGreaterThan(0);
    const voiceOnlyMp4s = after.get(voiceOnly.uuid)!.files.filter((f) => f.file_type === 'MP4').map((f) => f.deletion);
    expect(voiceOnlyMp4s.length).toBeGreaterThan(0);
    expect(new Set(voiceOnlyMp4s)).toEqual(new Set(['none']));
    expect(after.get(voiceOnly.uuid)!.files.some((f) => f.deletion === 'trash')).toBe(true);
    expect(after.get(voiceOnly.uuid)!.files.some((f) => f.idless && f.deletion === 'none')).toBe(true);
    expect(new Set(after.get(recent.uuid)!.files.map((f) => f.deletion))).toEqual(new Set(['none']));
    expect(new Set(after.get(processing.uuid)!.files.map((f) => f.deletion))).toEqual(new Set(['none']));
  });
});

describe('a small tenant (its histories feed the replay test)', () => {
  it('archives its meetings (scripts/save-histories.ts saves its runs for the replay test)', async () => {
    const tenant = await registerTenant(world, sim, {
      simTenant: SIM_TENANTS.replay,
      configure: [{ index: 0, modality: 'video', individualAudio: true }, { index: 1, modality: 'voice', individualAudio: false }],
    });
    const expected = expectedArchive(await truthOf(tenant), tenant);
    expect(expected.length).toBeGreaterThanOrEqual(2);
    const syncId = `replay-sync-${tenant.tenantId}`;
    await runSync(world, tenant.tenantId, syncId);
    await expectArchived(tenant, expected);
    await expectCdrs(tenant, expected);

    // `npx tsx scripts/save-histories.ts <label>` sets SAVE_HISTORIES=<label>: the runs are saved
    // as new files (never over old ones).
    const label = process.env.SAVE_HISTORIES;
    if (label) {
      const withFiles = expected.find((m) => m.files.length > 0)!;
      const runs = { 'tenant-sync': syncId, 'ingest-meeting': meetingWorkflowId(tenant.tenantId, withFiles.meeting.uuid) };
      const dir = fileURLToPath(new URL('../replay/histories/', import.meta.url));
      mkdirSync(dir, { recursive: true });
      for (const [name, id] of Object.entries(runs)) {
        writeFileSync(`${dir}${name}.${label}.json`, historyToSavedJson(id, await world.temporal.client.workflow.getHandle(id).fetchHistory()), { flag: 'wx' });
      }
    }
  });
});
