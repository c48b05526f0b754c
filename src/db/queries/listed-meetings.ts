import { and, asc, between, eq, exists, gt, min, or, sql } from 'drizzle-orm';
import type { MeetingRef, MeetingSource } from '../../ingest/types.js';
import type { Database } from '../client.js';
import { listedMeetings, mediaFiles } from '../schema/index.js';
import { forTenant } from './upsert.js';

// The meetings a listing returned, kept so a sync pages through them with a cursor (workflow
// payloads stay small) and the watermark is worked out from what is still open.

/** Where a page of open meetings starts: after this (start time, uuid). */
export interface MeetingCursor {
  startTime: string;
  uuid: string;
}

const toRef = (row: typeof listedMeetings.$inferSelect): MeetingRef => ({
  uuid: row.uuid,
  meetingNumber: row.meetingNumber,
  topic: row.topic,
  hostId: row.hostId,
  startTime: row.startTime.toISOString(),
  durationMinutes: row.durationMinutes,
});

/** Rows per statement: well under PostgreSQL's bind-parameter limit. */
const MEETINGS_PER_STATEMENT = 2000;

export async function upsertListedMeetings(db: Database, tenantId: string, source: MeetingSource, meetings: readonly MeetingRef[]): Promise<void> {
  // One statement cannot update the same row twice: a meeting listed twice in the batch is written once.
  const unique = [...new Map(meetings.map((m) => [m.uuid, m])).values()];
  for (let i = 0; i < unique.length; i += MEETINGS_PER_STATEMENT) await insertListedMeetings(db, tenantId, source, unique.slice(i, i + MEETINGS_PER_STATEMENT));
}

async function insertListedMeetings(db: Database, tenantId: string, source: MeetingSource, meetings: readonly MeetingRef[]): Promise<void> {
  if (meetings.length === 0) return;
  await forTenant(
    tenantId,
    db
      .insert(listedMeetings)
      .values(meetings.map((m) => ({
        tenantId, source, uuid: m.uuid, meetingNumber: m.meetingNumber, topic: m.topic, hostId: m.hostId,
        startTime: new Date(m.startTime), durationMinutes: m.durationMinutes,
      })))
      .onConflictDoUpdate({
        target: [listedMeetings.tenantId, listedMeetings.source, listedMeetings.uuid],
        set: { topic: sql`excluded.topic`, durationMinutes: sql`excluded.duration_minutes`, lastListedAt: sql`now()`, updatedAt: sql`now()` },
      }),
  );
}

export async function getListedMeeting(db: Database, tenantId: string, uuid: string): Promise<(MeetingRef & { source: MeetingSource }) | undefined> {
  const [row] = await db.select().from(listedMeetings).where(and(eq(listedMeetings.tenantId, tenantId), eq(listedMeetings.uuid, uuid))).limit(1);
  return row ? { ...toRef(row), source: row.source as MeetingSource } : undefined;
}

/** A file of the meeting still waiting to be archived; `ready`: Zoom has finished processing it. */
const pendingFileOf = (db: Database, options: { ready: boolean }) => exists(
  db.select({ one: sql`1` }).from(mediaFiles).where(and(
    eq(mediaFiles.tenantId, listedMeetings.tenantId),
    eq(mediaFiles.platformCallId, listedMeetings.uuid),
    eq(mediaFiles.state, 'pending'),
    options.ready ? eq(mediaFiles.zoomStatus, 'completed') : undefined,
  )),
);

/**
 * One page of the meetings with a file ready to archive, oldest first, after `cursor`. Meetings
 * whose pending files Zoom is still processing wait for a listing that sees them completed.
 */
export async function listMeetingsToArchive(
  db: Database,
  tenantId: string,
  source: MeetingSource,
  options: { after?: MeetingCursor; limit: number },
): Promise<MeetingRef[]> {
  const after = options.after
    ? or(gt(listedMeetings.startTime, new Date(options.after.startTime)), and(eq(listedMeetings.startTime, new Date(options.after.startTime)), gt(listedMeetings.uuid, options.after.uuid)))
    : undefined;
  const rows = await db
    .select()
    .from(listedMeetings)
    .where(and(eq(listedMeetings.tenantId, tenantId), eq(listedMeetings.source, source), after, pendingFileOf(db, { ready: true })))
    .orderBy(asc(listedMeetings.startTime), asc(listedMeetings.uuid))
    .limit(options.limit);
  return rows.map(toRef);
}

/**
 * The start of the earliest meeting with a file not yet archived (in flight, or still processing
 * at Zoom): the watermark may not pass it. Stored, skipped and failed files do not hold it.
 */
export async function earliestOpenMeetingStart(db: Database, tenantId: string, source: MeetingSource): Promise<Date | null> {
  const [row] = await db
    .select({ start: min(listedMeetings.startTime) })
    .from(listedMeetings)
    .where(and(eq(listedMeetings.tenantId, tenantId), eq(listedMeetings.source, source), pendingFileOf(db, { ready: false })));
  return row?.start ?? null;
}

/** The meetings of a source listed with a start in [from, to]: a recovery's time frame, as items. */
export async function listedMeetingsBetween(db: Database, tenantId: string, source: MeetingSource, from: Date, to: Date): Promise<MeetingRef[]> {
  const rows = await db
    .select()
    .from(listedMeetings)
    .where(and(eq(listedMeetings.tenantId, tenantId), eq(listedMeetings.source, source), between(listedMeetings.startTime, from, to)))
    .orderBy(asc(listedMeetings.startTime), asc(listedMeetings.uuid));
  return rows.map(toRef);
}
