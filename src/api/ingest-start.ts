import { WorkflowIdReusePolicy, type WorkflowStartOptions } from '@temporalio/client';
import type { IngestMeetingInput, IngestPhoneCallInput } from '../ingest/types.js';
import { meetingWorkflowId, phoneCallWorkflowId } from '../workflows/ids.js';
import type { ingestMeeting } from '../workflows/ingest-meeting.js';
import type { ingestPhoneCall } from '../workflows/ingest-phone-call.js';
import { ZoomCallId, ZoomMeetingUuid, ZoomSource, ZoomTenant } from '../workflows/search-attributes.js';

/**
 * How the API starts a meeting's ingest (a webhook, support's retry): under the same ID as the
 * schedule's children, so the same meeting is never archived twice at once.
 */
export function ingestStartOptions(input: IngestMeetingInput, taskQueue: string): WorkflowStartOptions<typeof ingestMeeting> {
  return {
    workflowId: meetingWorkflowId(input.tenantId, input.meeting.uuid),
    taskQueue,
    args: [input],
    // A meeting archived before runs again (Zoom added a file, support retries one); a running one is left to finish.
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    typedSearchAttributes: [
      { key: ZoomTenant, value: input.tenantId },
      { key: ZoomSource, value: input.source },
      { key: ZoomMeetingUuid, value: input.meeting.uuid },
    ],
  };
}

/** How the API starts a call's ingest (the phone webhook, support's retry): under the schedule's child ID. */
export function phoneIngestStartOptions(input: IngestPhoneCallInput, taskQueue: string): WorkflowStartOptions<typeof ingestPhoneCall> {
  return {
    workflowId: phoneCallWorkflowId(input.tenantId, input.callId),
    taskQueue,
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    typedSearchAttributes: [
      { key: ZoomTenant, value: input.tenantId },
      { key: ZoomSource, value: 'phone' },
      { key: ZoomCallId, value: input.callId },
    ],
  };
}
