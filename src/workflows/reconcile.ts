import {
  ApplicationFailure,
  ContinueAsNew,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { createCallReconciliationActivities } from '../activities/reconcile-calls.js';
import type { createMeetingReconciliationActivities } from '../activities/reconcile-meetings.js';
import type { createVoiceQualityActivities } from '../activities/reconcile-voice-quality.js';
import type { createReconciliationActivities } from '../activities/reconciliation.js';
import type { createPhoneSyncActivities } from '../activities/phone-listing.js';
import type { ReconcileKey, ReconcileProgress, ReconcileStep } from '../reconciliation/types.js';
import { describeFailure } from './describe-failure.js';
import { ingestMeeting } from './ingest-meeting.js';
import { ingestPhoneCall } from './ingest-phone-call.js';
import { databaseOptions, listingOptions, reconcileStepOptions } from './retry-policies.js';
import { callStartOptions, meetingStartOptions, reconcileStartOptions } from './start-options.js';
import { checkTenant, handOff, requireObject, requireTenantId, type HandOff } from './console.js';
import { reconcileWorkflowId } from './ids.js';
import { ZoomState } from './search-attributes.js';

// One tenant's reconciliation of one family (meetings or phone calls) and UTC day: walk Zoom's logs
// of the day into the database, then check each meeting or call against the archive. A recording
// Zoom holds that we lack goes to the ingest (the same workflow id as the schedule's, so nothing
// doubles); a meeting or call that should have been recorded and was not gets `recording_failed`
// CDRs. When the daily quota (or reconciliation's share of it) is spent, the run sleeps on a timer
// until 00:00 UTC plus a little jitter, with its cursor in the database, and goes on from there.

type Steps = ReturnType<typeof createMeetingReconciliationActivities> & ReturnType<typeof createCallReconciliationActivities> & ReturnType<typeof createVoiceQualityActivities>;
const steps = proxyActivities<Steps>(reconcileStepOptions);
const { beginReconciliation, saveReconciliationStatus, reconciliationProgress, nextMissing } = proxyActivities<ReturnType<typeof createReconciliationActivities>>(databaseOptions);
const { listPhoneCalls } = proxyActivities<ReturnType<typeof createPhoneSyncActivities>>(listingOptions);

export const progressQuery = defineQuery<ReconcileProgress>('progress');
/** Ends a sleep for the quota at once (an operator who raised the plan's quota, or knows better). */
export const resumeNowSignal = defineSignal('resumeNow');
/** Stops the run cleanly after the step in progress; what it found so far stays. */
export const cancelSignal = defineSignal('cancel');

export interface ReconcileInput extends ReconcileKey {
  /** Set by continue-as-new: the run's state is in the database, so it goes on rather than begins. */
  resumed?: boolean;
  /** Steps before continuing as new (default STEPS_PER_RUN; tests make it small). */
  stepsPerRun?: number;
  /** Set by continue-as-new during the hand-off: the missing items up to this id were handed to the ingest. */
  handedThrough?: string;
  /** Set by continue-as-new: a `cancel` came during the last step, so the new run ends `cancelled`. */
  cancelled?: true;
  /**
   * Off: a sleep for the quota is not marked with `ZoomState = "waiting_for_quota"`. Only for a
   * server that cannot index it (the time-skipping test server takes no search attribute upsert).
   */
  markQuotaWait?: false;
}

/** Spread of the wake-up after 00:00 UTC, so every tenant's run does not call Zoom the same second. */
export const MAX_WAKE_JITTER_MS = 60_000;
/** Steps per run before continuing as new (a hand-off page starts up to HANDOFF_PAGE children). */
const STEPS_PER_RUN = 200;
const HANDOFF_PAGE = 50;
/** A reset time already past on the workflow's clock (a worker whose clock runs ahead): try again after this. */
const MIN_QUOTA_WAIT_MS = 60_000;

export async function reconcile(input: ReconcileInput): Promise<ReconcileProgress | HandOff> {
  requireObject(input, '{"tenantId":"acme","family":"meetings","day":"2026-12-03"}');
  // A typo fails at once, naming what is valid, instead of retrying an activity for minutes.
  if (input.family !== 'meetings' && input.family !== 'phone') throw invalidReconcileInput(`"family" must be "meetings" or "phone", got ${JSON.stringify(input.family)}`);
  if (!isUtcDay(input.day)) throw invalidReconcileInput(`"day" must be a UTC day as yyyy-mm-dd, got ${JSON.stringify(input.day)}`);
  const key: ReconcileKey = { tenantId: input.tenantId, family: input.family, day: input.day };
  // Started by hand under another ID: the day's own workflow does it (one reconciliation per day,
  // never two at once).
  if (workflowInfo().workflowId !== reconcileWorkflowId(key.tenantId, key.family, key.day)) {
    requireTenantId(input);
    await checkTenant(key.tenantId);
    return { handedTo: [await handOff<typeof reconcile>('reconcile', { ...reconcileStartOptions(key.tenantId, key.family, key.day), args: [key] })] };
  }
  let progress: ReconcileProgress = {
    day: key.day, family: key.family, status: 'running', phase: 'walk', plan: null,
    pagesWalked: 0, heavyCallsUsed: 0, found: 0, checked: 0, missingFound: 0, failedCdrsWritten: 0, pausedUntil: null, userErrors: [],
  };
  let resumeRequested = false;
  let cancelled = input.cancelled === true;
  setHandler(progressQuery, () => progress);
  setHandler(resumeNowSignal, () => {
    resumeRequested = true;
  });
  setHandler(cancelSignal, () => {
    cancelled = true;
  });

  /** Sleeps until the quota resets (plus jitter), a `resumeNow` or a `cancel`; false when cancelled. */
  const sleepForQuota = async (untilIso: string): Promise<boolean> => {
    const now = new Date().getTime();
    // Math.random is deterministic in workflow code (seeded per run): the jitter replays.
    let wakeAt = Date.parse(untilIso) + Math.floor(Math.random() * MAX_WAKE_JITTER_MS);
    if (wakeAt <= now) wakeAt = now + MIN_QUOTA_WAIT_MS;
    progress = { ...progress, status: 'waiting_for_quota', pausedUntil: new Date(wakeAt).toISOString() };
    resumeRequested = false;
    // Findable in the Web UI: `ZoomState = "waiting_for_quota"`.
    const marksState = input.markQuotaWait !== false;
    if (marksState) upsertSearchAttributes([{ key: ZoomState, value: 'waiting_for_quota' }]);
    await condition(() => resumeRequested || cancelled, wakeAt - now);
    if (marksState) upsertSearchAttributes([{ key: ZoomState, value: cancelled ? 'cancelled' : 'running' }]);
    if (cancelled) return false;
    progress = await saveReconciliationStatus({ ...key, status: 'running' });
    return true;
  };

  let stepsThisRun = 0;
  const timeToContinueAsNew = () => ++stepsThisRun >= (input.stepsPerRun ?? STEPS_PER_RUN) || workflowInfo().continueAsNewSuggested;

  /**
   * Runs a phase's steps while it is wanted, until one says done, sleeping through a spent quota.
   * 'continue-as-new' when the run has grown long (the cursor is in the database).
   */
  const runPhase = async (step: () => Promise<ReconcileStep>, wanted: () => boolean): Promise<'ended' | 'continue-as-new'> => {
    while (!cancelled && wanted()) {
      const result = await step();
      progress = result.progress;
      if (result.waitingUntil) {
        if (!(await sleepForQuota(result.waitingUntil))) break;
        continue;
      }
      if (result.done) break;
      if (timeToContinueAsNew()) return 'continue-as-new';
    }
    return 'ended';
  };

  try {
    if (input.resumed) {
      progress = await reconciliationProgress(key);
    } else {
      progress = await beginReconciliation(key);
      if (key.family === 'phone') {
        // The day's recordings listed again (medium, no daily quota): every recording Zoom holds of
        // a configured user is then in the database for the check to find.
        const dayStart = new Date(`${key.day}T00:00:00Z`);
        await listPhoneCalls({ tenantId: key.tenantId, from: dayStart.toISOString(), to: new Date(dayStart.getTime() + 86_400_000).toISOString() });
      }
    }

    /** The cursor is in the database: the next run only needs to know it resumes (and, handing off, where). */
    const continueAsNewWithCursor = async (handedThrough: string | undefined): Promise<never> => {
      // Signals that came during the last step are handled first: a cancel among them goes over.
      await condition(allHandlersFinished);
      return continueAsNew<typeof reconcile>({
        tenantId: input.tenantId, family: input.family, day: input.day, resumed: true,
        ...(input.stepsPerRun !== undefined ? { stepsPerRun: input.stepsPerRun } : {}),
        ...(handedThrough !== undefined ? { handedThrough } : {}),
        ...(input.markQuotaWait === false ? { markQuotaWait: false as const } : {}),
        ...(cancelled ? { cancelled: true as const } : {}),
      });
    };

    const walk = () => (key.family === 'meetings' ? steps.walkMeetingLogs(key) : steps.walkCallHistory(key));
    if (await runPhase(walk, () => progress.phase === 'walk') === 'continue-as-new') return await continueAsNewWithCursor(input.handedThrough);
    const check = () => (key.family === 'meetings' ? steps.checkMeetings(key) : steps.checkCalls(key));
    if (await runPhase(check, () => true) === 'continue-as-new') return await continueAsNewWithCursor(input.handedThrough);

    // What the check found missing goes to the ingest, read back page by page from the database.
    let handedThrough = input.handedThrough;
    while (!cancelled) {
      const page = await nextMissing({ ...key, ...(handedThrough !== undefined ? { after: handedThrough } : {}), limit: HANDOFF_PAGE });
      for (const { source, meeting } of page.meetings) {
        const ingest = { tenantId: key.tenantId, source, meeting, trigger: 'reconciliation' as const };
        await startIngest(() => startChild(ingestMeeting, {
          ...meetingStartOptions(ingest),
          args: [ingest],
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          parentClosePolicy: ParentClosePolicy.ABANDON,
        }));
      }
      for (const callId of page.callIds) {
        const ingest = { tenantId: key.tenantId, callId, trigger: 'reconciliation' as const };
        await startIngest(() => startChild(ingestPhoneCall, {
          ...callStartOptions(ingest),
          args: [ingest],
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          parentClosePolicy: ParentClosePolicy.ABANDON,
        }));
      }
      if (page.last === null) break;
      handedThrough = page.last;
      if (timeToContinueAsNew()) return await continueAsNewWithCursor(handedThrough);
    }

    // Voice quality, where the tenant asks for it: best effort, last, within the same quota share.
    if (await runPhase(() => steps.rateVoiceQuality(key), () => progress.rateVoiceQuality === true) === 'continue-as-new') {
      return await continueAsNewWithCursor(handedThrough);
    }

    progress = await saveReconciliationStatus({ ...key, status: cancelled ? 'cancelled' : 'finished' });
    return progress;
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    await saveReconciliationStatus({ ...key, status: 'failed', error: describeFailure(err).error });
    throw err;
  }
}

/** An ingest already running for the meeting or call (the schedule's, a webhook's) is left to finish. */
async function startIngest(start: () => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** A real calendar day written yyyy-mm-dd. */
export const isUtcDay = (s: unknown): s is string =>
  typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

/** Rejects what no run could do, before anything starts (a non-retryable failure naming the problem). */
export function invalidReconcileInput(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'InvalidReconcileInput', message, nonRetryable: true });
}
