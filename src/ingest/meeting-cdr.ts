import type { ConversationParticipant, ConversationType } from '../db/schema/conversations.js';
import type { ConversationInput } from '../db/queries/conversations.js';
import type { MeetingRef } from './types.js';

/** A configured user who took part in a meeting, with their own join and leave where Zoom gave them. */
export interface MeetingRecordedUser {
  zoomUserId: string;
  name: string;
  conversationType: ConversationType;
  /** ISO 8601; absent when Zoom gave no participant rows for the user (the host of an old meeting). */
  joinedAt?: string;
  leftAt?: string;
}

export interface MeetingCdrInput {
  meeting: MeetingRef;
  user: MeetingRecordedUser;
  participants: ConversationParticipant[];
  /** Length of the archived media (the longest recording), in seconds. */
  mediaLengthSeconds: number | null;
  /** Hostname of the worker that writes the record. */
  location: string;
}

/** What a CDR names as the other side when Zoom tells nothing of a meeting hosted outside the account. */
const EXTERNAL_MEETING_INFO = 'meeting hosted outside the account (Zoom gives no topic or host)';

/** The conversation record of one recorded user in one meeting (DESIGN "CDR fields", meetings). */
export function buildMeetingCdr({ meeting, user, participants, mediaLengthSeconds, location }: MeetingCdrInput): ConversationInput {
  const meetingStart = new Date(meeting.startTime);
  const startedAt = user.joinedAt ? new Date(user.joinedAt) : meetingStart;
  const endedAt = user.leftAt
    ? new Date(user.leftAt)
    : new Date(meetingStart.getTime() + meeting.durationMinutes * 60_000);
  return {
    sourcePlatform: 'Zoom Meeting',
    platformCallId: meeting.uuid,
    zoomMeetingId: meeting.meetingNumber,
    recordedUserZoomId: user.zoomUserId,
    recordedUserName: user.name,
    startedAt,
    endedAt,
    durationSeconds: Math.max(0, Math.round((endedAt.getTime() - startedAt.getTime()) / 1000)),
    from: user.zoomUserId,
    fromInfo: user.name,
    to: 'Conference',
    // Zoom quirk: a meeting hosted outside the account comes without topic or host (privacy rules).
    toInfo: meeting.topic || (meeting.hostId ? '' : EXTERNAL_MEETING_INFO),
    direction: 'conference',
    userDirection: 'outgoing',
    conversationType: user.conversationType,
    recordingFailed: false,
    mediaLengthSeconds,
    participants,
    recordType: 'standard',
    location,
  };
}

export interface ParticipantRow {
  /** Zoom user id of a participant of the same account. */
  id?: string;
  name?: string;
  user_email?: string;
  join_time?: string;
  leave_time?: string;
}

/**
 * Folds Zoom's participant rows (one per join: a rejoin is a new row) into one entry per person,
 * from the first join to the last leave.
 */
export function foldParticipants(rows: readonly ParticipantRow[]): ConversationParticipant[] {
  const byPerson = new Map<string, ConversationParticipant>();
  for (const row of rows) {
    const key = row.id || row.user_email || row.name || 'unknown';
    const seen = byPerson.get(key);
    if (!seen) {
      byPerson.set(key, {
        name: row.name ?? '',
        ...(row.id ? { zoomUserId: row.id } : {}),
        ...(row.user_email ? { email: row.user_email } : {}),
        ...(row.join_time ? { joinedAt: row.join_time } : {}),
        ...(row.leave_time ? { leftAt: row.leave_time } : {}),
      });
      continue;
    }
    if (row.join_time && (!seen.joinedAt || row.join_time < seen.joinedAt)) seen.joinedAt = row.join_time;
    if (row.leave_time && (!seen.leftAt || row.leave_time > seen.leftAt)) seen.leftAt = row.leave_time;
  }
  return [...byPerson.values()];
}
