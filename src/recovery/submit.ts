import type { Client } from '@temporalio/client';
import { recoveryWorkflowId } from '../workflows/ids.js';
import type { RecoveryInput } from '../workflows/recovery.js';
import { ZoomTenant } from '../workflows/search-attributes.js';
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
  });
  return workflowId;
}
