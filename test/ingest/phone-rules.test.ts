import { describe, expect, it } from 'vitest';
import type { RecordedUser } from '../../src/db/queries/recorded-users.js';
import {
  buildPhoneCdr, callParticipants, formatMediaLength, isInternalNumber, partiesFromCallPath, partyOf, systemDirection,
  type CallParties, type CallParty, type PhoneCallFacts, type PhoneRecordedUser,
} from '../../src/ingest/phone-cdr.js';
import { attributeRecording, CallCollector, callOf, RecordedUserMatcher, recordingFile, recordingOf } from '../../src/ingest/phone-recordings.js';
import type { CallHistoryDetail, PhoneRecording } from '../../src/zoom/index.js';

// Unit tests of the phone rules field by field (phone.test.ts tells the story of a call): the
// parties of a call's path, whose a recording is, the rows a recording becomes, and every field
// of a phone CDR. Expected values are written out by hand from docs/operations.md and DESIGN.

const user = (id: string, extension: string | null, email = `${id}@example.com`): RecordedUser => ({
  id: `row-${id}`, tenantId: 't', zoomUserId: id, email, name: `User ${id}`, phoneExtension: extension, modality: 'voice',
  individualAudio: false, enabled: true, createdAt: new Date(0), updatedAt: new Date(0),
});

/** A webhook-style recording: only what the schema requires, the rest per test. */
const bare = (over: Partial<PhoneRecording> = {}): PhoneRecording => ({
  id: 'rec1', call_id: 'call1', direction: 'outbound', date_time: '2026-03-02T10:00:00Z', duration: 61.6,
  download_url: 'https://zoom.us/v2/phone/recording/download/rec1', ...over,
});

describe('the parties of a call\'s path', () => {
  it('partyOf: the extension is the number when there is one, else the direct number; empty fields are absent', () => {
    expect(partyOf({ caller_name: 'Ann', caller_ext_number: '1001', caller_did_number: '+14155550101', caller_ext_id: 'zu-ann', caller_email: 'ann@example.com' }, 'caller'))
      .toStrictEqual({ name: 'Ann', number: '1001', extension: '1001', zoomUserId: 'zu-ann', email: 'ann@example.com' });
    expect(partyOf({ callee_name: 'Bob', callee_ext_number: '', callee_did_number: '+14155550102', callee_ext_id: '', callee_email: '' }, 'callee'))
      .toStrictEqual({ name: 'Bob', number: '+14155550102' });
    expect(partyOf({}, 'callee')).toStrictEqual({ name: '' });
    // Each side reads its own fields.
    expect(partyOf({ caller_name: 'Ann', callee_name: 'Bob' }, 'callee')).toStrictEqual({ name: 'Bob' });
  });

  it('partiesFromCallPath: the call\'s times and each leg\'s recording, times and two ends', () => {
    const detail = {
      call_history_uuid: 'h1', call_id: 'call1', direction: 'inbound', start_time: '2026-03-02T10:00:00Z', duration: 600,
      call_path: [
        { caller_name: 'Ext', caller_did_number: '+16505550000', callee_name: 'Ann', callee_ext_number: '1001', callee_ext_id: 'zu-ann', recording_id: 'r1', start_time: '2026-03-02T10:00:00Z', end_time: '2026-03-02T10:04:00Z' },
        { caller_name: 'Ext', callee_name: 'Queue', recording_id: '' },
      ],
    } as CallHistoryDetail;
    expect(partiesFromCallPath(detail)).toEqual({
      startedAt: '2026-03-02T10:00:00Z', endedAt: null,
      legs: [
        { recordingId: 'r1', startedAt: '2026-03-02T10:00:00Z', endedAt: '2026-03-02T10:04:00Z', caller: { name: 'Ext', number: '+16505550000' }, callee: { name: 'Ann', number: '1001', extension: '1001', zoomUserId: 'zu-ann' } },
        { recordingId: null, startedAt: null, endedAt: null, caller: { name: 'Ext' }, callee: { name: 'Queue' } },
      ],
    });
    expect(partiesFromCallPath({ ...detail, end_time: '2026-03-02T10:10:00Z', call_path: [] })).toEqual({ startedAt: '2026-03-02T10:00:00Z', endedAt: '2026-03-02T10:10:00Z', legs: [] });
  });

  it('isInternalNumber: Zoom\'s number type 1 or one of the tenant\'s patterns', () => {
    expect(isInternalNumber('+14155550100', 1, [])).toBe(true);
    expect(isInternalNumber('+14155550100', 2, [])).toBe(false);
    expect(isInternalNumber('+14155550100', null, ['^\\+1650', '^\\+1415'])).toBe(true);
    expect(isInternalNumber('+14155550100', null, ['^\\+1650'])).toBe(false);
  });

  it('systemDirection: neither end ours falls back to Zoom\'s direction, anything but outbound being inbound', () => {
    const outside = { callId: 'c', callerNumber: '+16505550000', callerNumberType: 2, callerName: null, calleeNumber: '+16505550001', calleeNumberType: 2, calleeName: null };
    expect(systemDirection({ ...outside, zoomDirection: 'inbound' }, [])).toBe('inbound');
    expect(systemDirection({ ...outside, zoomDirection: 'internal' }, [])).toBe('inbound');
    expect(systemDirection({ ...outside, zoomDirection: 'outbound' }, [])).toBe('outbound');
    expect(systemDirection({ ...outside, calleeNumberType: 1, zoomDirection: 'outbound' }, [])).toBe('inbound');
    expect(systemDirection({ ...outside, callerNumberType: 1, zoomDirection: 'inbound' }, [])).toBe('outbound');
  });

  it('formatMediaLength rounds to the second and never goes below zero', () => {
    expect(formatMediaLength(59.5)).toBe('000:01:00');
    expect(formatMediaLength(59.4)).toBe('000:00:59');
    expect(formatMediaLength(-5)).toBe('000:00:00');
    expect(formatMediaLength(36_000)).toBe('010:00:00');
  });
});

const call = (over: Partial<PhoneCallFacts> = {}): PhoneCallFacts => ({
  callId: 'call1', zoomDirection: 'inbound', callerNumber: '+14155550100', callerNumberType: 2, callerName: 'Ann Caller',
  calleeNumber: '1001', calleeNumberType: 1, calleeName: 'User a', ...over,
});

describe('a phone call\'s participants', () => {
  it('every party once, by Zoom id, else number, else name; what a later mention adds is kept', () => {
    const parties: CallParties = {
      startedAt: null, endedAt: null,
      legs: [
        { recordingId: null, startedAt: null, endedAt: null, caller: { name: '', number: '+14155550100' }, callee: { name: 'User a', number: '1001', extension: '1001', zoomUserId: 'a' } },
        { recordingId: null, startedAt: null, endedAt: null, caller: { name: 'Ann C.', number: '+14155550100', email: 'ann@caller.example' }, callee: { name: '', number: '1001', zoomUserId: 'a', email: 'a@example.com' } },
        { recordingId: null, startedAt: null, endedAt: null, caller: { name: '' }, callee: { name: 'Queue Music' } },
      ],
    };
    expect(callParticipants(call({ callerName: null }), parties)).toEqual([
      { name: 'Ann C.', phoneNumber: '+14155550100', email: 'ann@caller.example' },
      { name: 'User a', zoomUserId: 'a', phoneNumber: '1001', email: 'a@example.com' },
      { name: 'Queue Music' },
    ]);
  });

  it('the listed ends alone name the call\'s two sides (an unnamed side is "")', () => {
    expect(callParticipants(call(), null)).toStrictEqual([{ name: 'Ann Caller', phoneNumber: '+14155550100' }, { name: 'User a', phoneNumber: '1001' }]);
    expect(callParticipants(call({ callerName: null, calleeName: null }), null)).toStrictEqual([{ name: '', phoneNumber: '+14155550100' }, { name: '', phoneNumber: '1001' }]);
  });

  it('a party first seen by Zoom id keeps its id and email, apart from a party without a number seen before', () => {
    const parties: CallParties = {
      startedAt: null, endedAt: null,
      legs: [
        { recordingId: null, startedAt: null, endedAt: null, caller: { name: '' }, callee: { name: 'Queue Music' } },
        { recordingId: null, startedAt: null, endedAt: null, caller: { name: 'Ann Caller', number: '+14155550100' }, callee: { name: 'User b', zoomUserId: 'b', email: 'b@example.com' } },
      ],
    };
    expect(callParticipants(call(), parties)).toStrictEqual([
      { name: 'Ann Caller', phoneNumber: '+14155550100' },
      { name: 'User a', phoneNumber: '1001' },
      { name: 'Queue Music' },
      { name: 'User b', zoomUserId: 'b', email: 'b@example.com' },
    ]);
  });

  it('a name already known is not overwritten, nor an id or an email', () => {
    const parties: CallParties = {
      startedAt: null, endedAt: null,
      legs: [{ recordingId: null, startedAt: null, endedAt: null, caller: { name: 'Other name', number: '+14155550100', zoomUserId: 'x', email: 'x@example.com' }, callee: { name: 'User a', number: '1001' } }],
    };
    expect(callParticipants(call(), parties)).toEqual([
      { name: 'Ann Caller', phoneNumber: '+14155550100', zoomUserId: 'x', email: 'x@example.com' },
      { name: 'User a', phoneNumber: '1001' },
    ]);
    const second: CallParties = {
      startedAt: null, endedAt: null,
      legs: [
        { recordingId: null, startedAt: null, endedAt: null, caller: { name: 'Ann Caller', number: '+14155550100', zoomUserId: 'x', email: 'x@example.com' }, callee: { name: 'User a', number: '1001' } },
        { recordingId: null, startedAt: null, endedAt: null, caller: { name: 'Late', number: '+14155550100', zoomUserId: 'y', email: 'late@example.com' }, callee: { name: 'User a', number: '1001' } },
      ],
    };
    expect(callParticipants(call(), second)[0]).toEqual({ name: 'Ann Caller', phoneNumber: '+14155550100', zoomUserId: 'x', email: 'x@example.com' });
  });
});

describe('a phone CDR, field by field', () => {
  const b: PhoneRecordedUser = { zoomUserId: 'b', name: 'User b', email: 'B@Example.com', extension: '1002' };
  const leg = (start: string | null, end: string | null, callee: CallParty, caller: CallParty = { name: 'Ann Caller', number: '+14155550100' }) =>
    ({ recordingId: null, startedAt: start, endedAt: end, caller, callee });

  it('the whole record of a user who took one leg (recognised by email, any case)', () => {
    const parties: CallParties = {
      startedAt: '2026-03-02T10:00:00Z', endedAt: '2026-03-02T10:20:00Z',
      legs: [
        leg('2026-03-02T10:00:00Z', '2026-03-02T10:05:00Z', { name: 'User a', number: '1001', zoomUserId: 'a' }),
        leg('2026-03-02T10:12:00Z', '2026-03-02T10:20:00Z', { name: 'User b', email: 'b@example.com' }),
        leg('2026-03-02T10:05:00Z', '2026-03-02T10:12:00Z', { name: 'User b', email: 'b@example.com' }),
      ],
    };
    const recordings = [
      { startedAt: new Date('2026-03-02T10:05:01Z'), endedAt: new Date('2026-03-02T10:12:00Z'), durationSeconds: 419 },
      { startedAt: new Date('2026-03-02T10:12:01Z'), endedAt: new Date('2026-03-02T10:20:00Z'), durationSeconds: 479 },
    ];
    expect(buildPhoneCdr({ call: call(), parties, user: b, recordings, internalNumberPatterns: [], location: 'w1' })).toEqual({
      sourcePlatform: 'Zoom Phone', platformCallId: 'call1', recordedUserZoomId: 'b', recordedUserName: 'User b', recordedUserExtension: '1002',
      startedAt: new Date('2026-03-02T10:05:00Z'), endedAt: new Date('2026-03-02T10:20:00Z'), durationSeconds: 900,
      from: '+14155550100', fromInfo: 'Ann Caller', to: '1001', toInfo: 'User a',
      callerNumber: '+14155550100', callerName: 'Ann Caller', calleeNumber: '1001', calleeName: 'User a',
      direction: 'inbound', userDirection: 'incoming', conversationType: 'voice', recordingFailed: false, mediaLengthSeconds: 898,
      participants: [
        { name: 'Ann Caller', phoneNumber: '+14155550100' },
        { name: 'User a', zoomUserId: 'a', phoneNumber: '1001' },
        { name: 'User b', email: 'b@example.com' },
      ],
      recordType: 'standard', location: 'w1',
    });
  });

  it('a user recognised by extension, or by Zoom id, on the legs', () => {
    const byExtension: CallParties = { startedAt: null, endedAt: null, legs: [leg('2026-03-02T10:01:00Z', '2026-03-02T10:02:00Z', { name: 'x', extension: '1002' })] };
    const byId: CallParties = { startedAt: null, endedAt: null, legs: [leg('2026-03-02T10:03:00Z', '2026-03-02T10:04:00Z', { name: 'x', zoomUserId: 'b' })] };
    const cdrOf = (parties: CallParties) => buildPhoneCdr({ call: call(), parties, user: b, recordings: [], internalNumberPatterns: [], location: 'w' });
    expect([cdrOf(byExtension).startedAt, cdrOf(byExtension).durationSeconds]).toEqual([new Date('2026-03-02T10:01:00Z'), 60]);
    expect([cdrOf(byId).startedAt, cdrOf(byId).endedAt]).toEqual([new Date('2026-03-02T10:03:00Z'), new Date('2026-03-02T10:04:00Z')]);
  });

  it('a user on no leg: their recordings\' earliest start and latest end; without an end, no end and no duration', () => {
    const parties: CallParties = { startedAt: '2026-03-02T09:00:00Z', endedAt: '2026-03-02T11:00:00Z', legs: [leg('2026-03-02T09:00:00Z', '2026-03-02T11:00:00Z', { name: 'Other', zoomUserId: 'z', email: 'other@example.com' })] };
    // The earliest start and the latest end are both in the middle of the list.
    const recordings = [
      { startedAt: new Date('2026-03-02T10:30:00Z'), endedAt: new Date('2026-03-02T10:40:00Z'), durationSeconds: 600 },
      { startedAt: new Date('2026-03-02T10:10:00Z'), endedAt: new Date('2026-03-02T10:58:00Z'), durationSeconds: 600 },
      { startedAt: new Date('2026-03-02T10:50:00Z'), endedAt: new Date('2026-03-02T10:55:00Z'), durationSeconds: 300 },
    ];
    const cdr = buildPhoneCdr({ call: call(), parties, user: b, recordings, internalNumberPatterns: [], location: 'w' });
    expect([cdr.startedAt, cdr.endedAt, cdr.durationSeconds, cdr.mediaLengthSeconds]).toEqual([new Date('2026-03-02T10:10:00Z'), new Date('2026-03-02T10:58:00Z'), 2880, 1500]);
    const open = buildPhoneCdr({ call: call(), parties: null, user: b, recordings: [{ startedAt: new Date('2026-03-02T10:10:00Z'), endedAt: null, durationSeconds: 5 }], internalNumberPatterns: [], location: 'w' });
    expect([open.startedAt, open.endedAt, open.durationSeconds]).toEqual([new Date('2026-03-02T10:10:00Z'), null, null]);
  });

  it('a call found without any recording (reconciliation): the call\'s own start and end; legs without times give way to them', () => {
    const parties: CallParties = { startedAt: '2026-03-02T09:00:00Z', endedAt: '2026-03-02T09:30:00Z', legs: [leg(null, null, { name: 'User b', zoomUserId: 'b' })] };
    const cdr = buildPhoneCdr({ call: call(), parties, user: b, recordings: [], internalNumberPatterns: [], location: 'w' });
    expect([cdr.startedAt, cdr.endedAt, cdr.durationSeconds, cdr.mediaLengthSeconds]).toEqual([new Date('2026-03-02T09:00:00Z'), new Date('2026-03-02T09:30:00Z'), 1800, 0]);
  });

  it('duration: rounded to the second, never negative', () => {
    const parties: CallParties = { startedAt: null, endedAt: null, legs: [leg('2026-03-02T10:00:00.000Z', '2026-03-02T10:00:09.500Z', { name: 'b', zoomUserId: 'b' })] };
    expect(buildPhoneCdr({ call: call(), parties, user: b, recordings: [], internalNumberPatterns: [], location: 'w' }).durationSeconds).toBe(10);
    const backwards: CallParties = { startedAt: null, endedAt: null, legs: [leg('2026-03-02T10:00:10Z', '2026-03-02T10:00:00Z', { name: 'b', zoomUserId: 'b' })] };
    expect(buildPhoneCdr({ call: call(), parties: backwards, user: b, recordings: [], internalNumberPatterns: [], location: 'w' }).durationSeconds).toBe(0);
  });

  it('outgoing for the caller: by the listed caller number being their extension, or by the first leg\'s caller being them', () => {
    const direction = (c: PhoneCallFacts, parties: CallParties | null, u: PhoneRecordedUser = b) =>
      buildPhoneCdr({ call: c, parties, user: u, recordings: [{ startedAt: new Date('2026-03-02T10:00:00Z'), endedAt: null, durationSeconds: 1 }], internalNumberPatterns: [], location: 'w' }).userDirection;
    expect(direction(call({ callerNumber: '1002' }), null)).toBe('outgoing');
    expect(direction(call(), null)).toBe('incoming');
    const firstLegCaller: CallParties = { startedAt: null, endedAt: null, legs: [leg('2026-03-02T10:00:00Z', null, { name: 'Ann' }, { name: 'User b', zoomUserId: 'b' })] };
    expect(direction(call(), firstLegCaller)).toBe('outgoing');
    const laterLegCaller: CallParties = { startedAt: null, endedAt: null, legs: [leg('2026-03-02T10:00:00Z', null, { name: 'Ann' }), leg('2026-03-02T10:01:00Z', null, { name: 'Ann' }, { name: 'User b', zoomUserId: 'b' })] };
    expect(direction(call(), laterLegCaller)).toBe('incoming');
    // A user without an extension is never the caller by number, even when the caller has none either.
    expect(direction(call({ callerNumber: '' }), null, { ...b, extension: null })).toBe('incoming');
  });

  it('a party with no id, extension or email is nobody\'s leg', () => {
    const anonymous: CallParties = { startedAt: '2026-03-02T08:00:00Z', endedAt: null, legs: [leg('2026-03-02T10:00:00Z', '2026-03-02T10:01:00Z', { name: 'User b' })] };
    const cdr = buildPhoneCdr({ call: call(), parties: anonymous, user: { ...b, extension: null }, recordings: [], internalNumberPatterns: [], location: 'w' });
    expect([cdr.startedAt, cdr.endedAt]).toEqual([new Date('2026-03-02T08:00:00Z'), null]);
  });
});

describe('whose a recording is, field by field', () => {
  const users = new RecordedUserMatcher([user('a', '1001', 'Ann@Example.com'), user('b', '1002')]);

  it('the matcher finds a user by Zoom id, extension or email (any case), in that order', () => {
    expect(users.match({ zoomUserId: 'a' })?.zoomUserId).toBe('a');
    expect(users.match({ extension: '1002' })?.zoomUserId).toBe('b');
    expect(users.match({ email: 'ann@example.COM' })?.zoomUserId).toBe('a');
    expect(users.match({ zoomUserId: 'b', extension: '1001' })?.zoomUserId).toBe('b');
    expect(users.match({ zoomUserId: 'nobody', extension: '1001' })?.zoomUserId).toBe('a');
    expect(users.match({ extension: '9999', email: 'b@example.com' })?.zoomUserId).toBe('b');
    expect(users.match({})).toBeUndefined();
    expect(users.match({ zoomUserId: '', extension: '', email: '' })).toBeUndefined();
  });

  it('someWithoutExtension: worked out from the users unless the caller knows better', () => {
    expect(users.someWithoutExtension).toBe(false);
    expect(new RecordedUserMatcher([user('a', '1001'), user('c', null)]).someWithoutExtension).toBe(true);
    expect(new RecordedUserMatcher([user('c', '')]).someWithoutExtension).toBe(true);
    expect(new RecordedUserMatcher([user('a', '1001')], true).someWithoutExtension).toBe(true);
    expect(new RecordedUserMatcher([user('c', null)], false).someWithoutExtension).toBe(false);
    // A user without an extension is not found by an empty one.
    expect(new RecordedUserMatcher([user('c', '')]).match({ extension: '' })).toBeUndefined();
  });

  it('a webhook\'s recording names its user by user_id, without an owner', () => {
    expect(attributeRecording(bare({ user_id: 'b' }), users)).toEqual({ kind: 'user', zoomUserId: 'b' });
    expect(attributeRecording(bare({ user_id: 'nobody' }), users)).toEqual({ kind: 'not_configured' });
    expect(attributeRecording(bare({ owner: { type: 'user', id: '', extension_number: '' }, user_id: 'a' }), users)).toEqual({ kind: 'user', zoomUserId: 'a' });
  });

  it('a queue recording: the agent by extension only (a numeric extension too); an unknown agent with every user\'s extension known is nobody\'s', () => {
    const queue = { type: 'callQueue', id: 'a', name: 'Queue' };
    expect(attributeRecording(bare({ owner: queue, accepted_by: { extension_number: 1002 } }), users)).toEqual({ kind: 'user', zoomUserId: 'b' });
    // The queue's own id is no agent, even when it equals a user's id.
    expect(attributeRecording(bare({ owner: queue, accepted_by: { extension_number: 1500 } }), users)).toEqual({ kind: 'not_configured' });
    expect(attributeRecording(bare({ owner: queue, accepted_by: { name: 'no extension' } }), users)).toEqual({ kind: 'not_configured' });
    expect(attributeRecording(bare({ owner: queue }), users)).toEqual({ kind: 'via_legs' });
    expect(attributeRecording(bare({ owner: queue, accepted_by: { extension_number: 1001 }, outgoing_by: { extension_number: 1002 } }), users)).toEqual({ kind: 'user', zoomUserId: 'a' });
  });
});

describe('the rows a recording becomes', () => {
  it('callOf: a full row, numbers and names as listed', () => {
    expect(callOf(bare({
      call_history_id: 'h1', call_element_id: 'e1', caller_number: '1001', caller_number_type: 1, caller_name: 'User a',
      callee_number: '+14155550100', callee_number_type: 2, callee_name: 'Ann',
    }))).toEqual({
      callId: 'call1', callHistoryUuid: 'h1', callElementId: 'e1', zoomDirection: 'outbound', callerNumber: '1001', callerNumberType: 1, callerName: 'User a',
      calleeNumber: '+14155550100', calleeNumberType: 2, calleeName: 'Ann', startTime: new Date('2026-03-02T10:00:00Z'),
    });
  });

  it('callOf: what the webhook leaves out is empty or null, never ""', () => {
    expect(callOf(bare({ caller_name: '', call_history_id: '' }))).toEqual({
      callId: 'call1', callHistoryUuid: null, callElementId: null, zoomDirection: 'outbound', callerNumber: '', callerNumberType: null, callerName: null,
      calleeNumber: '', calleeNumberType: null, calleeName: null, startTime: new Date('2026-03-02T10:00:00Z'),
    });
  });

  it('recordingOf: owner, taker, times and the user it is archived for', () => {
    expect(recordingOf(bare({
      call_element_id: 'e1', end_time: '2026-03-02T10:01:02Z', owner: { type: 'callQueue', id: 'q1', name: 'Queue', extension_number: 800 },
      accepted_by: { name: 'User b', extension_number: 1002 },
    }), { kind: 'user', zoomUserId: 'b' })).toEqual({
      recordingId: 'rec1', callId: 'call1', callElementId: 'e1', ownerType: 'callQueue', ownerId: 'q1', ownerName: 'Queue', ownerExtension: '800',
      takerName: 'User b', takerExtension: '1002', startedAt: new Date('2026-03-02T10:00:00Z'), endedAt: new Date('2026-03-02T10:01:02Z'),
      durationSeconds: 62, recordedUserId: 'b',
    });
    expect(recordingOf(bare({ user_id: 'a', outgoing_by: { name: 'Out', extension_number: '1003' } }), { kind: 'via_legs' })).toEqual({
      recordingId: 'rec1', callId: 'call1', callElementId: null, ownerType: 'user', ownerId: 'a', ownerName: null, ownerExtension: null,
      takerName: 'Out', takerExtension: '1003', startedAt: new Date('2026-03-02T10:00:00Z'), endedAt: null, durationSeconds: 62, recordedUserId: null,
    });
    expect(recordingOf(bare(), { kind: 'not_configured' })).toMatchObject({ ownerId: null, takerName: null, takerExtension: null, recordedUserId: null });
  });

  it('recordingFile: an MP3 without a listed size, under the recording\'s own start', () => {
    expect(recordingFile('acme', bare({ recording_type: 'OnDemand', date_time: '2026-03-01T23:59:59Z' }))).toEqual({
      zoomFileId: 'rec1', fileType: 'MP3', fileExtension: 'MP3', recordingType: 'OnDemand', participantZoomUserId: null,
      recordingStartedAt: new Date('2026-03-01T23:59:59Z'), zoomSize: null, zoomStatus: 'completed', downloadUrl: 'https://zoom.us/v2/phone/recording/download/rec1',
      storageKey: 'acme/phone/2026/03/01/call1/rec1.mp3',
    });
    expect(recordingFile('acme', bare()).recordingType).toBeNull();
  });
});

describe('collecting a listing\'s recordings by call', () => {
  const users = new RecordedUserMatcher([user('a', '1001'), user('b', '1002')]);

  it('a call\'s row keeps the earliest start and fills what a later leg names; a recording listed twice is kept once', () => {
    const collector = new CallCollector('acme', users);
    collector.add(bare({ id: 'r1', user_id: 'a', date_time: '2026-03-02T10:05:00Z' }));
    collector.add(bare({ id: 'r2', user_id: 'b', date_time: '2026-03-02T10:01:00Z', call_history_id: 'h1', call_element_id: 'e2' }));
    collector.add(bare({ id: 'r3', user_id: 'b', date_time: '2026-03-02T10:09:00Z', call_history_id: 'h-other', call_element_id: 'e3' }));
    collector.add(bare({ id: 'r1', user_id: 'a', date_time: '2026-03-02T10:05:00Z' }));
    const [listed, ...rest] = collector.take();
    expect(rest).toEqual([]);
    expect(listed!.call).toMatchObject({ startTime: new Date('2026-03-02T10:01:00Z'), callHistoryUuid: 'h1', callElementId: 'e2' });
    expect(listed!.recordings.map((r) => r.recordingId)).toEqual(['r1', 'r2', 'r3']);
    expect(listed!.files.map((f) => f.zoomFileId)).toEqual(['r1', 'r2', 'r3']);
    expect([collector.skipped, collector.calls.size, collector.take()]).toEqual([0, 0, []]);
  });
});
