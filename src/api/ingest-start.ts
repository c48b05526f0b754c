import { WorkflowIdReusePolicy, type WorkflowStartOptions } from '@temporalio/client';
import type { IngestMeetingInput, IngestPhoneCallInput } from '../ingest/types.js';
import type { ingestMeeting } from '../workflows/ingest-meeting.js';
import type { ingestPhoneCall } from '../workflows/ingest-phone-call.js';
import { callStartOptions, meetingStartOptions } from '../workflows/start-options.js';

/**
 * How the API starts a meeting's ingest (a webhook): under the same ID as the schedule's
 * children, so the same meeting is never archived twice at once, and with what the UI shows of it.
 */
export function ingestStartOptions(input: IngestMeetingInput, taskQueue: string): WorkflowStartOptions<typeof ingestMeeting> {
  return {
    ...meetingStartOptions(input),
    taskQueue,
    args: [input],
    // A meeting archived before runs again (Zoom added a file); a running one is left to finish.
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
  };
}

/** How the API starts a call's ingest (the phone webhook): under the schedule's child ID. */
export function phoneIngestStartOptions(input: IngestPhoneCallInput, taskQueue: string): WorkflowStartOptions<typeof ingestPhoneCall> {
  return {
    ...callStartOptions(input),
    taskQueue,
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
  };
}
