import type { SyncSource } from '../ingest/types.js';
import type { ReconcileFamily } from '../reconciliation/types.js';

// Readable, deterministic workflow IDs: the same meeting always maps to the same ID, so a second
// start (another sync, a webhook, a second worker) is refused by Temporal or finds the work done.

export const meetingWorkflowId = (tenantId: string, meetingUuid: string) => `meeting:${tenantId}:${meetingUuid}`;

/** One call id correlates every leg of a call: a transfer or a queue call is one workflow. */
export const phoneCallWorkflowId = (tenantId: string, callId: string) => `phone:${tenantId}:${callId}`;

export const syncWorkflowId = (tenantId: string, source: SyncSource) => `sync:${tenantId}:${source}`;

export const syncScheduleId = (tenantId: string, source: SyncSource) => `sync:${tenantId}:${source}`;

/** One reconciliation per tenant, family and UTC day (yyyy-mm-dd): a second start finds it running. */
export const reconcileWorkflowId = (tenantId: string, family: ReconcileFamily, day: string) => `reconcile:${tenantId}:${family}:${day}`;

/** The tenant's daily reconciliation schedule (it reconciles the day before, every family the tenant imports). */
export const reconcileScheduleId = (tenantId: string) => `reconcile:${tenantId}`;

/** One recovery workflow per tenant: every request of the tenant goes to it by signal-with-start. */
export const recoveryWorkflowId = (tenantId: string) => `recovery:${tenantId}`;

/** The tenant's CSV drop-folder schedule (src/workflows/csv-intake.ts). */
export const csvIntakeScheduleId = (tenantId: string) => `csv:${tenantId}`;
