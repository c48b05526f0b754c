import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { createMeetingActivities } from '../activities/meeting.js';
import type { IngestMeetingInput, IngestMeetingResult } from '../ingest/types.js';
import { apiCallOptions, databaseOptions, downloadOptions } from './retry-policies.js';

type MeetingActivities = ReturnType<typeof createMeetingActivities>;

const { prepareMeeting, trashMeetingRecordings } = proxyActivities<MeetingActivities>(apiCallOptions);
const { archiveMeetingFile } = proxyActivities<MeetingActivities>(downloadOptions);
const { writeMeetingCdrs, recordFileFailure } = proxyActivities<MeetingActivities>(databaseOptions);

/** Files of one meeting streamed at once: enough to hide latency, few enough to spare Zoom. */
const FILES_IN_PARALLEL = 3;

/**
 * Archives one held meeting: its needed files into the media store, verified, and one CDR per
 * recorded user. Runs under `meeting:<tenant>:<uuid>`, so the schedule, a webhook and a recovery
 * can all ask for the same meeting and it is archived once; a later run only fetches what is new.
 */
export async function ingestMeeting(input: IngestMeetingInput): Promise<IngestMeetingResult> {
  const result: IngestMeetingResult = { stored: 0, alreadyStored: 0, processing: 0, failed: 0, bytes: 0, cdrs: 0 };
  const plan = await prepareMeeting(input);
  if (plan.recordedUsers.length === 0) return result;

  result.alreadyStored = plan.alreadyStored;
  result.processing = plan.processing;
  const failures: string[] = [];
  const queue = [...plan.filesToArchive];
  const worker = async () => {
    for (let fileId = queue.shift(); fileId !== undefined; fileId = queue.shift()) {
      try {
        const archived = await archiveMeetingFile({ tenantId: input.tenantId, zoomFileId: fileId });
        if (archived.alreadyStored) result.alreadyStored += 1;
        else result.stored += 1;
        result.bytes += archived.size;
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        const message = err.cause instanceof ApplicationFailure || err.cause instanceof Error ? err.cause.message : err.message;
        failures.push(fileId);
        result.failed += 1;
        await recordFileFailure({ tenantId: input.tenantId, zoomFileId: fileId, error: message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(FILES_IN_PARALLEL, queue.length) }, worker));

  result.cdrs = await writeMeetingCdrs({
    tenantId: input.tenantId,
    meeting: input.meeting,
    recordedUsers: plan.recordedUsers,
    participants: plan.participants,
    mediaLengthSeconds: plan.mediaLengthSeconds,
    mediaError: failures.length > 0 ? `${failures.length} file(s) not archived: ${failures.join(', ')}` : null,
  });

  // Zoom's copy goes to the trash only once every file of the meeting is verified in our store.
  if (plan.deleteAfterArchive && result.failed === 0 && result.processing === 0) {
    await trashMeetingRecordings({ tenantId: input.tenantId, meetingUuid: input.meeting.uuid });
  }
  return result;
}
