import { and, eq, inArray, isNull, lt, notExists, sql } from 'drizzle-orm';
import type { MeetingSource } from '../../ingest/types.js';
import type { Database } from '../client.js';
import { listedMeetings, mediaFiles, recordedUsers } from '../schema/index.js';
import type { MediaFile } from './media-files.js';

// Delete-after-archive's candidates: meetings whose Zoom copy may go to the trash because every
// file we need is verified here. Kept apart so the rule reads in one place.

export interface TrashCandidate {
  uuid: string;
  /** Verified files not yet trashed in Zoom. */
  stored: MediaFile[];
  /** Every file of the meeting is stored (none skipped): the whole archive may go. */
  everyFileStored: boolean;
}

/**
 * Meetings of `source` that a configured, enabled user hosted, that ended before `endedBefore`
 * (the grace period for late files), with no file still pending or failed, and with verified
 * files still in Zoom. Oldest first, at most `limit`.
 */
export async function listTrashCandidates(
  db: Database,
  tenantId: string,
  source: MeetingSource,
  options: { endedBefore: Date; limit: number },
): Promise<TrashCandidate[]> {
  const fileOf = (state: 'pending' | 'failed') => db.select({ one: sql`1` }).from(mediaFiles).where(and(
    eq(mediaFiles.tenantId, listedMeetings.tenantId), eq(mediaFiles.platformCallId, listedMeetings.uuid), eq(mediaFiles.state, state),
  ));
  const meetings = await db
    .select({ uuid: listedMeetings.uuid })
    .from(listedMeetings)
    .innerJoin(recordedUsers, and(eq(recordedUsers.tenantId, listedMeetings.tenantId), eq(recordedUsers.zoomUserId, listedMeetings.hostId), eq(recordedUsers.enabled, true)))
    .where(and(
      eq(listedMeetings.tenantId, tenantId),
      eq(listedMeetings.source, source),
      lt(sql`${listedMeetings.startTime} + make_interval(mins => ${listedMeetings.durationMinutes})`, sql`${options.endedBefore.toISOString()}::timestamptz`),
      notExists(fileOf('pending')),
      notExists(fileOf('failed')),
    ))
    .orderBy(listedMeetings.startTime)
    .limit(options.limit * 4);
  if (meetings.length === 0) return [];
  const files = await db
    .select()
    .from(mediaFiles)
    .where(and(eq(mediaFiles.tenantId, tenantId), inArray(mediaFiles.platformCallId, meetings.map((m) => m.uuid))));
  const candidates: TrashCandidate[] = [];
  for (const { uuid } of meetings) {
    const theirs = files.filter((f) => f.platformCallId === uuid);
    const stored = theirs.filter((f) => f.state === 'stored' && f.trashedInZoomAt === null);
    if (stored.length === 0) continue;
    candidates.push({ uuid, stored, everyFileStored: theirs.every((f) => f.state === 'stored') });
    if (candidates.length === options.limit) break;
  }
  return candidates;
}

export async function markTrashedInZoom(db: Database, tenantId: string, zoomFileIds: readonly string[]): Promise<void> {
  if (zoomFileIds.length === 0) return;
  await db
    .update(mediaFiles)
    .set({ trashedInZoomAt: new Date(), updatedAt: new Date() })
    .where(and(eq(mediaFiles.tenantId, tenantId), inArray(mediaFiles.zoomFileId, [...zoomFileIds]), eq(mediaFiles.state, 'stored'), isNull(mediaFiles.trashedInZoomAt)));
}
