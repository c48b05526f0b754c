import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conversation } from '../../src/db/queries/conversations.js';
import { listReconciliationItems } from '../../src/db/queries/reconciliation.js';
import { upsertRecordedUser } from '../../src/db/queries/recorded-users.js';
import type { ReconcileProgress } from '../../src/reconciliation/types.js';
import { startSimulator, type GroundTruth, type GroundTruthCall, type GroundTruthMeeting, type RunningSimulator } from '../../src/simulator/index.js';
import { meetingWorkflowId, phoneCallWorkflowId, reconcileWorkflowId } from '../../src/workflows/ids.js';
import type { ReconcileDaysResult } from '../../src/workflows/reconcile-days.js';
import { uniqueSuffix } from '../harness/index.js';
import { s3ObjectSha256 } from '../harness/stored-bytes.js';
import { historyToSavedJson } from '../replay/saved-history.js';
import { cdrsOf, mediaFilesOf, registerTenant, runSync, startE2eWorld, truthFileKey, rowFileKey, type E2eTenant, type E2eWorld } from './helpers.js';

// Reconciliation end to end on a real Temporal server, PostgreSQL and S3, against the simulator
// over HTTP. One account per plan (Business+: the dashboard; Pro: each configured user's reports)
// and one Zoom Phone account. Yesterday holds recorded meetings the import archived, recorded ones
// it never saw (a configured user took part in an unconfigured user's meeting, or one recorded
// after the last sync), unrecorded ones, failed recordings and one-person meetings. Every
// expectation is worked out from the simulator's ground truth; bytes are hashed from the bucket;
// Zoom calls are counted at the simulator. The simulator's clock is frozen at the current hour
// rounded down: the import's sync lists by the worker's real clock, so a date far in the past
// could not be synced.

const CONFIGURED = [0, 1, 2, 3];
const HOUR = 3600_000;
const NOW = new Date(Math.floor(Date.now() / HOUR) * HOUR);

let world: E2eWorld;
let sim: RunningSimulator;
let yesterday: string;

beforeAll(async () => {
  world = await startE2eWorld('e2e-reconcile');
  const meetings = { users: 6, inactiveUsers: 0, days: 2, meetingsPerDay: 8, phoneCallsPerDay: 0, mediaScale: 0.01, processingShare: 0, externalHostShare: 0, unrecordedShare: 0.4, recordingFailedShare: 0.4, onePersonShare: 0.2 };
  sim = await startSimulator({
    seed: 2024,
    now: NOW,
    freezeClock: true,
    tenants: [
      { ...meetings, plan: 'business' },
      { ...meetings, plan: 'pro' },
      { plan: 'business', users: 6, inactiveUsers: 0, days: 2, meetingsPerDay: 0, phoneCallsPerDay: 10, mediaScale: 0.02, phoneRecordedShare: 0.6 },
    ],
  });
  yesterday = new Date(Date.parse(await sim.control.now()) - 86_400_000).toISOString().slice(0, 10);
}, 120_000);

afterAll(async () => {
  await sim?.close();
  await world?.close();
});

const callsAt = async (accountId: string, endpoint: string) => (await sim.control.getCounters()).tenantEndpoints[accountId]?.[endpoint] ?? 0;
const cdrKey = (c: Conversation) => `${c.platformCallId}|${c.recordedUserZoomId}`;

/** `npx tsx scripts/save-histories.ts <label>` saves these runs for the replay test (new files, never over old ones). */
async function saveHistories(kind: string, workflowIds: string[]): Promise<void> {
  const label = process.env.SAVE_HISTORIES;
  if (!label) return;
  const dir = fileURLToPath(new URL('../replay/histories/', import.meta.url));
  for (const id of workflowIds) {
    const name = id.startsWith('reconcile-days:') ? 'reconcile-days' : 'reconcile';
    writeFileSync(`${dir}${name}.${kind}.${label}.json`, historyToSavedJson(id, await world.temporal.client.workflow.getHandle(id).fetchHistory()), { flag: 'wx' });
  }
}

/** Workflow ids of the reconcileDays runs, for saveHistories. */
const daysWorkflowIds: string[] = [];

/** Runs reconcileDays for yesterday as the UI or API would, and waits for each day's reconcile workflow. */
async function reconcileYesterday(tenantId: string, families: ('meetings' | 'phone')[]): Promise<ReconcileProgress[]> {
  const workflowId = `reconcile-days:${tenantId}:${uniqueSuffix()}`;
  daysWorkflowIds.push(workflowId);
  const started: ReconcileDaysResult = await world.temporal.client.workflow.execute('reconcileDays', {
    args: [{ tenantId, from: yesterday, to: yesterday, families }],
    taskQueue: world.temporal.taskQueue,
    workflowId,
    workflowExecutionTimeout: '1 minute',
  });
  expect(started.started.sort()).toEqual(families.map((f) => reconcileWorkflowId(tenantId, f, yesterday)).sort());
  return Promise.all(started.started.map((id) => world.temporal.client.workflow.getHandle(id).result() as Promise<ReconcileProgress>));
}

/** Waits for an ingest the reconciliation started (abandoned children run on). */
async function ingestDone(workflowId: string): Promise<void> {
  await world.temporal.client.workflow.getHandle(workflowId).result();
}

/** Configured users who hosted or joined the meeting. */
const configuredIn = (m: GroundTruthMeeting, tenant: E2eTenant) =>
  tenant.users.filter((u) => m.host_id === u.zoomUserId || m.participants.some((p) => p.internal && p.id === u.zoomUserId)).map((u) => u.zoomUserId);

/** Ended meetings of the account held on `day` (by start time), as Zoom's logs of the day list them. */
const heldOn = (truth: GroundTruth, day: string) =>
  truth.meetings.filter((m) => m.start_time.startsWith(day) && !m.external_host && Date.parse(m.end_time) <= Date.parse(truth.now));

describe.each([
  { plan: 'business', simTenant: 0, heavy: 0, resourceIntensive: 2, label: 'the dashboard (past and pastOne, one page each)' },
  { plan: 'pro', simTenant: 1, heavy: 3 * CONFIGURED.length, resourceIntensive: 0, label: "each configured user's reports (past, pastOne, pastJoined)" },
])('meetings reconciliation on a $plan account, by $label (its histories feed the replay test)', ({ plan, simTenant, heavy, resourceIntensive }) => {
  let tenant: E2eTenant;
  let truth: GroundTruth;
  let first: ReconcileProgress;
  const dayMeetings = () => truth.meetings.filter((m) => m.start_time.startsWith(yesterday) && !m.external_host);

  beforeAll(async () => {
    tenant = await registerTenant(world, sim, {
      simTenant,
      configure: CONFIGURED.map((index) => ({ index, modality: 'video' as const, individualAudio: false })),
      tenant: { archivingEnabled: false, cloudRecordingsEnabled: true },
    });
    const account = tenant.zoom.accountId;
    // The import runs first and archives what it lists: the recordings of configured hosts.
    await runSync(world, tenant.tenantId);
    const [u0, u1, u2] = tenant.users.map((u) => u.zoomUserId);
    const [stranger, other] = tenant.unconfigured.map((u) => u.id);
    const at = (h: number) => `${yesterday}T${String(h).padStart(2, '0')}:00:00Z`;
    // After the sync: recorded yesterday, missed by the import (its watermark is past them).
    await sim.control.addMeeting(account, { hostId: u0, recorded: true, participants: [{ userId: stranger! }], start_time: at(18), durationMinutes: 25 });
    // Recorded by an unconfigured host with a configured participant: no listing of ours shows it.
    await sim.control.addMeeting(account, { hostId: stranger, recorded: true, participants: [{ userId: u1! }, { name: 'Guest', email: 'guest@example.org' }], start_time: at(19), durationMinutes: 30 });
    // A one-person meeting, not recorded; a failed recording; a meeting of nobody configured.
    await sim.control.addMeeting(account, { hostId: u2, recorded: false, participants: 0, start_time: at(20), durationMinutes: 10 });
    await sim.control.addMeeting(account, { hostId: u1, recorded: false, recordingFailed: true, participants: [{ userId: u0! }], start_time: at(21), durationMinutes: 15 });
    await sim.control.addMeeting(account, { hostId: stranger, recorded: false, participants: [{ userId: other! }], start_time: at(22), durationMinutes: 15 });
    truth = await sim.control.groundTruth(account);
    await sim.control.resetCounters();

    first = (await reconcileYesterday(tenant.tenantId, ['meetings']))[0]!;
    // Recorded meetings the archive lacked went to the ingest, under the import's workflow ids.
    for (const m of dayMeetings().filter((m) => m.recorded && configuredIn(m, tenant).length > 0)) await ingestDone(meetingWorkflowId(tenant.tenantId, m.uuid));
  }, 240_000);

  it('writes exactly one recording_failed CDR per configured participant of each unrecorded meeting, with its reason', async () => {
    const unrecorded = dayMeetings().filter((m) => !m.recorded);
    // The day has what the test is about: one-person meetings, failed recordings, meetings of nobody configured.
    expect(unrecorded.some((m) => m.participants.length === 1 && configuredIn(m, tenant).length === 1)).toBe(true);
    expect(unrecorded.some((m) => m.recording_failed && configuredIn(m, tenant).length > 0)).toBe(true);
    expect(unrecorded.some((m) => configuredIn(m, tenant).length === 0)).toBe(true);
    const expected = unrecorded.flatMap((m) => configuredIn(m, tenant).map((id) => `${m.uuid}|${id}`)).sort();

    const failed = (await cdrsOf(world, tenant.tenantId)).filter((c) => c.recordingFailed);
    expect(failed.map(cdrKey).sort()).toEqual(expected);
    expect(first).toMatchObject({ status: 'finished', failedCdrsWritten: expected.length });
    for (const cdr of failed) {
      const meeting = unrecorded.find((m) => m.uuid === cdr.platformCallId)!;
      const user = tenant.users.find((u) => u.zoomUserId === cdr.recordedUserZoomId)!;
      expect(cdr.recordingFailedReason).toMatch(meeting.recording_failed ? /^recording failed/ : /^not recorded/);
      expect(cdr).toMatchObject({
        sourcePlatform: 'Zoom Meeting', zoomMeetingId: String(meeting.id), recordedUserName: user.name, from: user.zoomUserId, fromInfo: user.name,
        to: 'Conference', toInfo: meeting.topic, direction: 'conference', userDirection: 'outgoing', conversationType: 'screen_share',
        recordType: 'standard', location: 'e2e-worker', mediaLengthSeconds: null,
      });
      // Zoom quirk: the participants of a one-person meeting are not listed.
      const people = new Set(meeting.participants.map((p) => p.user_id));
      expect(cdr.participants.map((p) => p.name).sort()).toEqual(people.size === 1 ? [] : [...new Set(meeting.participants.map((p) => p.name))].sort());
    }
  });

  it('archives every recorded meeting a configured user took part in, once, with the bytes Zoom served', async () => {
    const recorded = dayMeetings().filter((m) => m.recorded && configuredIn(m, tenant).length > 0);
    // Files still processing (a transcript of a late meeting) are the import's to fetch later.
    const files = recorded.flatMap((m) => m.files.filter((f) => f.kind === 'recording' && f.deletion === 'none' && f.status === 'completed').map((file) => ({ meetingUuid: m.uuid, file })));
    expect(files.length).toBeGreaterThan(0);
    const truthIds = new Set(files.filter((f) => !f.file.idless).map((f) => f.file.id));
    const stored = new Map((await mediaFilesOf(world, tenant.tenantId)).filter((r) => r.state === 'stored').map((r) => [rowFileKey(r, truthIds), r]));
    for (const { meetingUuid, file } of files) {
      const row = stored.get(truthFileKey(meetingUuid, file));
      expect(row, `${file.file_type} of ${meetingUuid}`).toBeDefined();
      expect(await s3ObjectSha256(world.bucket.client, world.bucket.bucket, row!.storageKey)).toEqual({ sha256: file.sha256, size: file.file_size });
    }
    const cdrs = await cdrsOf(world, tenant.tenantId);
    for (const m of recorded) {
      expect(cdrs.filter((c) => c.platformCallId === m.uuid && !c.recordingFailed).map((c) => c.recordedUserZoomId).sort()).toEqual(configuredIn(m, tenant).sort());
    }
    // Nobody unconfigured has a CDR.
    expect(cdrs.every((c) => tenant.users.some((u) => u.zoomUserId === c.recordedUserZoomId))).toBe(true);
  });

  it('finds exactly the day\'s meetings the plan\'s listings hold: every meeting of the account by the dashboard, every meeting of a configured user by the reports', async () => {
    // Zoom's logs: the dashboard lists every ended meeting of the account that day; a user's
    // reports list the meetings the user hosted or joined.
    const listed = heldOn(truth, yesterday).filter((m) => plan === 'business' || configuredIn(m, tenant).length > 0).map((m) => m.uuid).sort();
    // The day holds meetings of nobody configured: the two plans' answers differ.
    expect(heldOn(truth, yesterday).some((m) => configuredIn(m, tenant).length === 0)).toBe(true);
    const items = await listReconciliationItems(world.database.db, tenant.tenantId, { family: 'meetings', day: yesterday });
    expect(items.map((i) => i.platformCallId).sort()).toEqual(listed);
    expect(first).toMatchObject({ found: listed.length, checked: listed.length });
  });

  it('spends only the plan\'s listing calls on the daily quota, and a re-run of the day writes nothing twice', async () => {
    const account = tenant.zoom.accountId;
    expect(await callsAt(account, 'GET /metrics/meetings')).toBe(resourceIntensive);
    expect(await callsAt(account, 'GET /report/users/{userId}/meetings')).toBe(heavy);
    expect(await callsAt(account, 'GET /metrics/meetings/{meetingId}/participants')).toBe(0);
    expect(first.heavyCallsUsed).toBe(heavy + resourceIntensive);

    const before = (await cdrsOf(world, tenant.tenantId)).map((c) => `${cdrKey(c)}|${c.id}|${c.recordingFailed}`).sort();
    const [again] = await reconcileYesterday(tenant.tenantId, ['meetings']);
    expect(again).toMatchObject({ status: 'finished', found: first.found, failedCdrsWritten: first.failedCdrsWritten, missingFound: 0 });
    expect((await cdrsOf(world, tenant.tenantId)).map((c) => `${cdrKey(c)}|${c.id}|${c.recordingFailed}`).sort()).toEqual(before);
    await saveHistories(`${plan}`, [reconcileWorkflowId(tenant.tenantId, 'meetings', yesterday), daysWorkflowIds.at(-1)!]);
  });
});

describe('voice quality on a Business+ account that asks for it', () => {
  it('folds each participant\'s QoS, 10 participants a page, into a 1–5 score on the CDRs of the day\'s unrecorded meetings', async () => {
    const tenant = await registerTenant(world, sim, {
      simTenant: 0,
      configure: CONFIGURED.map((index) => ({ index, modality: 'voice' as const, individualAudio: false })),
      tenant: { archivingEnabled: false, cloudRecordingsEnabled: true, options: { deleteAfterArchive: false, reconciliation: { voiceQuality: true } } },
    });
    // A large unrecorded meeting: its QoS takes two pages of 10; and three small ones, so the day
    // has unrecorded meetings to score whichever tests ran before.
    await sim.control.addMeeting(tenant.zoom.accountId, { hostId: tenant.users[0]!.zoomUserId, recorded: false, participants: 12, start_time: `${yesterday}T23:00:00Z`, durationMinutes: 30 });
    for (const [i, user] of tenant.users.slice(1).entries()) {
      await sim.control.addMeeting(tenant.zoom.accountId, { hostId: user.zoomUserId, recorded: false, participants: 2, start_time: `${yesterday}T0${i + 5}:10:00Z`, durationMinutes: 20 });
    }
    const truth = await sim.control.groundTruth(tenant.zoom.accountId);
    await sim.control.resetCounters();
    const [progress] = await reconcileYesterday(tenant.tenantId, ['meetings']);
    // The archive of this tenant is empty: recorded meetings went to the ingest (scored by a later
    // re-check); unrecorded meetings of configured users have their recording_failed CDRs scored now.
    const scored = truth.meetings.filter((m) => m.start_time.startsWith(yesterday) && !m.external_host && !m.recorded && configuredIn(m, tenant).length > 0);
    expect(scored.length).toBeGreaterThan(3);
    const qosCalls = await callsAt(tenant.zoom.accountId, 'GET /metrics/meetings/{meetingId}/participants/qos');
    expect(qosCalls).toBe(scored.reduce((sum, m) => sum + Math.max(1, Math.ceil(m.participants.length / 10)), 0));
    expect(scored.some((m) => m.participants.length > 10)).toBe(true);
    const failed = (await cdrsOf(world, tenant.tenantId)).filter((c) => c.recordingFailed);
    expect(failed.map(cdrKey).sort()).toEqual(scored.flatMap((m) => configuredIn(m, tenant).map((id) => `${m.uuid}|${id}`)).sort());
    // The simulator's QoS is the same in every sample (24 ms, 3 ms jitter, 0.1% loss), worked out
    // by hand with the E-model: effective latency 24 + 2 × 3 + 10 = 40 ms, R = 93.2 − 40/40 −
    // 2.5 × 0.1 = 91.95, MOS = 1 + 0.035 R + 7·10⁻⁶ R (R − 60)(100 − R) = 4.38.
    for (const cdr of failed) expect(cdr.voiceQuality, cdrKey(cdr)).toBe(4.38);
    expect(progress).toMatchObject({ status: 'finished', rateVoiceQuality: true, voiceQualityScored: failed.length, heavyCallsUsed: 2 + qosCalls });
  });
});

describe('a configured user who is disabled', () => {
  it('gets no recording_failed CDR: a meeting only they took part in is not ours, one with an enabled user has the enabled user\'s CDR only', async () => {
    const tenant = await registerTenant(world, sim, {
      simTenant: 0,
      configure: CONFIGURED.map((index) => ({ index, modality: 'video' as const, individualAudio: false })),
      tenant: { archivingEnabled: false, cloudRecordingsEnabled: true },
    });
    const [enabled, , , disabled] = tenant.users;
    await upsertRecordedUser(world.database.db, tenant.tenantId, { ...disabled!, enabled: false });
    const [stranger] = tenant.unconfigured.map((u) => u.id);
    const account = tenant.zoom.accountId;
    const at = (h: number, m: number) => `${yesterday}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00Z`;
    // Not recorded, the disabled user the only configured one: as host, as a participant, alone.
    const hostedByDisabled = await sim.control.addMeeting(account, { hostId: disabled!.zoomUserId, recorded: false, participants: [{ userId: stranger! }], start_time: at(3, 5), durationMinutes: 20 });
    const joinedByDisabled = await sim.control.addMeeting(account, { hostId: stranger, recorded: false, participants: [{ userId: disabled!.zoomUserId }], start_time: at(3, 35), durationMinutes: 20 });
    const alone = await sim.control.addMeeting(account, { hostId: disabled!.zoomUserId, recorded: false, recordingFailed: true, participants: 0, start_time: at(4, 5), durationMinutes: 10 });
    // Not recorded, an enabled user's meeting the disabled user joined: one CDR, the enabled host's.
    const mixed = await sim.control.addMeeting(account, { hostId: enabled!.zoomUserId, recorded: false, participants: [{ userId: disabled!.zoomUserId }], start_time: at(4, 35), durationMinutes: 20 });
    const truth = await sim.control.groundTruth(account);

    const [progress] = await reconcileYesterday(tenant.tenantId, ['meetings']);
    const enabledIds = tenant.users.filter((u) => u.zoomUserId !== disabled!.zoomUserId).map((u) => u.zoomUserId);
    const enabledIn = (m: GroundTruthMeeting) => configuredIn(m, tenant).filter((id) => enabledIds.includes(id));
    const unrecorded = heldOn(truth, yesterday).filter((m) => !m.recorded);
    const expected = unrecorded.flatMap((m) => enabledIn(m).map((id) => `${m.uuid}|${id}`)).sort();
    expect(expected).toContain(`${mixed.uuid}|${enabled!.zoomUserId}`);
    const failed = (await cdrsOf(world, tenant.tenantId)).filter((c) => c.recordingFailed);
    expect(failed.map(cdrKey).sort()).toEqual(expected);
    expect(failed.filter((c) => c.recordedUserZoomId === disabled!.zoomUserId)).toEqual([]);
    expect(progress).toMatchObject({ status: 'finished', failedCdrsWritten: expected.length });

    const outcomes = new Map((await listReconciliationItems(world.database.db, tenant.tenantId, { family: 'meetings', day: yesterday })).map((i) => [i.platformCallId, i.outcome]));
    expect([hostedByDisabled, joinedByDisabled, alone, mixed].map((m) => outcomes.get(m.uuid))).toEqual(['not_ours', 'not_ours', 'not_ours', 'not_recorded']);
  });
});

describe('phone reconciliation: every connected call must have a recording (its histories feed the replay test)', () => {
  let tenant: E2eTenant;
  let truth: GroundTruth;
  let result: ReconcileProgress;
  const dayCalls = () => truth.calls.filter((c) => c.start_time.startsWith(yesterday));
  const configuredOn = (c: GroundTruthCall) => tenant.users.filter((u) =>
    [c.caller.user_id, c.callee.user_id, ...c.legs.map((l) => l.owner_user_id)].includes(u.zoomUserId)).map((u) => u.zoomUserId);
  /** Recordings of configured users: the leg's owner (a queue's recording is its answering agent's). */
  const configuredRecordings = (c: GroundTruthCall) => c.legs.filter((l) => l.recording && tenant.users.some((u) => u.zoomUserId === l.owner_user_id));

  beforeAll(async () => {
    tenant = await registerTenant(world, sim, {
      simTenant: 2,
      configure: CONFIGURED.map((index) => ({ index, modality: 'voice' as const, individualAudio: false, phoneExtension: true })),
      tenant: { archivingEnabled: false, cloudRecordingsEnabled: false, phoneEnabled: true, options: { deleteAfterArchive: false, reconciliation: { phoneCallsExpected: 'all' } } },
    });
    truth = await sim.control.groundTruth(tenant.zoom.accountId);
    await sim.control.resetCounters();
    // No phone sync ran: the reconciliation finds every recording the import would have.
    result = (await reconcileYesterday(tenant.tenantId, ['phone']))[0]!;
    for (const c of dayCalls().filter((c) => configuredRecordings(c).length > 0)) await ingestDone(phoneCallWorkflowId(tenant.tenantId, c.call_id));
  }, 240_000);

  it('archives the recordings of configured users, and writes a recording_failed CDR per configured party of a connected call without one', async () => {
    const connected = dayCalls().filter((c) => c.result === 'answered' && configuredOn(c).length > 0);
    const withRecording = connected.filter((c) => configuredRecordings(c).length > 0);
    const without = connected.filter((c) => configuredRecordings(c).length === 0);
    expect(withRecording.length).toBeGreaterThan(0);
    expect(without.length).toBeGreaterThan(0);
    // Missed and voicemail calls have no recording to lack.
    expect(dayCalls().some((c) => c.result !== 'answered' && configuredOn(c).length > 0)).toBe(true);

    const rows = new Map((await mediaFilesOf(world, tenant.tenantId)).filter((r) => r.state === 'stored').map((r) => [r.zoomFileId, r]));
    for (const leg of withRecording.flatMap(configuredRecordings)) {
      const row = rows.get(leg.recording!.id);
      expect(row, `recording ${leg.recording!.id}`).toBeDefined();
      expect(await s3ObjectSha256(world.bucket.client, world.bucket.bucket, row!.storageKey)).toEqual({ sha256: leg.recording!.file.sha256, size: leg.recording!.file.file_size });
    }
    const failed = (await cdrsOf(world, tenant.tenantId)).filter((c) => c.recordingFailed);
    expect(failed.map(cdrKey).sort()).toEqual(without.flatMap((c) => configuredOn(c).map((id) => `${c.call_id}|${id}`)).sort());
    for (const cdr of failed) {
      const call = without.find((c) => c.call_id === cdr.platformCallId)!;
      expect(cdr.recordingFailedReason).toMatch(call.recorded ? /^recording failed/ : /^not recorded/);
      expect(cdr).toMatchObject({ sourcePlatform: 'Zoom Phone', from: call.caller.number, to: call.callee.number, conversationType: 'voice', mediaLengthSeconds: null });
    }
    expect(result).toMatchObject({ status: 'finished', failedCdrsWritten: failed.length });
  });

  it('reads the day\'s call history in one page per recording status, and nothing heavy besides', async () => {
    const account = tenant.zoom.accountId;
    expect(await callsAt(account, 'GET /phone/call_history')).toBe(2);
    expect(result.heavyCallsUsed).toBe(2);
    expect(dayCalls().length).toBeLessThanOrEqual(300);
    await saveHistories('phone', [reconcileWorkflowId(tenant.tenantId, 'phone', yesterday)]);
  });
});

describe('phone reconciliation with a configured user who is disabled', () => {
  it('writes no recording_failed CDR for them: their own call and one transferred to them get the enabled users\' CDRs only (none: not ours)', async () => {
    const tenant = await registerTenant(world, sim, {
      simTenant: 2,
      configure: CONFIGURED.map((index) => ({ index, modality: 'voice' as const, individualAudio: false, phoneExtension: true })),
      tenant: { archivingEnabled: false, cloudRecordingsEnabled: false, phoneEnabled: true, options: { deleteAfterArchive: false, reconciliation: { phoneCallsExpected: 'all' } } },
    });
    const withExtension = tenant.users.filter((u) => u.phoneExtension !== undefined);
    expect(withExtension.length).toBeGreaterThanOrEqual(2);
    const [enabled, disabled] = [withExtension[0]!, withExtension.at(-1)!];
    await upsertRecordedUser(world.database.db, tenant.tenantId, { ...disabled, enabled: false });
    const account = tenant.zoom.accountId;
    // Connected, not recorded: the disabled user's own call, and an enabled user's call transferred to them.
    const own = await sim.control.addPhoneCall(account, { userId: disabled.zoomUserId, recorded: false, result: 'answered', legs: 1, start_time: `${yesterday}T02:00:00Z`, durationSeconds: 120 });
    const transferred = await sim.control.addPhoneCall(account, { userId: enabled.zoomUserId, recorded: false, result: 'answered', legs: 2, legOwners: [disabled.zoomUserId], start_time: `${yesterday}T02:30:00Z`, durationSeconds: 180 });
    const [progress] = await reconcileYesterday(tenant.tenantId, ['phone']);
    expect(progress).toMatchObject({ status: 'finished' });

    // Who of the enabled users was on each call, from the ground truth: its ends and its legs' owners.
    const enabledIds = tenant.users.filter((u) => u.zoomUserId !== disabled.zoomUserId).map((u) => u.zoomUserId);
    const enabledOn = (c: GroundTruthCall) => [...new Set([c.caller.user_id, c.callee.user_id, ...c.legs.map((l) => l.owner_user_id)])]
      .filter((id): id is string => id !== null && enabledIds.includes(id));
    expect(enabledOn(transferred)).toContain(enabled.zoomUserId);
    const failed = (await cdrsOf(world, tenant.tenantId)).filter((c) => c.recordingFailed);
    expect(failed.filter((c) => c.recordedUserZoomId === disabled.zoomUserId)).toEqual([]);
    const outcomes = new Map((await listReconciliationItems(world.database.db, tenant.tenantId, { family: 'phone', day: yesterday })).map((i) => [i.platformCallId, i.outcome]));
    for (const call of [own, transferred]) {
      expect(failed.filter((c) => c.platformCallId === call.call_id).map((c) => c.recordedUserZoomId).sort(), call.call_id).toEqual(enabledOn(call).sort());
      expect(outcomes.get(call.call_id), call.call_id).toBe(enabledOn(call).length === 0 ? 'not_ours' : 'not_recorded');
    }
  });
});

describe('reconciliation inputs', () => {
  it('refuse a bad day, range, family or tenant at once, naming what is valid', async () => {
    const run = (type: string, input: object) => world.temporal.client.workflow.execute(type, {
      args: [input], taskQueue: world.temporal.taskQueue, workflowId: `bad-input:${uniqueSuffix()}`, workflowExecutionTimeout: '30 seconds',
    });
    await expect(run('reconcile', { tenantId: 'acme', family: 'meetings', day: '2026-13-01' })).rejects.toMatchObject({ cause: { message: expect.stringMatching(/"day" must be a UTC day as yyyy-mm-dd, got "2026-13-01"/) } });
    await expect(run('reconcile', { tenantId: 'acme', family: 'calls', day: yesterday })).rejects.toMatchObject({ cause: { message: expect.stringMatching(/"family" must be "meetings" or "phone"/) } });
    await expect(run('reconcileDays', { tenantId: 'acme', from: yesterday })).rejects.toMatchObject({ cause: { message: expect.stringMatching(/both "from" and "to"/) } });
    await expect(run('reconcileDays', { tenantId: 'no-such-tenant' })).rejects.toMatchObject({ cause: { cause: { message: expect.stringMatching(/no-such-tenant/) } } });
  });
});
