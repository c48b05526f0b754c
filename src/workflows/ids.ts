import type { MeetingSource } from '../ingest/types.js';

// Readable, deterministic workflow IDs: the same meeting always maps to the same ID, so a second
// start (another sync, a webhook, a second worker) is refused by Temporal or finds the work done.

export const meetingWorkflowId = (tenantId: string, meetingUuid: string) => `meeting:${tenantId}:${meetingUuid}`;

export const syncWorkflowId = (tenantId: string, source: MeetingSource) => `sync:${tenantId}:${source}`;

export const syncScheduleId = (tenantId: string, source: MeetingSource) => `sync:${tenantId}:${source}`;
