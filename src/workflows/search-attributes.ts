import { defineSearchAttributeKey } from '@temporalio/common';

// Custom search attributes set on every workflow, so engineers find a tenant's, a source's or a
// single meeting's or call's work in the Temporal Web UI (e.g. `ZoomTenant = "acme"`).
export const ZoomTenant = defineSearchAttributeKey('ZoomTenant', 'KEYWORD');
export const ZoomSource = defineSearchAttributeKey('ZoomSource', 'KEYWORD');
export const ZoomMeetingUuid = defineSearchAttributeKey('ZoomMeetingUuid', 'KEYWORD');
export const ZoomCallId = defineSearchAttributeKey('ZoomCallId', 'KEYWORD');
/** A long-running workflow's state where a search needs it: `waiting_for_quota` for a reconciliation asleep until Zoom's reset. */
export const ZoomState = defineSearchAttributeKey('ZoomState', 'KEYWORD');

export const allSearchAttributes = [ZoomTenant, ZoomSource, ZoomMeetingUuid, ZoomCallId, ZoomState];
