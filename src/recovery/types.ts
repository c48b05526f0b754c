import type { RecoveryCounts } from '../db/queries/recovery.js';
import type { RecoveryKind, RecoveryStatus } from '../db/schema/recovery.js';
import type { MeetingRef, MeetingSource, SyncSource } from '../ingest/types.js';

// What the recovery workflow and its activities pass each other: ids and small summaries only.

/** An ingest the recovery starts for what the archive lacks (the schedule's own workflow ID). */
export type RecoveryWork =
  | { kind: 'meeting'; workflowId: string; itemIds: string[]; source: MeetingSource; meeting: MeetingRef }
  | { kind: 'call'; workflowId: string; itemIds: string[]; callId: string };

export interface RecoveryRequestSummary extends RecoveryCounts {
  requestId: string;
  kind: RecoveryKind;
  source: SyncSource | null;
  status: RecoveryStatus;
  requestedBy: string;
  from?: string;
  to?: string;
  error?: string;
}

/** The `progress` query: the tenant's requests not done and the latest done, with their counts. */
export interface RecoveryProgress {
  tenantId: string;
  requests: RecoveryRequestSummary[];
}
