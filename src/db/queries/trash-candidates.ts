import { and, eq, exists, inArray, isNull, lt, notExists, notLike, sql, type SQL } from 'drizzle-orm';
import type { MeetingSource } from '../../ingest/types.js';
import type { Database } from '../client.js';
import { DERIVED_FILE_ID_PREFIX, listedMeetings, mediaFiles, recordedUsers } from '../schema/index.js';
import type { MediaFile } from './media-files.js';

// Delete-after-archive's candidates: meetings whose Zoom copy may go to the trash because every
// file we need is verified here. Kept apart so the rule reads in one place.

export interface TrashCandidate {
  uuid: string;
  /** The meeting's verified files to move to Zoom's trash (none trashed yet). */
  files: MediaFile[];
}

/**
 * Meetings of `source` that a configured, enabled user hosted, that ended before `endedBefore`
 * (the grace period for late files), with no file still pending or failed, and with verified files
 * Zoom still has that can be trashed, oldest first, at most `limit`. Cloud recordings go file by
 * file, so files we gave an id to (Zoom lists CC and TIMELINE without one) cannot be addressed; the
 * compliance archive goes whole, so only when no file of it is skipped. A meeting with nothing
 * left to trash is never a candidate again, so it cannot crowd out newer ones.
 */
export async function listTrashCandidates(
  db: Database,
  tenantId: string,
  source: MeetingSource,
  options: { endedBefore: Date; limit: number },
): Promise<TrashCandidate[]> {
  const fileOfMeeting = (condition: SQL | undefined) => db.select({ one: sql`1` }).from(mediaFiles).where(and(
    eq(mediaFiles.tenantId, listedMeetings.tenantId), eq(mediaFiles.platformCallId, listedMeetings.uuid), condition,
  ));
  const trashable = and(
    eq(mediaFiles.state, 'stored'),
    isNull(mediaFiles.trashedInZoomAt),
    source === 'archiving' ? undefined : notLike(mediaFiles.zoomFileId, `${DERIVED_FILE_ID_PREFIX}%`),
  );
  const meetings = await db
    .select({ uuid: listedMeetings.uuid })
    .from(listedMeetings)
    .innerJoin(recordedUsers, and(eq(recordedUsers.tenantId, listedMeetings.tenantId), eq(recordedUsers.zoomUserId, listedMeetings.hostId), eq(recordedUsers.enabled, true)))
    .where(and(
      eq(listedMeetings.tenantId, tenantId),
      eq(listedMeetings.source, source),
      lt(sql`${listedMeetings.startTime} + make_interval(mins => ${listedMeetings.durationMinutes})`, sql`${options.endedBefore.toISOString()}::timestamptz`),
      notExists(fileOfMeeting(eq(mediaFiles.state, 'pending'))),
      notExists(fileOfMeeting(eq(mediaFiles.state, 'failed'))),
      source === 'archiving' ? notExists(fileOfMeeting(eq(mediaFiles.state, 'skipped'))) : undefined,
      exists(fileOfMeeting(trashable)),
    ))
    .orderBy(listedMeetings.startTime)
    .limit(options.limit);
  if (meetings.length === 0) return [];
  const files = await db
    .select()
    .from(mediaFiles)
    .where(and(eq(mediaFiles.tenantId, tenantId), inArray(mediaFiles.platformCallId, meetings.map((m) => m.uuid)), trashable));
  return meetings.map(({ uuid }) => ({ uuid, files: files.filter((f) => f.platformCallId === uuid) }));
}

export async function markTrashedInZoom(db: Database, tenantId: string, zoomFileIds: readonly string[]): Promise<void> {
  if (zoomFileIds.length === 0) return;
  await db
    .update(mediaFiles)
    .set({ trashedInZoomAt: new Date(), updatedAt: new Date() })
    .where(and(eq(mediaFiles.tenantId, tenantId), inArray(mediaFiles.zoomFileId, [...zoomFileIds]), eq(mediaFiles.state, 'stored'), isNull(mediaFiles.trashedInZoomAt)));
}
