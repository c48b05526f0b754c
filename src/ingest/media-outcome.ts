import type { MediaFile } from '../db/queries/media-files.js';

/**
 * What a recorded user's CDR says of their media: the files that could not be archived (media
 * error), and whether none of it reached the archive (recording failed). Failed files are read
 * from the database, so one Zoom reported failed at listing counts too.
 */
export function mediaOutcome(theirs: readonly MediaFile[]): { mediaError: string | null; recordingFailed: boolean; recordingFailedReason: string | null } {
  const failed = theirs.filter((f) => f.state === 'failed');
  const mediaError = failed.length === 0 ? null
    : `${failed.length} file(s) not archived: ${failed.map((f) => `${f.fileType} ${f.zoomFileId}: ${f.lastError ?? 'failed'}`).join('; ')}`;
  const recordingFailed = failed.length > 0 && !theirs.some((f) => f.state === 'stored');
  return { mediaError, recordingFailed, recordingFailedReason: recordingFailed ? `none of the user's media was archived; ${mediaError}` : null };
}
