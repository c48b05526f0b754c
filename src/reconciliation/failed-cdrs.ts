import type { ConversationInput } from '../db/queries/conversations.js';
import type { ConversationParticipant } from '../db/schema/conversations.js';
import { buildMeetingCdr, type MeetingRecordedUser } from '../ingest/meeting-cdr.js';
import { buildPhoneCdr, partyOf, type CallParties, type PhoneCallFacts, type PhoneRecordedUser } from '../ingest/phone-cdr.js';
import type { MeetingRef } from '../ingest/types.js';
import type { CallHistory } from '../zoom/index.js';

// The `recording_failed` CDRs reconciliation writes for a meeting or call that should have a
// recording and has none: the same fields as an archived one (DESIGN "CDR fields"), with the
// failure flag and its reason, and no media.

export const REASONS = {
  meetingNotRecorded: 'not recorded: Zoom holds no recording of this meeting',
  meetingRecordingLost: 'recording failed: Zoom\'s logs say the meeting was recorded, but Zoom holds no recording of it (failed or deleted)',
  callNotRecorded: 'not recorded: the call connected, but Zoom holds no recording of it',
  callRecordingLost: 'recording failed: Zoom marks the call as recorded, but lists no recording of it (failed or deleted)',
} as const;

export function failedMeetingCdr(input: { meeting: MeetingRef; user: MeetingRecordedUser; participants: ConversationParticipant[]; reason: string; location: string }): ConversationInput {
  return {
    ...buildMeetingCdr({ meeting: input.meeting, user: input.user, participants: input.participants, mediaLengthSeconds: null, location: input.location }),
    recordingFailed: true,
    recordingFailedReason: input.reason,
  };
}

/** The call as a listed call's facts; an end with an extension is one of the account's. */
export function callFactsOf(call: CallHistory): PhoneCallFacts {
  const caller = partyOf(call, 'caller');
  const callee = partyOf(call, 'callee');
  return {
    callId: call.call_id,
    zoomDirection: call.direction,
    callerNumber: caller.number ?? '',
    callerNumberType: caller.extension ? 1 : null,
    callerName: caller.name || null,
    calleeNumber: callee.number ?? '',
    calleeNumberType: callee.extension ? 1 : null,
    calleeName: callee.name || null,
  };
}

export function failedCallCdr(input: {
  call: CallHistory;
  parties: CallParties;
  user: PhoneRecordedUser;
  reason: string;
  internalNumberPatterns: readonly string[];
  location: string;
}): ConversationInput {
  const cdr = buildPhoneCdr({
    call: callFactsOf(input.call),
    parties: input.parties,
    user: input.user,
    recordings: [],
    internalNumberPatterns: input.internalNumberPatterns,
    location: input.location,
  });
  return { ...cdr, recordingFailed: true, recordingFailedReason: input.reason, mediaLengthSeconds: null };
}
