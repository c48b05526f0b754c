import { ActivityFailure, ApplicationFailure, patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { createArchiveFileActivities } from '../activities/archive-file.js';
import type { createMeetingActivities } from '../activities/meeting.js';
import type { createSmallFilesActivities } from '../activities/archive-small-files.js';
import type { IngestMeetingInput, IngestMeetingResult } from '../ingest/types.js';
import { apiCallOptions, databaseOptions, downloadOptions, localDatabaseOptions, smallFilesOptions } from './retry-policies.js';

type MeetingActivities = ReturnType<typeof createMeetingActivities>;
type FileActivities = ReturnType<typeof createArchiveFileActivities> & ReturnType<typeof createSmallFilesActivities>;

const { prepareMeeting, trashMeetingRecordings } = proxyActivities<MeetingActivities>(apiCallOptions);
const { writeMeetingCdrs, recordFileFailure, recordMeetingFailure } = proxyActivities<MeetingActivities>(databaseOptions);
const localBookkeeping = proxyLocalActivities<MeetingActivities>(localDatabaseOptions);
const { archiveMeetingFiles: archiveSmallFilesActivity } = proxyActivities<FileActivities>(smallFilesOptions);

/** Small files archived by one activity at most (a meeting with more sends the rest one by one). */
const SMALL_FILES_PER_ACTIVITY = 20;

/** Files of one meeting streamed at once: enough to hide latency, few enough to spare Zoom. */
const FILES_IN_PARALLEL = 3;

/**
 * Archives one held meeting: its needed files into the media store, verified, and one CDR per
 * recorded user. Runs under `meeting:<tenant>:<uuid>`, so the schedule, a webhook and a recovery
 * can all ask for the same meeting and it is archived once; a later run only fetches what is new.
 */
export async function ingestMeeting(input: IngestMeetingInput): Promise<IngestMeetingResult> {
  const result: IngestMeetingResult = { stored: 0, alreadyStored: 0, processing: 0, failed: 0, bytes: 0, cdrs: 0 };
  let plan: Awaited<ReturnType<typeof prepareMeeting>>;
  try {
    plan = await prepareMeeting(input);
  } catch (err) {
    // The meeting cannot be worked out (Zoom no longer has it, or answered errors past every
    // retry): its waiting files become visible failures rather than a meeting retried forever.
    if (!(err instanceof ActivityFailure) || !patched('meeting-failure-recorded')) throw err;
    result.failed = await recordMeetingFailure({ tenantId: input.tenantId, meetingUuid: input.meeting.uuid, error: failureMessage(err) });
    return result;
  }
  // Plans recorded before meeting_people carry the users themselves.
  const recordedUserCount = plan.recordedUserCount ?? plan.recordedUsers?.length ?? 0;
  if (recordedUserCount === 0) return result;
  const { archiveMeetingFile } = proxyActivities<FileActivities>(downloadOptions(plan.fileRetryHours));

  result.alreadyStored = plan.alreadyStored;
  result.processing = plan.processing;
  let queue = [...plan.filesToArchive];
  // A meeting's small files go together in one activity (runs started before archive one per
  // activity); whatever it could not archive goes on below, where each file has its own retries
  // and its failure is recorded.
  const together = patched('meeting-small-files-together') ? (plan.smallFiles ?? []).slice(0, SMALL_FILES_PER_ACTIVITY) : [];
  if (together.length > 1) {
    const archived = await archiveSmallFiles(input.tenantId, together, result);
    queue = queue.filter((fileId) => !archived.has(fileId));
  }
  const worker = async () => {
    for (let fileId = queue.shift(); fileId !== undefined; fileId = queue.shift()) {
      try {
        const archived = await archiveMeetingFile({ tenantId: input.tenantId, zoomFileId: fileId });
        if (archived.alreadyStored) result.alreadyStored += 1;
        else result.stored += 1;
        result.bytes += archived.size;
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        result.failed += 1;
        await recordFileFailure({ tenantId: input.tenantId, zoomFileId: fileId, error: failureMessage(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(FILES_IN_PARALLEL, queue.length) }, worker));

  // Runs started before replay the CDRs as a (remote) activity; new ones write them in the
  // worker that runs the workflow: a few database statements need no task round trip.
  const writeCdrs = patched('meeting-cdrs-local') ? localBookkeeping.writeMeetingCdrs : writeMeetingCdrs;
  result.cdrs = await writeCdrs({
    tenantId: input.tenantId,
    meeting: input.meeting,
    ...(plan.recordedUsers && plan.participants ? { recordedUsers: plan.recordedUsers, participants: plan.participants } : {}),
    mediaLengthSeconds: plan.mediaLengthSeconds,
  });

  // Runs started before the sync took over delete-after-archive (per verified file, after a grace
  // period for late files) trashed the whole meeting here; they replay that.
  if (plan.deleteAfterArchive && result.failed === 0 && result.processing === 0 && !patched('trash-by-sync-after-grace')) {
    await trashMeetingRecordings({ tenantId: input.tenantId, meetingUuid: input.meeting.uuid });
  }
  return result;
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
function failureMessage(err: ActivityFailure): string {
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) return cause.message;
  // Retries ran out of time (the tenant's fileRetryHours): say so with the last attempt's error.
  if (cause?.cause instanceof Error) return `${cause.message}: ${cause.cause.message}`;
  return cause?.message ?? err.message;
}
