import { ParentClosePolicy, WorkflowIdReusePolicy, proxyActivities, startChild, workflowInfo, type ChildWorkflowHandle } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, defineSearchAttributeKey } from '@temporalio/common';
import type { createReconciliationActivities } from '../activities/reconciliation.js';
import type { ReconciliationStatus } from '../db/schema/reconciliation.js';
import type { ReconcileFamily } from '../reconciliation/types.js';
import { describeFailure } from './describe-failure.js';
import { invalidReconcileInput, isUtcDay, reconcile } from './reconcile.js';
import { databaseOptions } from './retry-policies.js';
import { reconcileStartOptions } from './start-options.js';
import { requireObject, requireTenantId } from './console.js';

// Starts the reconciliations of a tenant's days: by its daily schedule (no dates: the day before
// the scheduled time, and the day before that again for recordings Zoom listed late), or on demand
// for a range. Each day and family is its own `reconcile` workflow, abandoned so that it runs on
// (it may sleep for the quota) if this one is ended; this one waits for them and reports each day:
// one day that fails never stops the others.

const { reconciliationFamilies } = proxyActivities<ReturnType<typeof createReconciliationActivities>>(databaseOptions);

export interface ReconcileDaysInput {
  tenantId: string;
  /** yyyy-mm-dd (UTC), inclusive; both or neither. */
  from?: string;
  to?: string;
  /** Default: every family the tenant imports. */
  families?: ReconcileFamily[];
}

export interface ReconcileDaysResult {
  /** Workflow ids started. */
  started: string[];
  /** Workflow ids already running (left to finish). */
  alreadyRunning: string[];
  /** How each day started here ended; a failed one with its reason. */
  days: { workflowId: string; day: string; family: ReconcileFamily; status: ReconciliationStatus; error?: string }[];
  /** finished_with_errors: a day failed, or was reconciled without users Zoom refused. */
  status: 'finished' | 'finished_with_errors';
}

/** Temporal sets it on every run a schedule starts (a backfill's too): the time the run was due. */
const ScheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', 'DATETIME');

const DAY_MS = 86_400_000;
/** A range is at most this many days: Zoom's logs reach back 6 months, a larger range is a typo. */
export const MAX_RECONCILE_DAYS = 31;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The days to reconcile: the range asked for, else yesterday and the day before (UTC, by workflow time). */
export function daysToReconcile(input: Pick<ReconcileDaysInput, 'from' | 'to'>, nowMs: number): string[] {
  if (input.from === undefined && input.to === undefined) return [dayOf(nowMs - 2 * DAY_MS), dayOf(nowMs - DAY_MS)];
  const { from, to } = input;
  if (from === undefined || to === undefined) throw invalidReconcileInput('give both "from" and "to" (yyyy-mm-dd, UTC), or neither for yesterday and the day before');
  for (const [name, value] of [['from', from], ['to', to]] as const) {
    if (!isUtcDay(value)) throw invalidReconcileInput(`"${name}" must be a UTC day as yyyy-mm-dd, got "${value}"`);
  }
  const first = Date.parse(`${from}T00:00:00Z`);
  const last = Date.parse(`${to}T00:00:00Z`);
  if (last < first) throw invalidReconcileInput(`"to" (${to}) is before "from" (${from})`);
  if (last >= Date.parse(`${dayOf(nowMs)}T00:00:00Z`)) throw invalidReconcileInput(`"to" (${to}) must be a day that has ended (before ${dayOf(nowMs)} UTC)`);
  const count = (last - first) / DAY_MS + 1;
  if (count > MAX_RECONCILE_DAYS) throw invalidReconcileInput(`a range covers at most ${MAX_RECONCILE_DAYS} days; ${from}..${to} has ${count}`);
  return Array.from({ length: count }, (_, i) => dayOf(first + i * DAY_MS));
}

export async function reconcileDays(input: ReconcileDaysInput): Promise<ReconcileDaysResult> {
  requireObject(input, '{"tenantId":"acme","from":"2026-11-01","to":"2026-11-30"}');
  requireTenantId(input);
  // A scheduled run (a backfill too) reconciles the days before the time it was due, not before
  // the time it ran: the days missed while the schedule was paused are reconciled by a backfill.
  const due = workflowInfo().typedSearchAttributes.get(ScheduledStartTime);
  const days = daysToReconcile(input, (due ?? new Date()).getTime());
  const imported = await reconciliationFamilies({ tenantId: input.tenantId });
  const families = input.families ?? imported;
  const unknown = families.filter((f) => !imported.includes(f));
  if (unknown.length > 0) throw invalidReconcileInput(`tenant "${input.tenantId}" does not import ${unknown.join(', ')} (it imports: ${imported.join(', ') || 'nothing'})`);
  const result: ReconcileDaysResult = { started: [], alreadyRunning: [], days: [], status: 'finished' };
  const children: { handle: ChildWorkflowHandle<typeof reconcile>; day: string; family: ReconcileFamily }[] = [];
  for (const day of days) {
    for (const family of families) {
      const options = reconcileStartOptions(input.tenantId, family, day);
      const { workflowId } = options;
      try {
        children.push({
          day, family,
          handle: await startChild(reconcile, {
            ...options,
            args: [{ tenantId: input.tenantId, family, day }],
            // A day reconciled before is checked again (late recordings); one still running is left be.
            workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
            parentClosePolicy: ParentClosePolicy.ABANDON,
          }),
        });
        result.started.push(workflowId);
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        result.alreadyRunning.push(workflowId);
      }
    }
  }
  for (const { handle, day, family } of children) {
    try {
      const ended = await handle.result();
      result.days.push({ workflowId: handle.workflowId, day, family, status: 'status' in ended ? ended.status : 'finished' });
    } catch (err) {
      result.days.push({ workflowId: handle.workflowId, day, family, status: 'failed', error: describeFailure(err).error });
    }
  }
  if (result.days.some((d) => d.status === 'failed' || d.status === 'finished_with_errors')) result.status = 'finished_with_errors';
  return result;
}
