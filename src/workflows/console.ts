import { ActivityFailure, ApplicationFailure, ParentClosePolicy, WorkflowIdReusePolicy, proxyLocalActivities, startChild, type ChildWorkflowOptions, type Workflow } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { createConsoleActivities } from '../activities/console.js';
import type { SyncSource } from '../ingest/types.js';

// What every workflow an engineer may start by hand shares: the checks of its small JSON input,
// which fail the workflow in its first task with a non-retryable, readable ApplicationFailure, and
// the hand-off to the canonical workflow when it was started under another ID.

/** The failure type of a malformed input (a typo in a field, a bad date, UUID or meeting id). */
export const INVALID_INPUT = 'InvalidWorkflowInput';

export const invalidInput = (message: string) => ApplicationFailure.nonRetryable(message, INVALID_INPUT);

const TENANT_ID = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MEETING_UUID = /^[A-Za-z0-9+/]{22}==$/;
const MEETING_ID = /^\d{9,11}$/;

/** The Start Workflow form left empty, or a list or a string typed: refused with an example (not a failing task retried forever). */
export function requireObject(input: unknown, example: string): void {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw invalidInput(`the input must be one JSON object, e.g. ${example}; got ${JSON.stringify(input) ?? 'nothing'}`);
  }
}

export function requireTenantId(input: unknown): string {
  const tenantId = (input as { tenantId?: unknown } | null | undefined)?.tenantId;
  if (typeof tenantId !== 'string' || !TENANT_ID.test(tenantId)) {
    throw invalidInput(`"tenantId" must be a tenant id (lower-case letters, digits and inner dashes), got ${JSON.stringify(tenantId)}`);
  }
  return tenantId;
}

/** Exactly one of `meetingUuid` (an instance UUID) and `meetingId` (the number people type, 9-11 digits). */
export function requireMeetingRef(input: { meetingUuid?: unknown; meetingId?: unknown }): { meetingUuid: string } | { meetingId: string } {
  const { meetingUuid, meetingId } = input;
  if ((meetingUuid === undefined) === (meetingId === undefined)) {
    throw invalidInput('give exactly one of "meetingUuid" (an instance UUID, 24 characters ending in ==) and "meetingId" (the 9 to 11 digits people type)');
  }
  if (meetingUuid !== undefined) {
    if (typeof meetingUuid !== 'string' || !MEETING_UUID.test(meetingUuid)) throw invalidInput(`"meetingUuid" must be a Zoom instance UUID (24 characters ending in ==), got ${JSON.stringify(meetingUuid)}`);
    return { meetingUuid };
  }
  // Spaces and dashes may group the digits (812 3456 7890); they never lead or trail.
  const text = typeof meetingId === 'number' ? String(meetingId) : typeof meetingId === 'string' ? meetingId.trim() : '';
  const digits = /^\d+(?:[\s-]+\d+)*$/.test(text) ? text.replace(/[\s-]/g, '') : '';
  if (!MEETING_ID.test(digits)) throw invalidInput(`"meetingId" must be a meeting number of 9 to 11 digits, got ${JSON.stringify(meetingId)}`);
  return { meetingId: digits };
}

export function requireOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) throw invalidInput(`"${name}" must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** An activity's non-retryable "no" (unknown tenant, source off, no such meeting), as the workflow's own failure. */
export function readable(err: unknown): unknown {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable) {
    return ApplicationFailure.nonRetryable(err.cause.message, err.cause.type ?? undefined);
  }
  return err;
}

const { checkConsoleTenant } = proxyLocalActivities<ReturnType<typeof createConsoleActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['UnknownTenant', 'SourceNotEnabled', 'CallNotFound'] },
});

/** The tenant exists, imports `source` and has listed `callId` (when given): checked in the workflow's first task (a local activity). */
export async function checkTenant(tenantId: string, source?: SyncSource, callId?: string): Promise<Awaited<ReturnType<ReturnType<typeof createConsoleActivities>['checkConsoleTenant']>>> {
  try {
    return await checkConsoleTenant({ tenantId, ...(source ? { source } : {}), ...(callId ? { callId } : {}) });
  } catch (err) {
    throw readable(err);
  }
}

/** Where a workflow started by hand sent its work: the canonical workflow, started or found running. */
export interface HandedTo {
  workflowId: string;
  status: 'started' | 'already_running';
}

export interface HandOff {
  handedTo: HandedTo[];
}

/** Starts the canonical workflow as an abandoned child (it outlives this one), or finds it running. */
export async function handOff<T extends Workflow>(workflowType: string, options: Omit<ChildWorkflowOptions, 'args'> & { workflowId: string; args: Parameters<T> }): Promise<HandedTo> {
  try {
    const childOptions: ChildWorkflowOptions = {
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      ...options,
    };
    await startChild(workflowType, childOptions);
    return { workflowId: options.workflowId, status: 'started' };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId: options.workflowId, status: 'already_running' };
    throw err;
  }
}
