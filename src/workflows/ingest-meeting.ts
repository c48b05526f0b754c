import { ActivityFailure, patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { createMeetingActivities } from '../activities/meeting.js';
import type { IngestMeetingInput, IngestMeetingResult } from '../ingest/types.js';
import { archiveFiles, failureMessage, SMALL_FILES_PER_ACTIVITY } from './archive-files.js';
import { apiCallOptions, databaseOptions, localDatabaseOptions } from './retry-policies.js';

type MeetingActivities = ReturnType<typeof createMeetingActivities>;

const { prepareMeeting, trashMeetingRecordings } = proxyActivities<MeetingActivities>(apiCallOptions);
const { writeMeetingCdrs, recordMeetingFailure } = proxyActivities<MeetingActivities>(databaseOptions);
const localBookkeeping = proxyLocalActivities<MeetingActivities>(localDatabaseOptions);

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
  result.alreadyStored = plan.alreadyStored;
  result.processing = plan.processing;
  // A meeting's small files go together in one activity (runs started before archive one per
  // activity); whatever it could not archive goes on one by one, with its own retries.
  const together = patched('meeting-small-files-together') ? (plan.smallFiles ?? []).slice(0, SMALL_FILES_PER_ACTIVITY) : [];
  await archiveFiles(input.tenantId, plan.filesToArchive, together, plan.fileRetryHours, result);

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
