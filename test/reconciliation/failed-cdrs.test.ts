import { describe, expect, it } from 'vitest';
import type { MeetingRef } from '../../src/ingest/types.js';
import { callFactsOf, failedCallCdr, failedMeetingCdr, REASONS } from '../../src/reconciliation/failed-cdrs.js';
import type { CallHistory } from '../../src/zoom/index.js';

// The recording_failed CDRs reconciliation writes (unit): an archived CDR's fields, flagged failed,
// with the reason and no media; and the call's ends as Zoom's call history names them.
// Expectations written out by hand.

const meeting: MeetingRef = {
  uuid: 'u1==', meetingNumber: '81234567890', topic: 'Weekly', hostId: 'host-1', startTime: '2026-03-02T10:00:00.000Z', durationMinutes: 30,
};

const call = (fields: Partial<CallHistory> = {}): CallHistory => ({
  call_history_uuid: 'h1', call_id: 'call1', direction: 'outbound', start_time: '2026-03-02T10:00:00Z', end_time: '2026-03-02T10:02:00Z', duration: 120,
  caller_ext_number: '1001', caller_name: 'Ada Agent', caller_did_number: '+15550001', caller_ext_id: 'zu-ada', caller_email: 'ada@example.com',
  callee_did_number: '+14155550199', callee_name: '',
  ...fields,
});

describe('the ends of a call from its history row (callFactsOf)', () => {
  it('an end with an extension is the account\'s (type 1, the extension as its number); an outside end has its number, no type, and no name when Zoom gives none', () => {
    expect(callFactsOf(call())).toEqual({
      callId: 'call1', zoomDirection: 'outbound',
      callerNumber: '1001', callerNumberType: 1, callerName: 'Ada Agent',
      calleeNumber: '+14155550199', calleeNumberType: null, calleeName: null,
    });
  });

  it('an end Zoom names nothing of is an empty number', () => {
    const bare = call({
      caller_ext_number: undefined, caller_did_number: undefined, caller_name: undefined, caller_ext_id: undefined, caller_email: undefined,
      callee_did_number: undefined,
    });
    expect(callFactsOf(bare)).toMatchObject({ callerNumber: '', callerNumberType: null, callerName: null, calleeNumber: '', calleeNumberType: null });
  });
});

describe('a recording_failed CDR', () => {
  it('of a meeting: the meeting\'s CDR for that user, failed, with the reason', () => {
    const cdr = failedMeetingCdr({ meeting, user: { zoomUserId: 'zu-ann', name: 'Ann Lee', conversationType: 'voice' }, participants: [], reason: REASONS.meetingNotRecorded, location: 'w1' });
    expect(cdr).toMatchObject({
      sourcePlatform: 'Zoom Meeting', platformCallId: 'u1==', recordedUserZoomId: 'zu-ann', toInfo: 'Weekly',
      recordingFailed: true, recordingFailedReason: 'not recorded: Zoom holds no recording of this meeting', mediaLengthSeconds: null,
    });
  });

  it('of a call: the call\'s CDR for that user, failed, with the reason and no media length', () => {
    const cdr = failedCallCdr({
      call: call(), parties: { startedAt: '2026-03-02T10:00:00Z', endedAt: '2026-03-02T10:02:00Z', legs: [] },
      user: { zoomUserId: 'zu-ada', name: 'Ada Agent', email: 'ada@example.com', extension: '1001' },
      reason: REASONS.callRecordingLost, internalNumberPatterns: [], location: 'w1',
    });
    expect(cdr).toMatchObject({
      sourcePlatform: 'Zoom Phone', platformCallId: 'call1', recordedUserZoomId: 'zu-ada', from: '1001', to: '+14155550199',
      startedAt: new Date('2026-03-02T10:00:00Z'), endedAt: new Date('2026-03-02T10:02:00Z'),
      recordingFailed: true, recordingFailedReason: 'recording failed: Zoom marks the call as recorded, but lists no recording of it (failed or deleted)',
      mediaLengthSeconds: null,
    });
  });

  it('says why in the words support reads', () => {
    expect(REASONS).toEqual({
      meetingNotRecorded: 'not recorded: Zoom holds no recording of this meeting',
      meetingRecordingLost: 'recording failed: Zoom\'s logs say the meeting was recorded, but Zoom holds no recording of it (failed or deleted)',
      callNotRecorded: 'not recorded: the call connected, but Zoom holds no recording of it',
      callRecordingLost: 'recording failed: Zoom marks the call as recorded, but lists no recording of it (failed or deleted)',
    });
  });
});
