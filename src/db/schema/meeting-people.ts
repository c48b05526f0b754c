import { jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import type { MeetingRecordedUser } from '../../ingest/meeting-cdr.js';
import { lifecycleDates } from './columns.js';
import type { ConversationParticipant } from './conversations.js';
import { tenantColumn } from './tenants.js';

// Who took part in a meeting and which configured users are recorded in it, as prepareMeeting
// worked it out from Zoom's one participants call; writeMeetingCdrs reads it from here, so a
// webinar's thousands of participants never travel through a workflow history.
export const meetingPeople = pgTable(
  'meeting_people',
  {
    tenantId: tenantColumn(),
    meetingUuid: text('meeting_uuid').notNull(),
    recordedUsers: jsonb('recorded_users').$type<MeetingRecordedUser[]>().notNull(),
    participants: jsonb('participants').$type<ConversationParticipant[]>().notNull(),
    ...lifecycleDates,
  },
  (t) => [primaryKey({ name: 'meeting_people_pk', columns: [t.tenantId, t.meetingUuid] })],
);
