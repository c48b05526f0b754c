import { ActivityFailure, proxyActivities, proxyLocalActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { createConsoleActivities } from '../activities/console.js';
import type { createMeetingActivities } from '../activities/meeting.js';
import type { IngestMeetingInput, IngestMeetingResult, MeetingSource } from '../ingest/types.js';
import { checkTenant, handOff, readable, requireMeetingRef, requireObject, requireOneOf, requireTenantId, type HandedTo, type HandOff } from './console.js';
import { meetingWorkflowId } from './ids.js';
import { meetingStartOptions } from './start-options.js';
import { archiveFiles, failureMessage, SMALL_FILES_PER_ACTIVITY } from './archive-files.js';
import { apiCallOptions, databaseOptions, localDatabaseOptions } from './retry-policies.js';

type MeetingActivities = ReturnType<typeof createMeetingActivities>;

const { prepareMeeting } = proxyActivities<MeetingActivities>(apiCallOptions);
const { recordMeetingFailure } = proxyActivities<MeetingActivities>(databaseOptions);
const localBookkeeping = proxyLocalActivities<MeetingActivities>(localDatabaseOptions);
const { resolveConsoleMeetings } = proxyActivities<ReturnType<typeof createConsoleActivities>>({
  ...apiCallOptions,
  retry: { ...apiCallOptions.retry, nonRetryableErrorTypes: [...apiCallOptions.retry!.nonRetryableErrorTypes!, 'UnknownTenant', 'SourceNotEnabled', 'MeetingNotFound'] },
});

/**
 * What an engineer types to archive a meeting from the Temporal UI: the tenant and the meeting's
 * instance UUID or number (every ended instance); the source when the tenant imports both.
 */
export interface ArchiveMeetingRequest {
  tenantId: string;
  meetingUuid?: string;
  meetingId?: string;
  source?: MeetingSource;
}

const MEETING_SOURCES: readonly MeetingSource[] = ['archiving', 'cloud_recordings'];

/**
 * Archives one held meeting: its needed files into the media store, verified, and one CDR per
 * recorded user. Runs under `meeting:<tenant>:<uuid>`, so the schedule, a webhook and a recovery
 * can all ask for the same meeting and it is archived once; a later run only fetches what is new.
 */
export async function ingestMeeting(input: IngestMeetingInput | ArchiveMeetingRequest): Promise<IngestMeetingResult | HandOff> {
  requireObject(input, '{"tenantId":"acme","meetingUuid":"…"}');
  if (!('meeting' in input)) return archiveByHand(input);
  // Started by hand with a full input under another ID: the canonical workflow does the work, so
  // the same meeting is never archived by two workflows at once.
  if (workflowInfo().workflowId !== meetingWorkflowId(input.tenantId, input.meeting.uuid)) {
    return { handedTo: [await handOff<typeof ingestMeeting>('ingestMeeting', { ...meetingStartOptions(input), args: [input] })] };
  }
  return archiveMeeting(input);
}

/**
 * `{ tenantId, meetingUuid | meetingId, source? }` from the Temporal UI: checked in the first task,
 * resolved to its instances, each archived by its canonical workflow (this one, when it was
 * started under that ID).
 */
async function archiveByHand(request: ArchiveMeetingRequest): Promise<IngestMeetingResult | HandOff> {
  const tenantId = requireTenantId(request);
  const ref = requireMeetingRef(request);
  const source = request.source === undefined ? undefined : requireOneOf('source', request.source, MEETING_SOURCES);
  await checkTenant(tenantId, source);
  let instances;
  try {
    instances = await resolveConsoleMeetings({ tenantId, ...ref, ...(source ? { source } : {}) });
  } catch (err) {
    throw readable(err);
  }
  const ownId = workflowInfo().workflowId;
  const handedTo: HandedTo[] = [];
  let own: IngestMeetingInput | undefined;
  for (const { source: heldIn, meeting } of instances) {
    const input: IngestMeetingInput = { tenantId, source: heldIn, meeting, trigger: 'console' };
    if (meetingWorkflowId(tenantId, meeting.uuid) === ownId) own = input;
    else handedTo.push(await handOff<typeof ingestMeeting>('ingestMeeting', { ...meetingStartOptions(input), args: [input] }));
  }
  if (own) {
    // Started by hand under its canonical ID: findable like the schedule's (ZoomTenant, ...).
    upsertSearchAttributes(meetingStartOptions(own).typedSearchAttributes);
    if (handedTo.length === 0) return archiveMeeting(own);
    await archiveMeeting(own);
  }
  return { handedTo };
}

async function archiveMeeting(input: IngestMeetingInput): Promise<IngestMeetingResult> {
  const result: IngestMeetingResult = { stored: 0, alreadyStored: 0, processing: 0, failed: 0, bytes: 0, cdrs: 0 };
  let plan: Awaited<ReturnType<typeof prepareMeeting>>;
  try {
    plan = await prepareMeeting(input);
  } catch (err) {
    // The meeting cannot be worked out (Zoom no longer has it, or answered errors past every
    // retry): its waiting files become visible failures rather than a meeting retried forever.
    if (!(err instanceof ActivityFailure)) throw err;
    result.failed = await recordMeetingFailure({ tenantId: input.tenantId, meetingUuid: input.meeting.uuid, error: failureMessage(err) });
    return result;
  }
  // Plans recorded before meeting_people carry the users themselves.
  const recordedUserCount = plan.recordedUserCount ?? plan.recordedUsers?.length ?? 0;
  if (recordedUserCount === 0) return result;
  result.alreadyStored = plan.alreadyStored;
  result.processing = plan.processing;
  // A meeting's small files go together in one activity; whatever it could not archive goes on one
  // by one, with its own retries.
  const together = (plan.smallFiles ?? []).slice(0, SMALL_FILES_PER_ACTIVITY);
  await archiveFiles(input.tenantId, plan.filesToArchive, together, plan.fileRetryHours, result);

  // Written in the worker that runs the workflow: a few database statements need no task round trip.
  result.cdrs = await localBookkeeping.writeMeetingCdrs({
    tenantId: input.tenantId,
    meeting: input.meeting,
    ...(plan.recordedUsers && plan.participants ? { recordedUsers: plan.recordedUsers, participants: plan.participants } : {}),
    mediaLengthSeconds: plan.mediaLengthSeconds,
  });

  return result;
}
