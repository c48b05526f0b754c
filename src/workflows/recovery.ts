import {
  ActivityFailure,
  ApplicationFailure,
  ParentClosePolicy,
  TemporalFailure,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  uuid4,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { createConsoleActivities } from '../activities/console.js';
import type { createRecoveryActivities } from '../activities/recovery.js';
import type { RecoverySignal } from '../recovery/submit.js';
import {
  cancelProblems,
  requestProblems,
  type CancelRecoveryRequest,
  type RecoverMeetingsRequest,
  type RecoverTimeframeRequest,
  type RecoveryOrder,
  type RetryFailedFilesRequest,
} from '../recovery/requests.js';
import type { RecoveryProgress, RecoveryWork } from '../recovery/types.js';
import { checkTenant, invalidInput, requireObject, requireTenantId, type HandOff } from './console.js';
import { describeFailure } from './describe-failure.js';
import { recoveryWorkflowId } from './ids.js';
import { ingestMeeting } from './ingest-meeting.js';
import { ingestPhoneCall } from './ingest-phone-call.js';
import { apiCallOptions, databaseOptions, listingOptions } from './retry-policies.js';
import { callStartOptions, meetingStartOptions } from './start-options.js';

type RecoveryActivities = ReturnType<typeof createRecoveryActivities>;
/** A caller-chosen request id another tenant holds (src/db/queries/recovery.ts): refused, never retried. */
const REQUEST_ID_TAKEN = 'RecoveryRequestIdTakenError';
/**
 * The queue's own bookkeeping waits out a database outage however long it lasts: a request held in
 * memory is never dropped for it. Only what asking again cannot fix comes back as a failure.
 */
const queueOptions: ActivityOptions = {
  ...databaseOptions,
  retry: { ...databaseOptions.retry, maximumAttempts: Infinity, nonRetryableErrorTypes: ['UnknownTenantError', REQUEST_ID_TAKEN] },
};
const { fileRecovery, cancelRecovery, nextRecoveryRequest, finishRecoveryRequest, recoveryProgress } = proxyActivities<RecoveryActivities>(queueOptions);
const { settleRecoveryItems } = proxyActivities<RecoveryActivities>(databaseOptions);
const { submitRecovery } = proxyActivities<ReturnType<typeof createConsoleActivities>>(apiCallOptions);

export const recoverTimeframeSignal = defineSignal<[RecoverTimeframeRequest]>('recoverTimeframe');
export const recoverMeetingsSignal = defineSignal<[RecoverMeetingsRequest]>('recoverMeetings');
export const retryFailedFilesSignal = defineSignal<[RetryFailedFilesRequest]>('retryFailedFiles');
export const cancelSignal = defineSignal<[CancelRecoveryRequest]>('cancel');
export const progressQuery = defineQuery<RecoveryProgress & { waiting: number; refused: string[] }>('progress');

export interface RecoveryInput {
  tenantId: string;
  /** Ingests run at once (default 4): a recovery never crowds out the schedule's own work. */
  concurrency?: number;
  /**
   * Attempts at each Zoom step of a request (its listing, a page of items) before the request is
   * failed with Zoom's answer and the next one runs (default 12: about 25 minutes of outage).
   */
  zoomAttempts?: number;
  /** Signals (and updates) per run before continue-as-new (default 500); tests make it small. */
  signalsPerRun?: number;
  /**
   * A request given at start, when an engineer starts a recovery from the Temporal UI (one of
   * these; `requestedBy` defaults to "temporal-ui"). Under another ID than `recovery:<tenant>`,
   * the request is sent to that workflow and this one ends naming it.
   */
  timeframe?: Omit<RecoverTimeframeRequest, 'requestedBy'> & { requestedBy?: string };
  meetings?: Omit<RecoverMeetingsRequest, 'requestedBy'> & { requestedBy?: string };
  retryFailedFiles?: Omit<RetryFailedFilesRequest, 'requestedBy'> & { requestedBy?: string };
}

/** What a recovery started by hand under another ID did: where its request went. */
export interface RecoveryHandOff extends HandOff {
  requestId: string;
}

/** What an update answers: the request's id, filed in the database (follow it with `progress` or the API). */
export interface RecoveryAccepted {
  requestId: string;
  status: 'queued';
}

export const requestTimeframeUpdate = defineUpdate<RecoveryAccepted, [RecoverTimeframeRequest]>('requestTimeframe');
export const requestMeetingsUpdate = defineUpdate<RecoveryAccepted, [RecoverMeetingsRequest]>('requestMeetings');
export const requestFileRetryUpdate = defineUpdate<RecoveryAccepted, [RetryFailedFilesRequest]>('requestFileRetry');

const BY_HAND = 'temporal-ui';

/** The request an input carries, as an order, or null; a malformed one fails the workflow at once. */
function orderFromInput(input: RecoveryInput, requestId: string): RecoveryOrder | null {
  const given = ([['timeframe', 'timeframe', input.timeframe], ['meetings', 'meetings', input.meetings], ['retryFailedFiles', 'files', input.retryFailedFiles]] as const)
    .filter(([, , request]) => request);
  if (given.length > 1) throw invalidInput(`give one request: "timeframe", "meetings" or "retryFailedFiles", not ${given.map(([name]) => name).join(' and ')}`);
  const [first] = given;
  if (!first) return null;
  const [, kind, request] = first;
  const order = { requestedBy: BY_HAND, requestId, ...request, kind } as RecoveryOrder;
  const problems = requestProblems(kind, order);
  if (problems.length > 0) throw invalidInput(problems.join('; '));
  return order;
}

type RecoveryRequestOfAnyKind = RecoverTimeframeRequest | RecoverMeetingsRequest | RetryFailedFilesRequest;

/** A request as the workflow files it: its kind, and an id (the sender's, else a new one). */
const orderOf = (kind: RecoveryOrder['kind'], request: RecoveryRequestOfAnyKind): RecoveryOrder =>
  ({ ...request, kind, requestId: request.requestId ?? uuid4() }) as RecoveryOrder;

const SIGNAL_OF = { timeframe: 'recoverTimeframe', meetings: 'recoverMeetings', files: 'retryFailedFiles' } as const;

/** Items examined per activity: each costs at most a light Zoom call or two. */
const ITEMS_PER_PAGE = 25;
/** Ingests per run before continue-as-new: each adds a handful of events to this history. */
const INGESTS_PER_RUN = 200;
/** Signals per run before continue-as-new, while idle: each adds a signal and an activity. */
const SIGNALS_PER_RUN = 500;
/** What a new run carries: the tenant and its settings; every request is in the database. */
const carried = ({ tenantId, concurrency, zoomAttempts, signalsPerRun }: RecoveryInput): RecoveryInput => ({
  tenantId,
  ...(concurrency !== undefined ? { concurrency } : {}),
  ...(zoomAttempts !== undefined ? { zoomAttempts } : {}),
  ...(signalsPerRun !== undefined ? { signalsPerRun } : {}),
});
/** How often items handed to an ingest that was already running are looked at again, and for how long. */
const SETTLE_POLL = '10 seconds';
const SETTLE_POLLS = 720;
/** Refused signals kept for the query (newest last). */
const REFUSALS_SHOWN = 10;

/**
 * A tenant's recovery (`recovery:<tenant>`, started by signal-with-start): re-imports time frames,
 * meetings listed by support and failed files. Requests queue in the database in arrival order;
 * for each item it asks Zoom what exists, compares with what is stored and starts the ingest only
 * for what is really missing, under the schedule's own workflow IDs (so nothing doubles), a few at
 * a time. A request that cannot be done (Zoom down past its retries) ends failed with the reason
 * and the queue goes on. It waits for signals when idle and continues as new, carrying only its
 * tenant, when its history grows.
 */
export async function recovery(input: RecoveryInput): Promise<void | RecoveryHandOff> {
  requireObject(input, '{"tenantId":"acme","meetings":{"refs":["81234567890"]}}');
  const { tenantId } = input;
  const concurrency = input.concurrency ?? 4;
  const zoomRetry = { ...apiCallOptions.retry, ...(input.zoomAttempts !== undefined ? { maximumAttempts: input.zoomAttempts } : {}) };
  const { listRecoveryTimeframe } = proxyActivities<RecoveryActivities>({ ...listingOptions, retry: zoomRetry });
  const { examineRecoveryItems } = proxyActivities<RecoveryActivities>({ ...apiCallOptions, retry: zoomRetry, startToCloseTimeout: '10 minutes', heartbeatTimeout: '1 minute' });
  const inbox: RecoveryOrder[] = [];
  // Checked in the first task; a request given at start goes to the tenant's one recovery.
  requireTenantId(input);
  await checkTenant(tenantId);
  const order = orderFromInput(input, uuid4());
  const canonical = recoveryWorkflowId(tenantId);
  if (workflowInfo().workflowId !== canonical) {
    if (!order) throw invalidInput(`the recovery of tenant "${tenantId}" runs as ${canonical}: start it under that ID, or give a request ("timeframe", "meetings" or "retryFailedFiles") to send it there`);
    const { kind, ...request } = order;
    const { workflowId } = await submitRecovery({ tenantId, signal: { name: SIGNAL_OF[kind], request } as RecoverySignal });
    return { handedTo: [{ workflowId, status: 'started' }], requestId: order.requestId };
  }
  if (order) inbox.push(order);
  const cancels: string[] = [];
  const refused: string[] = [];
  let progress: RecoveryProgress = { tenantId, requests: [] };
  let signals = 0;

  // A bad request is refused here and named in `progress` (a signal cannot answer); the API and
  // the CSV intake check the same rules first, so support hears of it at once.
  const refuse = (what: string, problems: string[]) => {
    refused.push(`${what}: ${problems.join('; ')}`);
    refused.splice(0, Math.max(0, refused.length - REFUSALS_SHOWN));
    log.warn('recovery request refused', { what, problems });
  };
  const requestFrom = (kind: RecoveryOrder['kind'], request: RecoveryRequestOfAnyKind) => `${kind} from ${String(request.requestedBy)}`;
  const accept = (kind: RecoveryOrder['kind'], request: RecoveryRequestOfAnyKind) => {
    signals += 1;
    const problems = requestProblems(kind, request);
    if (problems.length > 0) refuse(requestFrom(kind, request), problems);
    else inbox.push(orderOf(kind, request));
  };
  // A default argument: a signal sent by hand with no argument is refused, not a failed workflow task.
  setHandler(recoverTimeframeSignal, (r = {} as RecoverTimeframeRequest) => accept('timeframe', r));
  setHandler(recoverMeetingsSignal, (r = {} as RecoverMeetingsRequest) => accept('meetings', r));
  setHandler(retryFailedFilesSignal, (r = {} as RetryFailedFilesRequest) => accept('files', r));
  setHandler(cancelSignal, (r) => {
    signals += 1;
    const problems = cancelProblems(r);
    if (problems.length > 0) refuse('cancel', problems);
    else cancels.push(r.requestId);
  });
  setHandler(progressQuery, () => ({ ...progress, waiting: inbox.length, refused }));

  // Updates: the same requests, answered with their id once filed; a bad one is rejected by its
  // validator before it enters the history.
  let filedByUpdate = false;
  const fileNow = async (order: RecoveryOrder): Promise<RecoveryAccepted> => {
    signals += 1;
    try {
      await fileRecovery({ tenantId, order });
    } catch (err) {
      // The update is rejected with the reason (another tenant's request id); the workflow goes on.
      if (!(err instanceof ActivityFailure)) throw err;
      const { error, errorType } = describeFailure(err);
      throw ApplicationFailure.nonRetryable(error, errorType);
    }
    filedByUpdate = true;
    return { requestId: order.requestId, status: 'queued' };
  };
  const validator = (kind: RecoveryOrder['kind']) => (r: RecoveryRequestOfAnyKind | undefined) => {
    const problems = requestProblems(kind, r ?? ({} as RecoverTimeframeRequest));
    if (problems.length > 0) throw new Error(problems.join('; '));
  };
  setHandler(requestTimeframeUpdate, (r) => fileNow(orderOf('timeframe', r)), { validator: validator('timeframe') });
  setHandler(requestMeetingsUpdate, (r) => fileNow(orderOf('meetings', r)), { validator: validator('meetings') });
  setHandler(requestFileRetryUpdate, (r) => fileNow(orderOf('files', r)), { validator: validator('files') });

  /** Files a signal's request; one the database refuses for good is named in `progress` instead. */
  const fileOrRefuse = async (order: RecoveryOrder) => {
    try {
      await fileRecovery({ tenantId, order });
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      refuse(requestFrom(order.kind, order), [describeFailure(err).error]);
    }
  };

  /**
   * Files what the signals brought, requests before cancellations, until nothing waits: a signal
   * can arrive during any of these awaits.
   */
  const fileInbox = async () => {
    while (inbox.length > 0 || cancels.length > 0) {
      const order = inbox.shift();
      if (order) await fileOrRefuse(order);
      else await cancelRecovery({ tenantId, requestId: cancels.shift()! });
    }
  };

  let ingests = 0;

  /** Starts one ingest and settles its items when it ends; one already running is settled later. */
  const runIngest = async (requestId: string, work: RecoveryWork) => {
    try {
      const child = work.kind === 'meeting'
        ? await startChild(ingestMeeting, { ...childOptions, ...meetingStartOptions(meetingIngest(tenantId, work)), args: [meetingIngest(tenantId, work)] })
        : await startChild(ingestPhoneCall, { ...childOptions, ...callStartOptions(callIngest(tenantId, work)), args: [callIngest(tenantId, work)] });
      await child.result().catch((err: Error) => log.warn('recovery ingest failed', { workflowId: work.workflowId, error: err.message }));
    } catch (err) {
      // The schedule, a webhook or another request is archiving it now: settled once that ends.
      if (err instanceof WorkflowExecutionAlreadyStartedError) return;
      throw err;
    }
    await settleRecoveryItems({ tenantId, requestId, itemIds: work.itemIds, final: true });
  };

  /** Works through one request; false when this run should continue as new first. */
  const work = async (request: NonNullable<Awaited<ReturnType<typeof nextRecoveryRequest>>>): Promise<boolean> => {
    const { requestId } = request;
    const running = new Set<Promise<void>>();
    let ingestFailure: unknown;
    // An ingest's own failure is its items'; what fails here (settling its items) fails the request.
    const start = (w: RecoveryWork) => {
      const run: Promise<void> = runIngest(requestId, w)
        .catch((err: unknown) => { ingestFailure ??= err; })
        .finally(() => running.delete(run));
      running.add(run);
      ingests += 1;
    };
    const allEnded = async () => {
      await Promise.all(running);
      if (ingestFailure !== undefined) throw ingestFailure;
    };
    try {
      if (request.kind === 'timeframe' && !request.listed) await listRecoveryTimeframe({ tenantId, requestId });
      for (;;) {
        await fileInbox();
        const page = await examineRecoveryItems({ tenantId, requestId, limit: ITEMS_PER_PAGE });
        for (const w of page.work) {
          while (running.size >= concurrency) await Promise.race(running);
          start(w);
        }
        progress = await recoveryProgress({ tenantId });
        if (page.cancelled || !page.more) break;
        if (ingests >= INGESTS_PER_RUN || workflowInfo().continueAsNewSuggested) {
          await allEnded();
          return false;
        }
      }
      await allEnded();
    } finally {
      // A request failing midway still lets the ingests it started end before the next request.
      await Promise.all(running);
    }
    // Items whose meeting another workflow was archiving: wait for it, looking at the archive.
    for (let poll = 0; ; poll++) {
      const { inProgress } = await settleRecoveryItems({ tenantId, requestId });
      if (inProgress === 0) break;
      if (poll >= SETTLE_POLLS) {
        await settleRecoveryItems({ tenantId, requestId, final: true });
        break;
      }
      await sleep(SETTLE_POLL);
    }
    progress = await finishRecoveryRequest({ tenantId, requestId });
    return true;
  };

  /** One request worked through; one that cannot be done ends failed with its reason, and the queue goes on. */
  const workOrFail = async (request: Parameters<typeof work>[0]): Promise<boolean> => {
    try {
      return await work(request);
    } catch (err) {
      if (!(err instanceof TemporalFailure) || isCancellation(err)) throw err;
      const { error } = describeFailure(err);
      log.warn('recovery request failed', { requestId: request.requestId, error });
      progress = await finishRecoveryRequest({ tenantId, requestId: request.requestId, error });
      return true;
    }
  };

  for (;;) {
    await fileInbox();
    const next = await nextRecoveryRequest({ tenantId });
    const carryOn = next ? await workOrFail(next) : true;
    if (!carryOn || signals >= (input.signalsPerRun ?? SIGNALS_PER_RUN) || workflowInfo().continueAsNewSuggested) {
      // Nothing may be lost across the new run: every handler done and every signal filed, looked
      // at again after each wait, since a signal or an update can arrive during any of them.
      while (!allHandlersFinished() || inbox.length > 0 || cancels.length > 0) {
        await condition(allHandlersFinished);
        await fileInbox();
      }
      return continueAsNew<typeof recovery>(carried(input));
    }
    if (!next) {
      progress = await recoveryProgress({ tenantId });
      filedByUpdate = false;
      await condition(() => inbox.length > 0 || cancels.length > 0 || filedByUpdate);
    }
  }
}

const meetingIngest = (tenantId: string, work: Extract<RecoveryWork, { kind: 'meeting' }>) => ({ tenantId, source: work.source, meeting: work.meeting, trigger: 'recovery' as const });
const callIngest = (tenantId: string, work: Extract<RecoveryWork, { kind: 'call' }>) => ({ tenantId, callId: work.callId, trigger: 'recovery' as const });

const childOptions = {
  // A meeting archived before runs again (only what is missing is fetched); a running one is left be.
  workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
  // An ingest outlives a recovery that continues as new or is cancelled.
  parentClosePolicy: ParentClosePolicy.ABANDON,
};
