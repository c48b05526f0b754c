import type { IngestMeetingInput, IngestPhoneCallInput } from '../ingest/types.js';
import type { ReconcileFamily } from '../reconciliation/types.js';
import { meetingWorkflowId, phoneCallWorkflowId, reconcileWorkflowId } from './ids.js';
import { ZoomCallId, ZoomMeetingUuid, ZoomSource, ZoomTenant } from './search-attributes.js';
import { callDetails, callSummary, meetingDetails, meetingSummary, reconcileSummary, type CallParties } from './summaries.js';

// How every ingest is started, whoever starts it (a sync, a webhook, the recovery, reconciliation,
// a hand-off from the Temporal UI): under its canonical ID, with what the UI shows of it and its
// search attributes. Pure, so workflows and the API share it.

export function meetingStartOptions(input: IngestMeetingInput) {
  return {
    workflowId: meetingWorkflowId(input.tenantId, input.meeting.uuid),
    staticSummary: meetingSummary(input.meeting),
    staticDetails: meetingDetails(input.tenantId, input.source, input.meeting, input.trigger),
    memo: { tenant: input.tenantId, source: input.source, meetingNumber: input.meeting.meetingNumber, topic: input.meeting.topic },
    typedSearchAttributes: [
      { key: ZoomTenant, value: input.tenantId },
      { key: ZoomSource, value: input.source },
      { key: ZoomMeetingUuid, value: input.meeting.uuid },
    ],
  };
}

export function callStartOptions(input: IngestPhoneCallInput, call: { startTime?: string } & CallParties = {}) {
  return {
    workflowId: phoneCallWorkflowId(input.tenantId, input.callId),
    staticSummary: callSummary(input.callId, call.startTime, call),
    staticDetails: callDetails(input.tenantId, input.callId, input.trigger),
    memo: { tenant: input.tenantId, source: 'phone', callId: input.callId },
    typedSearchAttributes: [
      { key: ZoomTenant, value: input.tenantId },
      { key: ZoomSource, value: 'phone' },
      { key: ZoomCallId, value: input.callId },
    ],
  };
}

export function reconcileStartOptions(tenantId: string, family: ReconcileFamily, day: string) {
  return {
    workflowId: reconcileWorkflowId(tenantId, family, day),
    staticSummary: reconcileSummary(tenantId, family, day),
    memo: { tenant: tenantId, family, day },
    typedSearchAttributes: [{ key: ZoomTenant, value: tenantId }, { key: ZoomSource, value: family }],
  };
}
