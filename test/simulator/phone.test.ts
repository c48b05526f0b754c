import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroundTruthCall, RunningSimulator, SimTenantCredentials } from '../../src/simulator/index.js';
import { allPages, api, getToken, START, startTestSimulator } from './helpers.js';

// Zoom Phone in the simulator: missed and voicemail calls, recordings Zoom lists late, who owns a
// queue's or a receptionist's recording, the call element endpoint and the parties of each leg.
// Expectations come from the ground truth the control API returns for each added call.

let sim: RunningSimulator;
let t: SimTenantCredentials;
let token: string;
let users: { id: string; email: string; phone_extension: number | null }[];

const at = (minutesBeforeStart: number) => new Date(Date.parse(START) - minutesBeforeStart * 60_000).toISOString();
const WINDOW = '/phone/recordings?from=2026-03-09T00:00:00Z&to=2026-03-10T23:59:59Z&page_size=300';

beforeAll(async () => {
  sim = await startTestSimulator({ seed: 5, tenants: [{ users: 4, inactiveUsers: 0, meetingsPerDay: 0, days: 0, phoneCallsPerDay: 0 }] });
  t = sim.tenants[0]!;
  token = await getToken(t);
  users = (await sim.control.groundTruth(t.accountId)).users;
});
afterAll(async () => sim.close());

const listed = async (): Promise<{ id: string; call_id: string; duration: number; owner: { type: string }; accepted_by?: unknown; outgoing_by?: unknown }[]> =>
  (await allPages(t, token, WINDOW)).flatMap((p: { recordings: never[] }) => p.recordings);

describe('Zoom Phone calls', () => {
  it('lists missed and voicemail calls as not recorded, with their result, and never among recordings', async () => {
    const missed = await sim.control.addPhoneCall(t.accountId, { userId: users[0]!.id, result: 'no_answer', start_time: at(120), durationSeconds: 30 });
    const voicemail = await sim.control.addPhoneCall(t.accountId, { userId: users[1]!.id, result: 'voicemail', recorded: true, start_time: at(110), durationSeconds: 40 });
    for (const call of [missed, voicemail]) expect(call.legs.map((l) => [l.recording, l.answer_time])).toEqual([[null, null]]);
    expect(voicemail.legs[0]!.voicemail_id).toMatch(/^[0-9a-f]{32}$/);
    const history = (await allPages(t, token, '/phone/call_history?from=2026-03-09&to=2026-03-10&recording_status=non_recorded')).flatMap((p: { call_history: never[] }) => p.call_history) as { call_id: string; call_result: string }[];
    expect(history.find((c) => c.call_id === missed.call_id)?.call_result).toBe('no_answer');
    expect(history.find((c) => c.call_id === voicemail.call_id)?.call_result).toBe('voicemail');
    expect((await listed()).map((r) => r.call_id)).not.toEqual(expect.arrayContaining([missed.call_id]));
    expect((await sim.control.groundTruth(t.accountId)).notRecorded.calls).toEqual(expect.arrayContaining([missed.call_id, voicemail.call_id]));
  });

  it('lists a recording only once Zoom has it ready, with the duration the ground truth gives', async () => {
    const call = await sim.control.addPhoneCall(t.accountId, { userId: users[0]!.id, legs: 1, start_time: at(20), durationSeconds: 300, recordingDelayMinutes: 30 });
    const rec = call.legs[0]!.recording!;
    expect(Date.parse(rec.ready_at)).toBe(Date.parse(call.legs[0]!.end_time) + 30 * 60_000);
    expect((await listed()).map((r) => r.id)).not.toContain(rec.id);
    // Zoom's answer for a phone recording it does not have: 400 with code 404.
    const early = await api(t, token, `/phone/recording/download/${rec.id}`);
    expect([early.status, early.body.code]).toEqual([400, 404]);
    await sim.control.setClock(rec.ready_at);
    const row = (await listed()).find((r) => r.id === rec.id);
    expect(row?.duration).toBe(rec.duration);
    const ready = await fetch(`${t.apiBaseUrl}/phone/recording/download/${rec.id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(ready.status).toBe(200);
    expect(createHash('sha256').update(Buffer.from(await ready.arrayBuffer())).digest('hex')).toBe(rec.file.sha256);
    await sim.control.setClock(START);
  });

  it('a transfer to chosen users has a recording per leg; a queue names its agent, a receptionist nobody', async () => {
    const transfer = await sim.control.addPhoneCall(t.accountId, { userId: users[0]!.id, legOwners: [users[2]!.id], direction: 'inbound', start_time: at(100), durationSeconds: 200 });
    expect(transfer.legs.map((l) => [l.owner_user_id, l.recording?.owner_id])).toEqual([[users[0]!.id, users[0]!.id], [users[2]!.id, users[2]!.id]]);
    const queueIn = await sim.control.addPhoneCall(t.accountId, { userId: users[1]!.id, recordingOwner: 'callQueue', direction: 'inbound', legs: 1, start_time: at(90) });
    const queueOut = await sim.control.addPhoneCall(t.accountId, { userId: users[1]!.id, recordingOwner: 'callQueue', direction: 'outbound', legs: 1, start_time: at(80) });
    const receptionist = await sim.control.addPhoneCall(t.accountId, { userId: users[3]!.id, recordingOwner: 'autoReceptionist', direction: 'inbound', legs: 1, start_time: at(70) });
    const rows = await listed();
    const row = (call: GroundTruthCall) => rows.find((r) => r.id === call.legs[0]!.recording!.id)!;
    const agent = { name: expect.any(String), extension_number: String(users[1]!.phone_extension) };
    expect(row(queueIn)).toMatchObject({ owner: { type: 'callQueue' }, accepted_by: agent });
    expect(row(queueIn).outgoing_by).toBeUndefined();
    expect(row(queueOut)).toMatchObject({ owner: { type: 'callQueue' }, outgoing_by: agent });
    expect(row(receptionist).owner.type).toBe('autoReceptionist');
    expect([row(receptionist).accepted_by, row(receptionist).outgoing_by]).toEqual([undefined, undefined]);
    expect(queueIn.legs[0]!.recording!.accepted_by).toEqual(row(queueIn).accepted_by);
  });

  it('the call element and the call path name who took each leg: the callee inbound, the caller on an outbound call\'s first leg', async () => {
    const inbound = await sim.control.addPhoneCall(t.accountId, { userId: users[0]!.id, legOwners: [users[2]!.id], direction: 'inbound', start_time: at(60), durationSeconds: 100 });
    const outbound = await sim.control.addPhoneCall(t.accountId, { userId: users[1]!.id, direction: 'outbound', legs: 1, start_time: at(50), durationSeconds: 100 });
    const second = inbound.legs[1]!;
    const element = await api(t, token, `/phone/call_element/${second.call_element_id}`);
    expect(element.status).toBe(200);
    expect(element.body).toMatchObject({
      call_element_id: second.call_element_id, call_history_uuid: inbound.call_history_uuid, call_id: inbound.call_id, recording_id: second.recording!.id,
      callee_ext_id: second.owner_user_id, callee_email: second.owner_email, caller_name: inbound.caller.name,
    });
    const path = (await api(t, token, `/phone/call_history/${outbound.call_history_uuid}`)).body.call_path as Record<string, unknown>[];
    expect(path[0]).toMatchObject({ caller_ext_id: users[1]!.id, caller_email: users[1]!.email, callee_name: outbound.callee.name });
    expect((await api(t, token, '/phone/call_element/20260310-unknown')).status).toBe(404);
  });
});
