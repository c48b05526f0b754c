import { and, asc, between, eq, exists, gt, inArray, isNull, notExists, or, sql, type SQL } from 'drizzle-orm';
import type { CallParties } from '../../ingest/phone-cdr.js';
import type { ListedCall } from '../../ingest/phone-recordings.js';
import type { Database } from '../client.js';
import { conversations, listedCalls, mediaFiles, phoneRecordings, recordedUsers } from '../schema/index.js';
import { trackListedFilesOfMeetings, type MediaFile } from './media-files.js';
import { forTenant } from './upsert.js';

// Zoom Phone calls with recordings of configured users, as listings and webhooks described them;
// a phone sync pages through the calls with a file to archive, like listed_meetings.

export type ListedCallRow = typeof listedCalls.$inferSelect;
export type PhoneRecordingRow = typeof phoneRecordings.$inferSelect;

/** Where a page of calls to archive starts: after this (start time, call id). */
export interface CallCursor {
  startTime: string;
  callId: string;
}

export interface CallRef {
  callId: string;
  /** ISO 8601: the earliest recording start. */
  startTime: string;
  /** Who called and who was called (name and number, as Zoom listed them): what the Temporal UI shows of the call. */
  caller?: string;
  callee?: string;
}

/** A party as people read it: `Name (number)`, or the number alone. */
export const partyLabel = (name: string | null, number: string) => (name ? `${name} (${number})` : number);

/** Rows per statement: well under PostgreSQL's bind-parameter limit. */
const ROWS_PER_STATEMENT = 1000;

function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) out.push(rows.slice(i, i + ROWS_PER_STATEMENT));
  return out;
}

/**
 * Writes calls, their recordings and the recordings' files in a few statements. A call seen again
 * keeps its earliest start and the history uuid once known; a recording keeps whose it was found
 * to be; a file keeps its state (media_files: never archived twice).
 */
export async function upsertListedCalls(db: Database, tenantId: string, calls: readonly ListedCall[]): Promise<void> {
  if (calls.length === 0) return;
  const byId = new Map<string, ListedCall>();
  for (const c of calls) {
    const seen = byId.get(c.call.callId);
    if (!seen) byId.set(c.call.callId, { call: { ...c.call }, recordings: [...c.recordings], files: [...c.files] });
    else {
      if (c.call.startTime < seen.call.startTime) seen.call.startTime = c.call.startTime;
      seen.call.callHistoryUuid ??= c.call.callHistoryUuid ?? null;
      for (const r of c.recordings) if (!seen.recordings.some((x) => x.recordingId === r.recordingId)) seen.recordings.push(r);
      for (const f of c.files) if (!seen.files.some((x) => x.zoomFileId === f.zoomFileId)) seen.files.push(f);
    }
  }
  const unique = [...byId.values()];
  for (const part of chunks(unique)) {
    await forTenant(tenantId, db.insert(listedCalls).values(part.map((c) => ({ ...c.call, tenantId }))).onConflictDoUpdate({
      target: [listedCalls.tenantId, listedCalls.callId],
      set: {
        startTime: sql`least(${listedCalls.startTime}, excluded.start_time)`,
        callHistoryUuid: sql`coalesce(${listedCalls.callHistoryUuid}, excluded.call_history_uuid)`,
        callElementId: sql`coalesce(${listedCalls.callElementId}, excluded.call_element_id)`,
        lastListedAt: sql`now()`,
        updatedAt: sql`now()`,
      },
    }));
  }
  for (const part of chunks(unique.flatMap((c) => c.recordings))) {
    await forTenant(tenantId, db.insert(phoneRecordings).values(part.map((r) => ({ ...r, tenantId }))).onConflictDoUpdate({
      target: [phoneRecordings.tenantId, phoneRecordings.recordingId],
      set: {
        recordedUserId: sql`coalesce(excluded.recorded_user_id, ${phoneRecordings.recordedUserId})`,
        endedAt: sql`excluded.ended_at`,
        durationSeconds: sql`excluded.duration_seconds`,
        updatedAt: sql`now()`,
      },
    }));
  }
  await trackListedFilesOfMeetings(db, tenantId, unique.map((c) => ({ meetingUuid: c.call.callId, files: c.files })), 'Zoom Phone');
}

export async function getListedCall(db: Database, tenantId: string, callId: string): Promise<ListedCallRow | undefined> {
  const [row] = await db.select().from(listedCalls).where(and(eq(listedCalls.tenantId, tenantId), eq(listedCalls.callId, callId)));
  return row;
}

export async function listCallRecordings(db: Database, tenantId: string, callId: string): Promise<PhoneRecordingRow[]> {
  return db
    .select()
    .from(phoneRecordings)
    .where(and(eq(phoneRecordings.tenantId, tenantId), eq(phoneRecordings.callId, callId)))
    .orderBy(asc(phoneRecordings.startedAt), asc(phoneRecordings.recordingId));
}

export async function saveCallParties(db: Database, tenantId: string, callId: string, update: { parties: CallParties; callHistoryUuid: string }): Promise<void> {
  await db
    .update(listedCalls)
    .set({ parties: update.parties, callHistoryUuid: update.callHistoryUuid, updatedAt: new Date() })
    .where(and(eq(listedCalls.tenantId, tenantId), eq(listedCalls.callId, callId)));
}

/** Records whose a recording is, once the call's legs told. */
export async function attributeRecordings(db: Database, tenantId: string, attributions: readonly { recordingId: string; zoomUserId: string }[]): Promise<void> {
  for (const a of attributions) {
    await db
      .update(phoneRecordings)
      .set({ recordedUserId: a.zoomUserId, updatedAt: new Date() })
      .where(and(eq(phoneRecordings.tenantId, tenantId), eq(phoneRecordings.recordingId, a.recordingId)));
  }
}

/** A recording of the call still waiting to be archived (phone recordings are listed only once ready). */
const pendingFileOfCall = (db: Database) => exists(
  db.select({ one: sql`1` }).from(mediaFiles).where(and(
    eq(mediaFiles.tenantId, listedCalls.tenantId),
    eq(mediaFiles.platformCallId, listedCalls.callId),
    eq(mediaFiles.sourcePlatform, 'Zoom Phone'),
    eq(mediaFiles.state, 'pending'),
  )),
);

/**
 * A recording of the call stored for a configured, enabled user who has no CDR of it: its ingest
 * failed (or was stopped) after the download. The call is taken again, and only its CDRs are written.
 */
const storedWithoutCdr = (db: Database) => exists(
  db.select({ one: sql`1` }).from(phoneRecordings)
    .innerJoin(mediaFiles, and(eq(mediaFiles.tenantId, phoneRecordings.tenantId), eq(mediaFiles.zoomFileId, phoneRecordings.recordingId)))
    .innerJoin(recordedUsers, and(eq(recordedUsers.tenantId, phoneRecordings.tenantId), eq(recordedUsers.zoomUserId, phoneRecordings.recordedUserId), eq(recordedUsers.enabled, true)))
    .where(and(
      eq(phoneRecordings.tenantId, listedCalls.tenantId),
      eq(phoneRecordings.callId, listedCalls.callId),
      eq(mediaFiles.state, 'stored'),
      notExists(db.select({ one: sql`1` }).from(conversations).where(and(
        eq(conversations.tenantId, phoneRecordings.tenantId),
        eq(conversations.sourcePlatform, 'Zoom Phone'),
        eq(conversations.platformCallId, phoneRecordings.callId),
        eq(conversations.recordedUserZoomId, phoneRecordings.recordedUserId),
      ))),
    )),
);

/**
 * One page of the calls with a recording to archive (or, archived, still without its CDR: a call
 * whose ingest failed is never left half done), oldest first, after `cursor`.
 */
export async function listCallsToArchive(db: Database, tenantId: string, options: { after?: CallCursor; limit: number }): Promise<CallRef[]> {
  const after = options.after
    ? or(gt(listedCalls.startTime, new Date(options.after.startTime)), and(eq(listedCalls.startTime, new Date(options.after.startTime)), gt(listedCalls.callId, options.after.callId)))
    : undefined;
  const rows = await db
    .select({
      callId: listedCalls.callId, startTime: listedCalls.startTime,
      callerName: listedCalls.callerName, callerNumber: listedCalls.callerNumber, calleeName: listedCalls.calleeName, calleeNumber: listedCalls.calleeNumber,
    })
    .from(listedCalls)
    .where(and(eq(listedCalls.tenantId, tenantId), after, or(pendingFileOfCall(db), storedWithoutCdr(db))))
    .orderBy(asc(listedCalls.startTime), asc(listedCalls.callId))
    .limit(options.limit);
  return rows.map((r) => ({
    callId: r.callId, startTime: r.startTime.toISOString(), caller: partyLabel(r.callerName, r.callerNumber), callee: partyLabel(r.calleeName, r.calleeNumber),
  }));
}

export interface CallTrashCandidate {
  callId: string;
  /** The call's verified recordings to delete in Zoom (none deleted yet). */
  files: MediaFile[];
}

/**
 * Delete-after-archive for Zoom Phone, by the meetings' rules: calls whose last recording ended
 * before `endedBefore` (the grace period), with no recording still pending or failed, each of
 * their recordings archived for a configured, enabled user, and verified recordings Zoom still
 * has. Recordings nobody configured was on (skipped) are never ours to delete.
 */
export async function listCallTrashCandidates(db: Database, tenantId: string, options: { endedBefore: Date; limit: number }): Promise<CallTrashCandidate[]> {
  const fileOfCall = (condition: SQL | undefined) => db.select({ one: sql`1` }).from(mediaFiles).where(and(
    eq(mediaFiles.tenantId, listedCalls.tenantId), eq(mediaFiles.platformCallId, listedCalls.callId), eq(mediaFiles.sourcePlatform, 'Zoom Phone'), condition,
  ));
  const trashable = and(eq(mediaFiles.state, 'stored'), isNull(mediaFiles.trashedInZoomAt));
  const recordingOfCall = (condition: SQL | undefined) => db.select({ one: sql`1` }).from(phoneRecordings).where(and(
    eq(phoneRecordings.tenantId, listedCalls.tenantId), eq(phoneRecordings.callId, listedCalls.callId), condition,
  ));
  const calls = await db
    .select({ callId: listedCalls.callId })
    .from(listedCalls)
    .where(and(
      eq(listedCalls.tenantId, tenantId),
      notExists(recordingOfCall(sql`coalesce(${phoneRecordings.endedAt}, ${phoneRecordings.startedAt}) >= ${options.endedBefore.toISOString()}::timestamptz`)),
      notExists(fileOfCall(eq(mediaFiles.state, 'pending'))),
      notExists(fileOfCall(eq(mediaFiles.state, 'failed'))),
      exists(fileOfCall(trashable)),
    ))
    .orderBy(asc(listedCalls.startTime))
    .limit(options.limit);
  if (calls.length === 0) return [];
  const callIds = calls.map((c) => c.callId);
  // Only recordings archived for a configured user who is still enabled.
  const files = await db
    .select({ file: mediaFiles })
    .from(mediaFiles)
    .innerJoin(phoneRecordings, and(eq(phoneRecordings.tenantId, mediaFiles.tenantId), eq(phoneRecordings.recordingId, mediaFiles.zoomFileId)))
    .innerJoin(recordedUsers, and(eq(recordedUsers.tenantId, mediaFiles.tenantId), eq(recordedUsers.zoomUserId, phoneRecordings.recordedUserId), eq(recordedUsers.enabled, true)))
    .where(and(eq(mediaFiles.tenantId, tenantId), eq(mediaFiles.sourcePlatform, 'Zoom Phone'), inArray(mediaFiles.platformCallId, callIds), trashable));
  return calls
    .map(({ callId }) => ({ callId, files: files.map((f) => f.file).filter((f) => f.platformCallId === callId) }))
    .filter((c) => c.files.length > 0);
}

/** The calls listed with a start in [from, to]: a recovery's phone time frame, as items. */
export async function listedCallIdsBetween(db: Database, tenantId: string, from: Date, to: Date): Promise<string[]> {
  const rows = await db
    .select({ callId: listedCalls.callId })
    .from(listedCalls)
    .where(and(eq(listedCalls.tenantId, tenantId), between(listedCalls.startTime, from, to)))
    .orderBy(asc(listedCalls.startTime), asc(listedCalls.callId));
  return rows.map((r) => r.callId);
}
