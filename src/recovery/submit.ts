import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { recoveryWorkflowId } from '../workflows/ids.js';
import type { RecoveryInput } from '../workflows/recovery.js';
import { ZoomTenant } from '../workflows/search-attributes.js';
import { recoverySummary } from '../workflows/summaries.js';
import type { CancelRecoveryRequest, RecoverMeetingsRequest, RecoverTimeframeRequest, RetryFailedFilesRequest } from './requests.js';

// How everything outside the workflow asks for a recovery (the API, the CSV intake, the sync's
// automatic recovery): signal-with-start on `recovery:<tenant>`, so the tenant's one recovery
// workflow is started if it is not running, and the signal is durable once this resolves.

export type RecoverySignal =
  | { name: 'recoverTimeframe'; request: RecoverTimeframeRequest }
  | { name: 'recoverMeetings'; request: RecoverMeetingsRequest }
  | { name: 'retryFailedFiles'; request: RetryFailedFilesRequest }
  | { name: 'cancel'; request: CancelRecoveryRequest };

export interface TemporalTarget {
  client: Client;
  taskQueue: string;
}

/** Sends one signal to the tenant's recovery workflow, starting it when needed; resolves to its workflow ID. */
export async function signalRecovery(temporal: TemporalTarget, tenantId: string, signal: RecoverySignal): Promise<string> {
  const workflowId = recoveryWorkflowId(tenantId);
  const input: RecoveryInput = { tenantId };
  await temporal.client.workflow.signalWithStart('recovery', {
    workflowId,
    taskQueue: temporal.taskQueue,
    args: [input],
    signal: signal.name,
    signalArgs: [signal.request],
    typedSearchAttributes: [{ key: ZoomTenant, value: tenantId }],
    staticSummary: recoverySummary(tenantId),
    memo: { tenant: tenantId },
  });
  return workflowId;
}

/**
 * A request id (a UUID in v4 layout) derived from what the request is about: the same CSV file, or
 * the same gap of a sync, always makes the same id, so sending it again files nothing new.
 */
export function requestIdOf(tenantId: string, name: string, bytes: Buffer): string {
  const hex = createHash('sha256').update(tenantId).update('\0').update(name).update('\0').update(bytes).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
