import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type GroundTruth, type GroundTruthMeeting, type RunningSimulator } from '../../src/simulator/index.js';
import type { ReconcileDaysResult } from '../../src/workflows/reconcile-days.js';
import { meetingWorkflowId } from '../../src/workflows/ids.js';
import { registerTenant, startE2eWorld, startSupportApi, type E2eTenant, type E2eWorld } from '../e2e/helpers.js';

// The reconciliation routes' behaviour on the real server, with a worker running the product's
// workflows on the Temporal dev server, PostgreSQL, and the Zoom simulator over HTTP: a range
// started by POST is reconciled, and what GET answers of the day (its counts, its
// recording_failed CDRs) is what the simulator's ground truth says of it. The simulator's clock
// is frozen at the current hour rounded down (the API refuses a day that has not ended by the
// real clock, so "yesterday" must be the real one).

const HOUR = 3600_000;
const NOW = new Date(Math.floor(Date.now() / HOUR) * HOUR);
const YESTERDAY = new Date(NOW.getTime() - 24 * HOUR).toISOString().slice(0, 10);
const TOKEN = 'reconciliation-routes-token';
const auth = { authorization: `Bearer ${TOKEN}` };

let world: E2eWorld;
let sim: RunningSimulator;
let api: FastifyInstance;
let apiUrl: string;
let tenant: E2eTenant;
let truth: GroundTruth;

beforeAll(async () => {
  world = await startE2eWorld('api-reconciliation-routes');
  // Business+ (the dashboard plan); no generated meetings: the day holds the ones added below.
  sim = await startSimulator({
    seed: 2323, now: NOW, freezeClock: true,
    tenants: [{ plan: 'business', users: 4, inactiveUsers: 0, days: 2, meetingsPerDay: 0, phoneCallsPerDay: 0, mediaScale: 0.01, processingShare: 0, externalHostShare: 0, transcriptShare: 0, chatShare: 0, timelineShare: 0 }],
  });
  ({ app: api, url: apiUrl } = await startSupportApi(world, [TOKEN]));

  tenant = await registerTenant(world, sim, {
    simTenant: 0,
    configure: [0, 1].map((index) => ({ index, modality: 'video' as const, individualAudio: false })),
    tenant: { archivingEnabled: false, cloudRecordingsEnabled: true },
  });
  const [u0, u1] = tenant.users.map((u) => u.zoomUserId);
  const [stranger] = tenant.unconfigured.map((u) => u.id);
  const account = tenant.zoom.accountId;
  const at = (h: number) => `${YESTERDAY}T${String(h).padStart(2, '0')}:00:00Z`;
  // Yesterday: two unrecorded meetings of configured users (three recording_failed CDRs), one
  // recorded meeting the archive lacks (handed to the ingest), one of nobody configured.
  await sim.control.addMeeting(account, { hostId: u0, recorded: false, participants: [{ userId: u1! }, { userId: stranger! }], start_time: at(9), durationMinutes: 30 });
  await sim.control.addMeeting(account, { hostId: u1, recorded: false, recordingFailed: true, participants: 0, start_time: at(11), durationMinutes: 15 });
  await sim.control.addMeeting(account, { hostId: u0, recorded: true, participants: 1, start_time: at(13), durationMinutes: 20 });
  await sim.control.addMeeting(account, { hostId: stranger, recorded: false, participants: 1, start_time: at(15), durationMinutes: 20 });
  truth = await sim.control.groundTruth(account);
}, 120_000);

afterAll(async () => {
  await api?.close();
  await sim?.close();
  await world?.close();
});

const post = (path: string, body: unknown) => fetch(`${apiUrl}/tenants/${tenant.tenantId}${path}`, {
  method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body),
});
const get = async (path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
  const res = await fetch(`${apiUrl}/tenants/${tenant.tenantId}${path}`, { headers: auth });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

/** Configured users who hosted or joined the meeting (by Zoom user id). */
const configuredIn = (m: GroundTruthMeeting) =>
  tenant.users.filter((u) => m.host_id === u.zoomUserId || m.participants.some((p) => p.internal && p.id === u.zoomUserId)).map((u) => u.zoomUserId);
/** The account's ended meetings of yesterday: what the dashboard lists for the day. */
const dayMeetings = () => truth.meetings.filter((m) => m.start_time.startsWith(YESTERDAY) && !m.external_host && Date.parse(m.end_time) <= Date.parse(truth.now));

describe('POST /reconciliation', () => {
  it('refuses a range of 32 days, and a day that has not ended, with the reason, and starts nothing', async () => {
    const to = YESTERDAY;
    const from = new Date(Date.parse(`${to}T00:00:00Z`) - 31 * 24 * HOUR).toISOString().slice(0, 10);
    const long = await post('/reconciliation', { from, to });
    expect(long.status).toBe(400);
    expect(await long.json()).toEqual({ error: 'invalid range', details: [`body: a range covers at most 31 days; ${from}..${to} has 32`] });
    const today = NOW.toISOString().slice(0, 10);
    const unfinished = await post('/reconciliation', { from: YESTERDAY, to: today });
    expect(unfinished.status).toBe(400);
    expect(await unfinished.json()).toEqual({ error: 'invalid range', details: [`body: "to" (${today}) must be a day that has ended (before ${today} UTC)`] });
    for (const id of [`reconcile-days:${tenant.tenantId}:${from}..${to}`, `reconcile-days:${tenant.tenantId}:${YESTERDAY}..${today}`]) {
      await expect(world.temporal.client.workflow.getHandle(id).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    }
  });
});

describe('a day reconciled through the API', () => {
  let started: Record<string, unknown>;

  beforeAll(async () => {
    const res = await post('/reconciliation', { from: YESTERDAY, to: YESTERDAY, families: ['meetings'] });
    expect(res.status).toBe(202);
    started = (await res.json()) as Record<string, unknown>;
    const result = await world.temporal.client.workflow.getHandle(String(started.workflowId)).result() as ReconcileDaysResult;
    expect(result.status).toBe('finished');
    // The recorded meeting went to the ingest (an abandoned child): it ends before the world closes.
    for (const m of dayMeetings().filter((m) => m.recorded)) await world.temporal.client.workflow.getHandle(meetingWorkflowId(tenant.tenantId, m.uuid)).result();
  }, 180_000);

  it('answers 202 with the range\'s workflow and its days', () => {
    expect(started).toEqual({ workflowId: `reconcile-days:${tenant.tenantId}:${YESTERDAY}..${YESTERDAY}`, days: [YESTERDAY], status: 'started' });
  });

  it('GET /reconciliation/meetings/{day} and GET /reconciliation show the day\'s run with the counts the ground truth gives', async () => {
    const meetings = dayMeetings();
    // The day as added: 4 meetings, 1 recorded, 1 of nobody configured.
    expect(meetings).toHaveLength(4);
    const unrecordedOurs = meetings.filter((m) => !m.recorded && configuredIn(m).length > 0);
    const counts = {
      found: meetings.length,
      checked: meetings.length,
      archived: 0,
      missing: meetings.filter((m) => m.recorded && configuredIn(m).length > 0).length,
      notRecorded: unrecordedOurs.length,
      notOurs: meetings.filter((m) => configuredIn(m).length === 0).length,
      notExpected: 0,
      skipped: 0,
      failedCdrs: unrecordedOurs.reduce((n, m) => n + configuredIn(m).length, 0),
    };
    expect(counts).toMatchObject({ missing: 1, notRecorded: 2, notOurs: 1, failedCdrs: 3 });
    const day = await get(`/reconciliation/meetings/${YESTERDAY}`);
    expect(day.status).toBe(200);
    expect(day.body).toMatchObject({ family: 'meetings', day: YESTERDAY, status: 'finished', plan: 'dashboard', error: null, userErrors: [], ...counts });
    // The dashboard, past and pastOne: one page each.
    expect(day.body).toMatchObject({ heavyCalls: 2, pausedUntil: null });

    const list = await get('/reconciliation');
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ tenant: tenant.tenantId, runs: [day.body] });
  });

  it('GET .../failed-cdrs lists one recording_failed CDR per configured user of each unrecorded meeting, with its reason', async () => {
    const expected = dayMeetings().filter((m) => !m.recorded)
      .flatMap((m) => configuredIn(m).map((id) => `${m.uuid}|${id}|${m.recording_failed ? 'recording failed' : 'not recorded'}`)).sort();
    const res = await get(`/reconciliation/meetings/${YESTERDAY}/failed-cdrs`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tenant: tenant.tenantId, day: YESTERDAY });
    const cdrs = res.body.conversations as { platformCallId: string; recordedUserZoomId: string; recordingFailed: boolean; recordingFailedReason: string }[];
    expect(cdrs.every((c) => c.recordingFailed)).toBe(true);
    expect(cdrs.map((c) => `${c.platformCallId}|${c.recordedUserZoomId}|${c.recordingFailedReason.startsWith('recording failed') ? 'recording failed' : c.recordingFailedReason.startsWith('not recorded') ? 'not recorded' : c.recordingFailedReason}`).sort())
      .toEqual(expected);
    expect(expected).toHaveLength(3);
    // Another day has none; the phone family of the day was not asked for.
    const before = new Date(Date.parse(`${YESTERDAY}T00:00:00Z`) - 24 * HOUR).toISOString().slice(0, 10);
    expect((await get(`/reconciliation/meetings/${before}/failed-cdrs`)).body).toEqual({ tenant: tenant.tenantId, day: before, conversations: [] });
    expect(await get(`/reconciliation/phone/${YESTERDAY}`)).toEqual({
      status: 404, body: { error: `tenant '${tenant.tenantId}' has no phone reconciliation of ${YESTERDAY}` },
    });
  });
});
