import { WorkflowIdReusePolicy, type WorkflowStartOptions } from '@temporalio/client';
import type { IngestMeetingInput } from '../ingest/types.js';
import { meetingWorkflowId } from '../workflows/ids.js';
import type { ingestMeeting } from '../workflows/ingest-meeting.js';
import { ZoomMeetingUuid, ZoomSource, ZoomTenant } from '../workflows/search-attributes.js';

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
