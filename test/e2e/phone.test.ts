import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../src/api/server.js';
import type { Conversation } from '../../src/db/queries/conversations.js';
import type { GroundTruth, GroundTruthCall, RunningSimulator } from '../../src/simulator/index.js';
import { startSimulator } from '../../src/simulator/index.js';
import { phoneCallWorkflowId } from '../../src/workflows/ids.js';
import { signWebhook } from '../../src/zoom/webhooks.js';
import { s3ObjectSha256 } from '../harness/stored-bytes.js';
import { historyToSavedJson } from '../replay/saved-history.js';
import { upsertRecordedUser } from '../../src/db/queries/recorded-users.js';
import { bucketKeys, cdrsOf, E2E_LOCATION, mediaFilesOf, registerTenant, runPhoneSync, startE2eWorld, type E2eTenant, type E2eWorld } from './helpers.js';

// Zoom Phone end to end: the phone sync lists the account's call recordings, one ingestPhoneCall
// child per call id archives the MP3s of configured users (bytes hashed from the bucket against
// the simulator) and writes one CDR per recorded user and call, every field checked against the
// simulator's ground truth. Re-listings, the phone webhook and a forged delivery are counted at
// the simulator. The clock is frozen and moved by the test.

/** The tenant's own numbers besides its extensions: the simulated account's DIDs are +1555…. */
const INTERNAL_PATTERNS = ['^\\+1555'];
const LIST = 'GET /phone/recordings';
const DOWNLOAD = 'GET /phone/recording/download/{fileId}';

let world: E2eWorld;
let sim: RunningSimulator;
let tenant: E2eTenant;
let api: FastifyInstance;
let webhookUrl: string;
let apiBase: string;
/** The simulator's frozen time: the API checks webhook timestamps against it. */
let simNow = new Date();
const named: Record<'transfer' | 'queue' | 'receptionist' | 'foreign' | 'missed' | 'voicemail' | 'unrecorded', GroundTruthCall | undefined> = {
  transfer: undefined, queue: undefined, receptionist: undefined, foreign: undefined, missed: undefined, voicemail: undefined, unrecorded: undefined,
};

const hoursAgo = (h: number) => new Date(simNow.getTime() - h * 3600_000).toISOString();

beforeAll(async () => {
  world = await startE2eWorld('e2e-phone');
  sim = await startSimulator({
    seed: 1212,
    now: new Date(),
    freezeClock: true,
    tenants: [{ users: 6, inactiveUsers: 0, days: 2, meetingsPerDay: 0, phoneCallsPerDay: 6, mediaScale: 0.05 }],
  });
  simNow = new Date(await sim.control.now());
  // Users 0-3 are configured with their extensions; 4 and 5 are not.
  tenant = await registerTenant(world, sim, {
    simTenant: 0,
    configure: [0, 1, 2, 3].map((index) => ({ index, modality: 'voice' as const, individualAudio: false, phoneExtension: true })),
    tenant: { archivingEnabled: false, cloudRecordingsEnabled: false, phoneEnabled: true, internalNumberPatterns: INTERNAL_PATTERNS },
  });
  const account = tenant.zoom.accountId;
  const [u0, u1, u2, u3, u4] = tenant.users.map((u) => u.zoomUserId).concat(tenant.unconfigured.map((u) => u.id));
  named.transfer = await sim.control.addPhoneCall(account, { userId: u0, legOwners: [u1!], direction: 'inbound', recorded: true, start_time: hoursAgo(3), durationSeconds: 600 });
  named.queue = await sim.control.addPhoneCall(account, { userId: u2, recordingOwner: 'callQueue', direction: 'inbound', recorded: true, legs: 1, start_time: hoursAgo(4), durationSeconds: 300 });
  named.receptionist = await sim.control.addPhoneCall(account, { userId: u3, recordingOwner: 'autoReceptionist', direction: 'inbound', recorded: true, legs: 1, start_time: hoursAgo(5), durationSeconds: 200 });
  named.foreign = await sim.control.addPhoneCall(account, { userId: u4, recorded: true, legs: 1, start_time: hoursAgo(6), durationSeconds: 100 });
  named.missed = await sim.control.addPhoneCall(account, { userId: u0, result: 'no_answer', start_time: hoursAgo(7), durationSeconds: 30 });
  named.voicemail = await sim.control.addPhoneCall(account, { userId: u1, result: 'voicemail', start_time: hoursAgo(8), durationSeconds: 40 });
  named.unrecorded = await sim.control.addPhoneCall(account, { userId: u2, recorded: false, legs: 1, start_time: hoursAgo(9), durationSeconds: 50 });

  api = createApiServer({ db: world.database.db, secrets: world.secrets, temporal: { client: world.temporal.client, taskQueue: world.temporal.taskQueue }, apiTokens: ['phone-e2e'], now: () => simNow });
  await api.listen({ host: '127.0.0.1', port: 0 });
  apiBase = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
  webhookUrl = `${apiBase}/webhooks/zoom/${tenant.tenantId}`;
});

afterAll(async () => {
  await api?.close();
  await sim?.close();
  await world?.close();
});

async function advance(ms: number): Promise<void> {
  simNow = new Date(await sim.control.advanceClock(ms));
}

async function phoneCalls(endpoint: string): Promise<number> {
  return (await sim.control.getCounters()).tenantEndpoints[tenant.zoom.accountId]?.[endpoint] ?? 0;
}

type Leg = GroundTruthCall['legs'][number];

/** Recordings the archive must hold: ready, not deleted, on a leg a configured user took (owner or answering agent). */
function expectedRecordings(truth: GroundTruth): { call: GroundTruthCall; leg: Leg }[] {
  const configured = new Set(tenant.users.map((u) => u.zoomUserId));
  const now = Date.parse(truth.now);
  return truth.calls.flatMap((call) => call.legs
    .filter((leg) => leg.recording && leg.recording.file.deletion === 'none' && Date.parse(leg.recording.ready_at) <= now && configured.has(leg.owner_user_id ?? ''))
    .map((leg) => ({ call, leg })));
}

/** DESIGN: internal = both ends the organisation's (an extension, or a number matching the tenant's patterns). */
function expectedDirection(call: GroundTruthCall): string {
  const inside = (p: GroundTruthCall['caller']) => p.number_type === 1 || /^\+1555/.test(p.number);
  if (inside(call.caller) && inside(call.callee)) return 'internal';
  if (inside(call.caller)) return 'outbound';
  if (inside(call.callee)) return 'inbound';
  return call.direction;
}

/** Every phone recording stored is exactly the expected set, bytes hashed from the bucket, each under the documented key. */
async function expectRecordingsStored(truth: GroundTruth): Promise<void> {
  const expected = expectedRecordings(truth);
  const rows = (await mediaFilesOf(world, tenant.tenantId)).filter((r) => r.state === 'stored');
  expect(rows.map((r) => r.zoomFileId).sort()).toEqual(expected.map((e) => e.leg.recording!.id).sort());
  for (const { call, leg } of expected) {
    const rec = leg.recording!;
    const row = rows.find((r) => r.zoomFileId === rec.id)!;
    const day = rec.date_time.slice(0, 10).replace(/-/g, '/');
    expect(row.storageKey).toBe(`${tenant.tenantId}/phone/${day}/${call.call_id}/${rec.id}.mp3`);
    expect(await s3ObjectSha256(world.bucket.client, world.bucket.bucket, row.storageKey), `bytes of recording ${rec.id}`).toEqual({ sha256: rec.file.sha256, size: rec.file.file_size });
  }
  expect(await bucketKeys(world, tenant.tenantId)).toEqual(rows.map((r) => r.storageKey).sort());
}

/** One CDR per configured user with a recording of the call, each field from the ground truth. */
function expectCdrs(truth: GroundTruth, cdrs: Conversation[]): void {
  const expected = expectedRecordings(truth);
  const pairs = new Map<string, { call: GroundTruthCall; userId: string; legs: Leg[] }>();
  for (const { call, leg } of expected) {
    const key = `${call.call_id}|${leg.owner_user_id}`;
    const pair = pairs.get(key) ?? { call, userId: leg.owner_user_id!, legs: [] };
    pair.legs.push(leg);
    pairs.set(key, pair);
  }
  expect(cdrs.map((c) => `${c.platformCallId}|${c.recordedUserZoomId}`).sort()).toEqual([...pairs.keys()].sort());
  for (const { call, userId, legs } of pairs.values()) {
    const user = tenant.users.find((u) => u.zoomUserId === userId)!;
    const cdr = cdrs.find((c) => c.platformCallId === call.call_id && c.recordedUserZoomId === userId)!;
    const simUser = truth.users.find((u) => u.id === userId)!;
    expect(cdr, `CDR of ${userId} in call ${call.call_id}`).toMatchObject({
      sourcePlatform: 'Zoom Phone',
      recordedUserName: user.name,
      recordedUserExtension: String(simUser.phone_extension),
      from: call.caller.number,
      fromInfo: call.caller.name,
      to: call.callee.number,
      toInfo: call.callee.name,
      direction: expectedDirection(call),
      userDirection: call.caller.user_id === userId ? 'outgoing' : 'incoming',
      conversationType: 'voice',
      recordType: 'standard',
      location: E2E_LOCATION,
      recordingFailed: false,
      mediaError: null,
      mediaLengthSeconds: legs.reduce((sum, l) => sum + l.recording!.duration, 0),
    });
    // Every party across the legs: the call's two ends and whoever took a leg.
    const names = new Set([call.caller.name, call.callee.name, ...call.legs.map((l) => l.owner_name)]);
    expect(new Set(cdr.participants.map((p) => p.name)), `participants of ${call.call_id}`).toEqual(names);
    // The user's time on the call lies within the call.
    expect(cdr.startedAt.getTime()).toBeGreaterThanOrEqual(Date.parse(call.start_time));
    expect(cdr.endedAt!.getTime()).toBeLessThanOrEqual(Date.parse(call.end_time));
  }
}

describe('Zoom Phone archiving (its histories feed the replay test)', () => {
  it('stores every recording of a configured user once, and writes one CDR per recorded user and call from the ground truth', async () => {
    const syncId = `replay-phone-sync-${tenant.tenantId}`;
    const totals = await runPhoneSync(world, tenant.tenantId, {}, syncId);
    const truth = await sim.control.groundTruth(tenant.zoom.accountId);
    const expected = expectedRecordings(truth);
    // The generated calls plus the named ones give both kinds of leg (configured or not) and calls without recording.
    expect(expected.length).toBeGreaterThan(4);
    expect(totals).toMatchObject({ stored: expected.length, failed: 0, released: 0 });
    await expectRecordingsStored(truth);
    // Each recording was downloaded exactly once; nothing of unconfigured users at all.
    expect(await phoneCalls(DOWNLOAD)).toBe(expected.length);
    const rows = await mediaFilesOf(world, tenant.tenantId);
    const foreign = named.foreign!.legs[0]!.recording!.id;
    expect(rows.map((r) => r.zoomFileId)).not.toContain(foreign);

    const cdrs = await cdrsOf(world, tenant.tenantId);
    expectCdrs(truth, cdrs);
    expect(totals.cdrs).toBe(cdrs.length);

    // `npx tsx scripts/save-histories.ts <label>` saves these runs for the replay test (new files, never over old ones).
    const label = process.env.SAVE_HISTORIES;
    if (label) {
      const runs = { 'phone-sync': syncId, 'ingest-phone-call': phoneCallWorkflowId(tenant.tenantId, named.transfer!.call_id) };
      const dir = fileURLToPath(new URL('../replay/histories/', import.meta.url));
      for (const [name, id] of Object.entries(runs)) {
        writeFileSync(`${dir}${name}.${label}.json`, historyToSavedJson(id, await world.temporal.client.workflow.getHandle(id).fetchHistory()), { flag: 'wx' });
      }
    }
  });

  it('a transferred call is one conversation with a CDR per configured user on it; a queue or receptionist recording goes to the agent who took it', async () => {
    const cdrs = await cdrsOf(world, tenant.tenantId);
    const transfer = named.transfer!;
    const [first, second] = transfer.legs;
    const transferCdrs = cdrs.filter((c) => c.platformCallId === transfer.call_id);
    expect(transferCdrs.map((c) => c.recordedUserZoomId).sort()).toEqual([first!.owner_user_id, second!.owner_user_id].sort());
    // Each user's own leg gives their time on the call.
    for (const leg of [first!, second!]) {
      const cdr = transferCdrs.find((c) => c.recordedUserZoomId === leg.owner_user_id)!;
      expect([cdr.startedAt.toISOString(), cdr.endedAt!.toISOString()]).toEqual([new Date(leg.start_time).toISOString(), new Date(leg.end_time).toISOString()]);
    }
    for (const call of [named.queue!, named.receptionist!]) {
      const rec = call.legs[0]!.recording!;
      expect(rec.owner_type).not.toBe('user');
      expect(cdrs.filter((c) => c.platformCallId === call.call_id).map((c) => c.recordedUserZoomId)).toEqual([call.legs[0]!.owner_user_id]);
    }
    expect(named.queue!.legs[0]!.recording!.accepted_by?.extension_number).toBe(String(named.queue!.legs[0]!.owner_extension));

    // Support reads the CDRs through the API, media length as hhh:mm:ss.
    const res = await fetch(`${apiBase}/api/tenants/${tenant.tenantId}/conversations?source=phone&limit=500`, { headers: { authorization: 'Bearer phone-e2e' } });
    expect(res.status).toBe(200);
    const listed = (await res.json() as { conversations: { platformCallId: string; recordedUserZoomId: string; mediaLength: string }[] }).conversations;
    expect(listed).toHaveLength(cdrs.length);
    const seconds = first!.recording!.duration;
    const hhhmmss = `${String(Math.floor(seconds / 3600)).padStart(3, '0')}:${String(Math.floor(seconds / 60) % 60).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
    expect(listed.find((c) => c.platformCallId === transfer.call_id && c.recordedUserZoomId === first!.owner_user_id)?.mediaLength).toBe(hhhmmss);
    // Calls without a recording leave nothing in the import (reconciliation reports them).
    const rows = await mediaFilesOf(world, tenant.tenantId);
    for (const call of [named.missed!, named.voicemail!, named.unrecorded!]) {
      expect(call.legs.every((l) => l.recording === null)).toBe(true);
      expect(cdrs.filter((c) => c.platformCallId === call.call_id)).toEqual([]);
      expect(rows.filter((r) => r.platformCallId === call.call_id)).toEqual([]);
    }
  });

  it('lists again with an overlap: a recording Zoom lists late is archived by a later sync, and re-listing costs list calls, never a second download', async () => {
    const [u0] = tenant.users;
    const downloadsBefore = await phoneCalls(DOWNLOAD);
    // A call that ended 15 minutes ago whose recording Zoom lists only 30 minutes after it ended.
    const late = await sim.control.addPhoneCall(tenant.zoom.accountId, {
      userId: u0!.zoomUserId, legs: 1, recorded: true, start_time: new Date(simNow.getTime() - 20 * 60_000).toISOString(), durationSeconds: 300, recordingDelayMinutes: 30,
    });
    await advance(5 * 60_000);
    const listsBefore = await phoneCalls(LIST);
    const early = await runPhoneSync(world, tenant.tenantId);
    expect(early).toMatchObject({ calls: 0, stored: 0 });
    // One window, one page (fewer than 300 recordings since the watermark less a day).
    expect(await phoneCalls(LIST)).toBe(listsBefore + 1);
    expect(await phoneCalls(DOWNLOAD)).toBe(downloadsBefore);

    await advance(20 * 60_000);
    const after = await runPhoneSync(world, tenant.tenantId);
    expect(after).toMatchObject({ calls: 1, stored: 1, failed: 0 });
    expect(await phoneCalls(LIST)).toBe(listsBefore + 2);
    expect(await phoneCalls(DOWNLOAD)).toBe(downloadsBefore + 1);
    const truth = await sim.control.groundTruth(tenant.zoom.accountId);
    expect(expectedRecordings(truth).map((e) => e.leg.recording!.id)).toContain(late.legs[0]!.recording!.id);
    await expectRecordingsStored(truth);
    expectCdrs(truth, await cdrsOf(world, tenant.tenantId));
  });

  it('a recording Zoom no longer serves is a visible failure: the file failed with Zoom\'s answer, the CDR says recording failed', async () => {
    const [, , u2] = tenant.users;
    const call = await sim.control.addPhoneCall(tenant.zoom.accountId, {
      userId: u2!.zoomUserId, legs: 1, recorded: true, start_time: new Date(simNow.getTime() - 30 * 60_000).toISOString(), durationSeconds: 60,
    });
    const rec = call.legs[0]!.recording!;
    await sim.control.setFileFault(tenant.zoom.accountId, rec.file.id, 'not_found');
    const totals = await runPhoneSync(world, tenant.tenantId);
    expect(totals).toMatchObject({ calls: 1, stored: 0, failed: 1, cdrs: 1 });
    const row = (await mediaFilesOf(world, tenant.tenantId)).find((r) => r.zoomFileId === rec.id)!;
    expect(row.state).toBe('failed');
    expect(row.lastError).toMatch(/File does not exist/);
    const cdr = (await cdrsOf(world, tenant.tenantId)).find((c) => c.platformCallId === call.call_id)!;
    expect(cdr).toMatchObject({ recordedUserZoomId: u2!.zoomUserId, recordingFailed: true });
    expect(cdr.mediaError).toContain(rec.id);
  });

  it('the phone webhook and the schedule archive a call once; a forged phone webhook is refused', async () => {
    const [, u1] = tenant.users;
    const call = await sim.control.addPhoneCall(tenant.zoom.accountId, {
      userId: u1!.zoomUserId, legs: 1, recorded: true, start_time: new Date(simNow.getTime() - 10 * 60_000).toISOString(), durationSeconds: 120,
    });
    const downloadsBefore = await phoneCalls(DOWNLOAD);
    const delivery = await sim.control.sendWebhook(tenant.zoom.accountId, 'phone.recording_completed', { url: webhookUrl, callId: call.call_id });
    const workflowId = phoneCallWorkflowId(tenant.tenantId, call.call_id);
    expect(JSON.parse(delivery.response ?? 'null')).toEqual({ status: 'started', workflowId });
    const handle = world.temporal.client.workflow.getHandle(workflowId);
    expect(await handle.result()).toMatchObject({ stored: 1, failed: 0, cdrs: 1 });
    // The recording's download URL (and so anything that opens it) stays out of the history.
    const history = JSON.stringify(await handle.fetchHistory());
    expect(history).not.toContain(call.legs[0]!.recording!.file.download_url);

    const sync = await runPhoneSync(world, tenant.tenantId);
    expect(sync).toMatchObject({ calls: 0, stored: 0 });
    expect(await phoneCalls(DOWNLOAD)).toBe(downloadsBefore + 1);
    const cdrs = (await cdrsOf(world, tenant.tenantId)).filter((c) => c.platformCallId === call.call_id);
    expect(cdrs.map((c) => c.recordedUserZoomId)).toEqual([u1!.zoomUserId]);

    // A delivery signed with another secret: refused, and nothing of it recorded or started.
    const forgedCall = '9999999999999999999';
    const body = JSON.stringify({ event: 'phone.recording_completed', event_ts: simNow.getTime(), payload: { account_id: tenant.zoom.accountId, object: { recordings: [{ ...JSON.parse(delivery.body).payload.object.recordings[0], call_id: forgedCall, id: 'f'.repeat(32) }] } } });
    const timestamp = String(Math.floor(simNow.getTime() / 1000));
    const forged = await fetch(webhookUrl, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-zm-request-timestamp': timestamp, 'x-zm-signature': signWebhook('not-the-secret', timestamp, body) } });
    expect(forged.status).toBe(401);
    expect((await mediaFilesOf(world, tenant.tenantId)).filter((r) => r.platformCallId === forgedCall)).toEqual([]);
    await expect(world.temporal.client.workflow.getHandle(phoneCallWorkflowId(tenant.tenantId, forgedCall)).describe()).rejects.toThrow();
  });
});

describe('a configured phone user who is disabled', () => {
  it('has none of their recordings archived and no CDR, while the enabled users\' are archived as usual', async () => {
    // The same Zoom account as another tenant, user 1 disabled there.
    const other = await registerTenant(world, sim, {
      simTenant: 0,
      configure: [0, 1, 2, 3].map((index) => ({ index, modality: 'voice' as const, individualAudio: false, phoneExtension: true })),
      tenant: { archivingEnabled: false, cloudRecordingsEnabled: false, phoneEnabled: true, internalNumberPatterns: INTERNAL_PATTERNS },
    });
    const [disabled, ...enabled] = [other.users[1]!, other.users[0]!, other.users[2]!, other.users[3]!];
    await upsertRecordedUser(world.database.db, other.tenantId, { ...disabled, enabled: false });
    await runPhoneSync(world, other.tenantId);

    const truth = await sim.control.groundTruth(other.zoom.accountId);
    const now = Date.parse(truth.now);
    const servable = (leg: Leg) => leg.recording !== null && leg.recording.file.deletion === 'none' && leg.recording.file.fault === null && Date.parse(leg.recording.ready_at) <= now;
    const legsOf = (ids: Set<string>) => truth.calls.flatMap((call) => call.legs.filter((leg) => servable(leg) && ids.has(leg.owner_user_id ?? '')));
    expect(legsOf(new Set([disabled.zoomUserId])).length).toBeGreaterThan(0);
    const expected = legsOf(new Set(enabled.map((u) => u.zoomUserId)));
    const stored = (await mediaFilesOf(world, other.tenantId)).filter((r) => r.state === 'stored');
    expect(stored.map((r) => r.zoomFileId).sort()).toEqual(expected.map((leg) => leg.recording!.id).sort());
    for (const leg of expected) {
      const row = stored.find((r) => r.zoomFileId === leg.recording!.id)!;
      expect(await s3ObjectSha256(world.bucket.client, world.bucket.bucket, row.storageKey)).toEqual({ sha256: leg.recording!.file.sha256, size: leg.recording!.file.file_size });
    }
    expect((await cdrsOf(world, other.tenantId)).filter((c) => c.recordedUserZoomId === disabled.zoomUserId)).toEqual([]);
  });
});
