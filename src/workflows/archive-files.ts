import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { createArchiveFileActivities } from '../activities/archive-file.js';
import type { createMeetingActivities } from '../activities/meeting.js';
import type { createSmallFilesActivities } from '../activities/archive-small-files.js';
import type { IngestMeetingResult } from '../ingest/types.js';
import { databaseOptions, downloadOptions, smallFilesOptions } from './retry-policies.js';

// How a meeting's or a call's files reach the store, shared by ingestMeeting and ingestPhoneCall:
// small files together in one activity, whatever it could not archive one by one with the file's
// own retries, each final failure recorded on the file (a visible dead end, never a silent skip).

type FileActivities = ReturnType<typeof createArchiveFileActivities> & ReturnType<typeof createSmallFilesActivities>;

const { recordFileFailure } = proxyActivities<ReturnType<typeof createMeetingActivities>>(databaseOptions);
const { archiveMeetingFiles: archiveSmallFilesActivity } = proxyActivities<FileActivities>(smallFilesOptions);

/** Small files archived by one activity at most (a meeting with more sends the rest one by one). */
export const SMALL_FILES_PER_ACTIVITY = 20;

/** Files of one meeting or call streamed at once: enough to hide latency, few enough to spare Zoom. */
const FILES_IN_PARALLEL = 3;

/**
 * Archives `fileIds` (tracked media files), `together` first in one activity when there are
 * several, and adds what happened to `result`.
 */
export async function archiveFiles(
  tenantId: string,
  fileIds: readonly string[],
  together: readonly string[],
  fileRetryHours: number,
  result: IngestMeetingResult,
): Promise<void> {
  const { archiveMeetingFile } = proxyActivities<FileActivities>(downloadOptions(fileRetryHours));
  let queue = [...fileIds];
  if (together.length > 1) {
    const archived = await archiveSmallFiles(tenantId, [...together], result);
    queue = queue.filter((fileId) => !archived.has(fileId));
  }
  const worker = async () => {
    for (let fileId = queue.shift(); fileId !== undefined; fileId = queue.shift()) {
      try {
        const archived = await archiveMeetingFile({ tenantId, zoomFileId: fileId });
        if (archived.alreadyStored) result.alreadyStored += 1;
        else result.stored += 1;
        result.bytes += archived.size;
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        result.failed += 1;
        await recordFileFailure({ tenantId, zoomFileId: fileId, error: failureMessage(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(FILES_IN_PARALLEL, queue.length) }, worker));
}

/** Archives small files in one activity; returns the ids it archived (counted into `result`). */
async function archiveSmallFiles(tenantId: string, zoomFileIds: string[], result: IngestMeetingResult): Promise<Set<string>> {
  try {
    const { archived } = await archiveSmallFilesActivity({ tenantId, zoomFileIds });
    for (const file of archived) {
      if (file.alreadyStored) result.alreadyStored += 1;
      else result.stored += 1;
      result.bytes += file.size;
    }
    return new Set(archived.map((f) => f.zoomFileId));
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    // Every file goes the per-file way, with its own retries.
    return new Set();
  }
}

/** What a support engineer reads on the failed file: Zoom's or the store's own words, or the timeout. */
export function failureMessage(err: ActivityFailure): string {
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) return cause.message;
  // Retries ran out of time (the tenant's fileRetryHours): say so with the last attempt's error.
  if (cause?.cause instanceof Error) return `${cause.message}: ${cause.cause.message}`;
  return cause?.message ?? err.message;
}
