import { and, asc, count, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { mediaFiles, type MediaFileState, type SkipReason, type SourcePlatform } from '../schema/index.js';
import { forTenant } from './upsert.js';

export type MediaFile = typeof mediaFiles.$inferSelect;
export type MediaFileInput = Omit<
  typeof mediaFiles.$inferInsert,
  'id' | 'tenantId' | 'state' | 'storedSize' | 'sha256' | 'storedAt' | 'lastError' | 'skipReason' | 'createdAt' | 'updatedAt'
>;

export class UntrackedMediaFileError extends Error {
  override name = 'UntrackedMediaFileError';
  constructor(readonly tenantId: string, readonly zoomFileId: string) {
    super(`media file '${zoomFileId}' of tenant '${tenantId}' is not tracked: call trackMediaFile first`);
  }
}

/**
 * Starts tracking a Zoom file (as pending) and returns its row. A file already tracked is returned
 * as it is, whatever its state: a file seen again by a later sync is never archived twice.
 */
export async function trackMediaFile(db: Database, tenantId: string, file: MediaFileInput): Promise<MediaFile> {
  await forTenant(tenantId, db.insert(mediaFiles).values({ ...file, tenantId }).onConflictDoNothing());
  const tracked = await getMediaFile(db, tenantId, file.zoomFileId);
  if (!tracked) throw new UntrackedMediaFileError(tenantId, file.zoomFileId);
  return tracked;
}

export async function getMediaFile(db: Database, tenantId: string, zoomFileId: string): Promise<MediaFile | undefined> {
  const [file] = await db
    .select()
    .from(mediaFiles)
    .where(and(eq(mediaFiles.tenantId, tenantId), eq(mediaFiles.zoomFileId, zoomFileId)));
  return file;
}

/** Records a file as verified in the media store (size and SHA-256 as the store computed them). */
export async function markMediaFileStored(
  db: Database,
  tenantId: string,
  zoomFileId: string,
  stored: { size: number; sha256: string; storedAt?: Date },
): Promise<MediaFile> {
  const [file] = await db
    .update(mediaFiles)
    .set({ state: 'stored', storedSize: stored.size, sha256: stored.sha256, storedAt: stored.storedAt ?? new Date(), lastError: null, updatedAt: new Date() })
    .where(and(eq(mediaFiles.tenantId, tenantId), eq(mediaFiles.zoomFileId, zoomFileId)))
    .returning();
  if (!file) throw new UntrackedMediaFileError(tenantId, zoomFileId);
  return file;
}

/** Records why a file could not be archived; a file already stored stays stored. */
export async function markMediaFileFailed(db: Database, tenantId: string, zoomFileId: string, error: string): Promise<void> {
  await db
    .update(mediaFiles)
    .set({ state: 'failed', lastError: error, updatedAt: new Date() })
    .where(and(eq(mediaFiles.tenantId, tenantId), eq(mediaFiles.zoomFileId, zoomFileId), ne(mediaFiles.state, 'stored')));
}

export interface MediaFileFilter {
  platformCallId?: string;
  state?: MediaFileState;
}

const matching = (tenantId: string, filter: MediaFileFilter) => and(
  eq(mediaFiles.tenantId, tenantId),
  filter.platformCallId ? eq(mediaFiles.platformCallId, filter.platformCallId) : undefined,
  filter.state ? eq(mediaFiles.state, filter.state) : undefined,
);

/** Oldest recording first; the file id (unique in a tenant) makes the order total, so pages never overlap. */
const FILE_ORDER = [asc(mediaFiles.recordingStartedAt), asc(mediaFiles.zoomFileId)];

export async function listMediaFiles(db: Database, tenantId: string, filter: MediaFileFilter = {}): Promise<MediaFile[]> {
  return db.select().from(mediaFiles).where(matching(tenantId, filter)).orderBy(...FILE_ORDER);
}

/** One page of `listMediaFiles` read from the database (never the tenant's other files), and how many match in all. */
export async function pageMediaFiles(
  db: Database,
  tenantId: string,
  filter: MediaFileFilter,
  page: { limit: number; offset: number },
): Promise<{ total: number; files: MediaFile[] }> {
  const [counted] = await db.select({ total: count() }).from(mediaFiles).where(matching(tenantId, filter));
  const files = await db.select().from(mediaFiles).where(matching(tenantId, filter)).orderBy(...FILE_ORDER).limit(page.limit).offset(page.offset);
  return { total: counted?.total ?? 0, files };
}

/** The tenant's latest failed files, newest first: what support reads first (every one: listMediaFiles). */
export async function latestFailedFiles(db: Database, tenantId: string, limit: number): Promise<MediaFile[]> {
  return db.select().from(mediaFiles).where(matching(tenantId, { state: 'failed' })).orderBy(desc(mediaFiles.updatedAt), asc(mediaFiles.zoomFileId)).limit(limit);
}

/** A file as a Zoom listing describes it (see ingest/listed-files.ts). */
export interface ListedFileInput {
  zoomFileId: string;
  fileType: string;
  fileExtension: string;
  recordingType: string | null;
  participantZoomUserId: string | null;
  recordingStartedAt: Date;
  /** Null where Zoom gives no size (CC, TIMELINE). */
  zoomSize: number | null;
  zoomStatus: string;
  downloadUrl: string | null;
  storageKey: string;
  /** Set when the listing already says it cannot be archived (no download URL): tracked as skipped. */
  skipReason?: SkipReason;
  /** Set when Zoom itself reports the file failed: tracked as failed with this reason. */
  failure?: string;
}

/**
 * Tracks the files a listing returned for one meeting. A file seen before keeps its state (unless
 * Zoom now reports a waiting one failed); one not yet stored takes Zoom's latest status, size and
 * download URL (a file that was processing has its final size only once it completes).
 */
export async function trackListedFiles(db: Database, tenantId: string, meetingUuid: string, files: readonly ListedFileInput[]): Promise<void> {
  await trackListedFilesOfMeetings(db, tenantId, [{ meetingUuid, files }]);
}

/** Rows per statement: well under PostgreSQL's 65,535 bind parameters (a file row has ~15). */
const FILES_PER_STATEMENT = 1000;

/**
 * `trackListedFiles` for many meetings (or phone calls: `sourcePlatform`, with the call id as the
 * meeting's) in a few statements (a listing of thousands of meetings
 * costs a handful of round trips). A file listed twice in the batch is written once.
 */
export async function trackListedFilesOfMeetings(
  db: Database,
  tenantId: string,
  meetings: readonly { meetingUuid: string; files: readonly ListedFileInput[] }[],
  sourcePlatform: SourcePlatform = 'Zoom Meeting',
): Promise<void> {
  // One statement cannot update the same row twice: the last listing of a file wins, as it would one by one.
  const byId = new Map<string, ListedFileInput & { meetingUuid: string }>();
  for (const m of meetings) for (const f of m.files) byId.set(f.zoomFileId, { ...f, meetingUuid: m.meetingUuid });
  const all = [...byId.values()];
  for (let i = 0; i < all.length; i += FILES_PER_STATEMENT) await insertListedFiles(db, tenantId, sourcePlatform, all.slice(i, i + FILES_PER_STATEMENT));
}

async function insertListedFiles(db: Database, tenantId: string, sourcePlatform: SourcePlatform, files: readonly (ListedFileInput & { meetingUuid: string })[]): Promise<void> {
  if (files.length === 0) return;
  await forTenant(
    tenantId,
    db
      .insert(mediaFiles)
      .values(files.map(({ failure, meetingUuid, ...f }) => ({
        ...f, tenantId, sourcePlatform, platformCallId: meetingUuid,
        ...(f.skipReason ? { state: 'skipped' as const } : failure ? { state: 'failed' as const, lastError: failure } : {}),
      })))
      .onConflictDoUpdate({
        target: [mediaFiles.tenantId, mediaFiles.zoomFileId],
        set: {
          zoomStatus: sql`excluded.zoom_status`,
          zoomSize: sql`excluded.zoom_size`,
          downloadUrl: sql`excluded.download_url`,
          // A waiting file that Zoom now reports failed becomes a visible failure.
          state: sql`case when ${mediaFiles.state} = 'pending' and excluded.state = 'failed' then excluded.state else ${mediaFiles.state} end`,
          lastError: sql`case when ${mediaFiles.state} = 'pending' and excluded.state = 'failed' then excluded.last_error else ${mediaFiles.lastError} end`,
          updatedAt: sql`now()`,
        },
        setWhere: ne(mediaFiles.state, 'stored'),
      }),
  );
}

/** Marks files that are deliberately not archived, with the reason; a stored file stays stored. */
export async function markFilesSkipped(db: Database, tenantId: string, zoomFileIds: readonly string[], reason: SkipReason): Promise<void> {
  if (zoomFileIds.length === 0) return;
  await db
    .update(mediaFiles)
    .set({ state: 'skipped', skipReason: reason, updatedAt: new Date() })
    .where(and(eq(mediaFiles.tenantId, tenantId), inArray(mediaFiles.zoomFileId, [...zoomFileIds]), ne(mediaFiles.state, 'stored')));
}

/**
 * Puts a failed file back to pending so the next ingest of its meeting tries it again (support's
 * retry, a recovery). Returns the file, or undefined when the tenant has no failed file by that id.
 */
export async function reopenFailedFile(db: Database, tenantId: string, zoomFileId: string): Promise<MediaFile | undefined> {
  const [file] = await db
    .update(mediaFiles)
    .set({ state: 'pending', lastError: null, updatedAt: new Date() })
    .where(and(eq(mediaFiles.tenantId, tenantId), eq(mediaFiles.zoomFileId, zoomFileId), eq(mediaFiles.state, 'failed')))
    .returning();
  return file;
}
