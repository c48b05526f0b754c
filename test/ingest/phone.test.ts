import { describe, expect, it } from 'vitest';
import type { RecordedUser } from '../../src/db/queries/recorded-users.js';
import { buildPhoneCdr, callParticipants, formatMediaLength, systemDirection, type CallParties, type PhoneCallFacts } from '../../src/ingest/phone-cdr.js';
import { attributeRecording, CallCollector, RecordedUserMatcher } from '../../src/ingest/phone-recordings.js';
import type { PhoneRecording } from '../../src/zoom/index.js';

// Unit tests of the pure phone rules: whose a recording is, and what a phone CDR says. The
// expected values are worked out by hand from the rules in docs/operations.md and DESIGN.

const user = (id: string, extension: string | null, email = `${id}@example.com`): RecordedUser => ({
  id: `row-${id}`, tenantId: 't', zoomUserId: id, email, name: `User ${id}`, phoneExtension: extension, modality: 'voice',
  individualAudio: false, enabled: true, createdAt: new Date(0), updatedAt: new Date(0),
});

const recording = (over: Partial<PhoneRecording>): PhoneRecording => ({
  id: 'rec1', call_id: 'call1', direction: 'inbound', date_time: '2026-03-02T10:00:02Z', end_time: '2026-03-02T10:05:00Z', duration: 298,
  download_url: 'https://zoom.us/v2/phone/recording/download/rec1', caller_number: '+14155550100', caller_number_type: 2, caller_name: 'Ann Caller',
  callee_number: '1001', callee_number_type: 1, callee_name: 'User a', owner: { type: 'user', id: 'a', name: 'User a', extension_number: 1001 }, ...over,
});

describe('whose a phone recording is', () => {
  const users = new RecordedUserMatcher([user('a', '1001'), user('b', '1002')]);

  it('a user-owned recording is its owner\'s, by Zoom user id or by extension', () => {
    expect(attributeRecording(recording({}), users)).toEqual({ kind: 'user', zoomUserId: 'a' });
    expect(attributeRecording(recording({ owner: { type: 'user', id: 'unknown-id', extension_number: 1002 } }), users)).toEqual({ kind: 'user', zoomUserId: 'b' });
    expect(attributeRecording(recording({ owner: { type: 'user', id: 'z', extension_number: 1999 } }), users)).toEqual({ kind: 'not_configured' });
  });

  it('a call-queue recording is the answering agent\'s (accepted_by) or the placing agent\'s (outgoing_by)', () => {
    const queue = { type: 'callQueue', id: 'q', name: 'Support Queue', extension_number: 800 };
    expect(attributeRecording(recording({ owner: queue, accepted_by: { name: 'User b', extension_number: '1002' } }), users)).toEqual({ kind: 'user', zoomUserId: 'b' });
    expect(attributeRecording(recording({ owner: queue, outgoing_by: { name: 'User a', extension_number: '1001' } }), users)).toEqual({ kind: 'user', zoomUserId: 'a' });
    expect(attributeRecording(recording({ owner: queue, accepted_by: { name: 'Other', extension_number: '1500' } }), users)).toEqual({ kind: 'not_configured' });
  });

  it('a recording with nobody named, or a queue agent when some user has no extension, waits for the call\'s legs', () => {
    const receptionist = { type: 'autoReceptionist', id: 'ar', name: 'Main', extension_number: 900 };
    expect(attributeRecording(recording({ owner: receptionist }), users)).toEqual({ kind: 'via_legs' });
    const withoutExtension = new RecordedUserMatcher([user('a', '1001'), user('c', null)]);
    expect(attributeRecording(recording({ owner: { type: 'callQueue', id: 'q' }, accepted_by: { name: 'Someone', extension_number: '1500' } }), withoutExtension)).toEqual({ kind: 'via_legs' });
  });

  it('groups recordings by call id, keeps the earliest start and counts what nobody configured owns', () => {
    const collector = new CallCollector('acme', users);
    collector.add(recording({ id: 'r2', date_time: '2026-03-02T10:06:00Z', owner: { type: 'user', id: 'b', extension_number: 1002 } }));
    collector.add(recording({ id: 'r1' }));
    collector.add(recording({ id: 'r3', call_id: 'call2', owner: { type: 'user', id: 'nobody' } }));
    const calls = collector.take();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.call.startTime.toISOString()).toBe('2026-03-02T10:00:02.000Z');
    expect(calls[0]!.recordings.map((r) => [r.recordingId, r.recordedUserId])).toEqual([['r2', 'b'], ['r1', 'a']]);
    expect(calls[0]!.files.map((f) => f.storageKey)).toEqual(['acme/phone/2026/03/02/call1/r2.mp3', 'acme/phone/2026/03/02/call1/r1.mp3']);
    expect(collector.skipped).toBe(1);
  });
});

const call = (over: Partial<PhoneCallFacts> = {}): PhoneCallFacts => ({
  callId: 'call1', zoomDirection: 'inbound', callerNumber: '+14155550100', callerNumberType: 2, callerName: 'Ann Caller',
  calleeNumber: '1001', calleeNumberType: 1, calleeName: 'User a', ...over,
});

describe('phone CDR', () => {
  it('direction from the system\'s view: extensions and the tenant\'s patterns are internal', () => {
    expect(systemDirection(call(), [])).toBe('inbound');
    expect(systemDirection(call({ callerNumber: '1001', callerNumberType: 1, calleeNumber: '+14155550100', calleeNumberType: 2, zoomDirection: 'outbound' }), [])).toBe('outbound');
    expect(systemDirection(call({ callerNumber: '1002', callerNumberType: 1 }), [])).toBe('internal');
    // A colleague's direct number is internal by the tenant's pattern.
    expect(systemDirection(call({ callerNumber: '+15550001234' }), ['^\\+1555'])).toBe('internal');
    // Neither end known as ours: Zoom's own direction.
    expect(systemDirection(call({ calleeNumber: '+16505550000', calleeNumberType: 2, zoomDirection: 'outbound' }), [])).toBe('outbound');
  });

  it('media length is hhh:mm:ss', () => {
    expect(formatMediaLength(0)).toBe('000:00:00');
    expect(formatMediaLength(3725)).toBe('001:02:05');
    expect(formatMediaLength(360_000 + 59)).toBe('100:00:59');
  });

  const transfer: CallParties = {
    startedAt: '2026-03-02T10:00:00Z', endedAt: '2026-03-02T10:10:00Z',
    legs: [
      { recordingId: 'r1', startedAt: '2026-03-02T10:00:00Z', endedAt: '2026-03-02T10:05:00Z', caller: { name: 'Ann Caller', number: '+14155550100' }, callee: { name: 'User a', number: '1001', extension: '1001', zoomUserId: 'a' } },
      { recordingId: 'r2', startedAt: '2026-03-02T10:05:00Z', endedAt: '2026-03-02T10:10:00Z', caller: { name: 'Ann Caller', number: '+14155550100' }, callee: { name: 'User b', number: '1002', extension: '1002', zoomUserId: 'b', email: 'b@example.com' } },
    ],
  };

  it('each recorded user of a transferred call gets their own legs\' times, every party across the legs, and incoming as their view', () => {
    const recs = [{ startedAt: new Date('2026-03-02T10:05:02Z'), endedAt: new Date('2026-03-02T10:10:00Z'), durationSeconds: 298 }];
    const cdr = buildPhoneCdr({ call: call(), parties: transfer, user: { zoomUserId: 'b', name: 'User b', email: 'b@example.com', extension: '1002' }, recordings: recs, internalNumberPatterns: [], location: 'w1' });
    expect(cdr).toMatchObject({
      sourcePlatform: 'Zoom Phone', platformCallId: 'call1', recordedUserZoomId: 'b', recordedUserName: 'User b', recordedUserExtension: '1002',
      startedAt: new Date('2026-03-02T10:05:00Z'), endedAt: new Date('2026-03-02T10:10:00Z'), durationSeconds: 300,
      from: '+14155550100', fromInfo: 'Ann Caller', to: '1001', toInfo: 'User a',
      direction: 'inbound', userDirection: 'incoming', conversationType: 'voice', mediaLengthSeconds: 298, recordType: 'standard', location: 'w1',
    });
    expect(cdr.participants!.map((p) => p.name)).toEqual(['Ann Caller', 'User a', 'User b']);
  });

  it('without the call\'s path, the user\'s recordings give the times; the caller is outgoing', () => {
    const recs = [{ startedAt: new Date('2026-03-02T09:00:00Z'), endedAt: new Date('2026-03-02T09:01:40Z'), durationSeconds: 100 }];
    const cdr = buildPhoneCdr({
      call: call({ callerNumber: '1001', callerNumberType: 1, callerName: 'User a', calleeNumber: '+14155550100', calleeNumberType: 2, calleeName: 'Ann', zoomDirection: 'outbound' }),
      parties: null, user: { zoomUserId: 'a', name: 'User a', email: 'a@example.com', extension: '1001' }, recordings: recs, internalNumberPatterns: [], location: 'w1',
    });
    expect(cdr).toMatchObject({ startedAt: recs[0]!.startedAt, endedAt: recs[0]!.endedAt, durationSeconds: 100, direction: 'outbound', userDirection: 'outgoing' });
    expect(callParticipants(call(), null).map((p) => p.phoneNumber)).toEqual(['+14155550100', '1001']);
  });
});
