import { and, eq, sql } from 'drizzle-orm';
import type { MeetingRecordedUser } from '../../ingest/meeting-cdr.js';
import type { Database } from '../client.js';
import type { ConversationParticipant } from '../schema/conversations.js';
import { meetingPeople } from '../schema/meeting-people.js';
import { forTenant } from './upsert.js';

export interface MeetingPeople {
  recordedUsers: MeetingRecordedUser[];
  participants: ConversationParticipant[];
}

/** Keeps the latest answer: a later ingest of the meeting (a late file) asks Zoom again. */
export async function saveMeetingPeople(db: Database, tenantId: string, meetingUuid: string, people: MeetingPeople): Promise<void> {
  await forTenant(
    tenantId,
    db.insert(meetingPeople).values({ tenantId, meetingUuid, ...people })
      .onConflictDoUpdate({
        target: [meetingPeople.tenantId, meetingPeople.meetingUuid],
        set: { recordedUsers: sql`excluded.recorded_users`, participants: sql`excluded.participants`, updatedAt: sql`now()` },
      }),
  );
}

export async function getMeetingPeople(db: Database, tenantId: string, meetingUuid: string): Promise<MeetingPeople | undefined> {
  const [row] = await db
    .select({ recordedUsers: meetingPeople.recordedUsers, participants: meetingPeople.participants })
    .from(meetingPeople)
    .where(and(eq(meetingPeople.tenantId, tenantId), eq(meetingPeople.meetingUuid, meetingUuid)));
  return row;
}
