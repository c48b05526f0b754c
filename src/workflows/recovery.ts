import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  log,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { createConsoleActivities } from '../activities/console.js';
import type { createRecoveryActivities } from '../activities/recovery.js';
import type { RecoverySignal } from '../recovery/submit.js';
import {
  requestProblems,
  type CancelRecoveryRequest,
  type RecoverMeetingsRequest,
  type RecoverTimeframeRequest,
  type RecoveryOrder,
  type RetryFailedFilesRequest,
} from '../recovery/requests.js';
import type { RecoveryProgress, RecoveryWork } from '../recovery/types.js';
import { checkTenant, invalidInput, requireObject, requireTenantId, type HandOff } from './console.js';
import { recoveryWorkflowId } from './ids.js';
import { ingestMeeting } from './ingest-meeting.js';
import { ingestPhoneCall } from './ingest-phone-call.js';
import { apiCallOptions, databaseOptions, listingOptions } from './retry-policies.js';
import { callStartOptions, meetingStartOptions } from './start-options.js';

type RecoveryActivities = ReturnType<typeof createRecoveryActivities>;
const { fileRecovery, cancelRecovery, nextRecoveryRequest, settleRecoveryItems, finishRecoveryRequest, recoveryProgress } = proxyActivities<RecoveryActivities>(databaseOptions);
const { submitRecovery } = proxyActivities<ReturnType<typeof createConsoleActivities>>(apiCallOptions);
const { listRecoveryTimeframe } = proxyActivities<RecoveryActivities>(listingOptions);
const { examineRecoveryItems } = proxyActivities<RecoveryActivities>({ ...apiCallOptions, startToCloseTimeout: '10 minutes', heartbeatTimeout: '1 minute' });

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
 * a time. It waits for signals when idle and continues as new, carrying only its tenant, when its
 * history grows.
 */
export async function recovery(input: RecoveryInput): Promise<void | RecoveryHandOff> {
  requireObject(input, '{"tenantId":"acme","meetings":{"refs":["81234567890"]}}');
  const { tenantId } = input;
  const concurrency = input.concurrency ?? 4;
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
  const accept = (kind: RecoveryOrder['kind'], request: RecoveryRequestOfAnyKind) => {
    signals += 1;
    const problems = requestProblems(kind, request);
    if (problems.length > 0) {
      refused.push(`${kind} from ${String(request.requestedBy)}: ${problems.join('; ')}`);
      refused.splice(0, Math.max(0, refused.length - REFUSALS_SHOWN));
      log.warn('recovery request refused', { kind, problems });
      return;
    }
    inbox.push(orderOf(kind, request));
  };
  // A default argument: a signal sent by hand with no argument is refused, not a failed workflow task.
  setHandler(recoverTimeframeSignal, (r = {} as RecoverTimeframeRequest) => accept('timeframe', r));
  setHandler(recoverMeetingsSignal, (r = {} as RecoverMeetingsRequest) => accept('meetings', r));
  setHandler(retryFailedFilesSignal, (r = {} as RetryFailedFilesRequest) => accept('files', r));
  setHandler(cancelSignal, (r) => {
    signals += 1;
    if (typeof r?.requestId === 'string') cancels.push(r.requestId);
  });
  setHandler(progressQuery, () => ({ ...progress, waiting: inbox.length, refused }));

  // Updates: the same requests, answered with their id once filed; a bad one is rejected by its
  // validator before it enters the history.
  let filedByUpdate = false;
  const fileNow = async (order: RecoveryOrder): Promise<RecoveryAccepted> => {
    signals += 1;
    await fileRecovery({ tenantId, order });
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

  /** Files what the signals brought: requests into the database queue, cancellations onto it. */
  const fileInbox = async () => {
    while (inbox.length > 0) await fileRecovery({ tenantId, order: inbox.shift()! });
    while (cancels.length > 0) await cancelRecovery({ tenantId, requestId: cancels.shift()! });
  };

  let ingests = 0;
  const inFlight = new Set<Promise<void>>();

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
    if (request.kind === 'timeframe' && !request.listed) await listRecoveryTimeframe({ tenantId, requestId });
    for (;;) {
      await fileInbox();
      const page = await examineRecoveryItems({ tenantId, requestId, limit: ITEMS_PER_PAGE });
      for (const w of page.work) {
        while (inFlight.size >= concurrency) await Promise.race(inFlight);
        const run = runIngest(requestId, w).finally(() => inFlight.delete(run));
        inFlight.add(run);
        ingests += 1;
      }
      progress = await recoveryProgress({ tenantId });
      if (page.cancelled || !page.more) break;
      if (ingests >= INGESTS_PER_RUN || workflowInfo().continueAsNewSuggested) {
        await Promise.all(inFlight);
        return false;
      }
    }
    await Promise.all(inFlight);
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

  for (;;) {
    await fileInbox();
    const next = await nextRecoveryRequest({ tenantId });
    const carryOn = next ? await work(next) : true;
    if (!carryOn || signals >= SIGNALS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      // Nothing may be lost across the new run: every signal filed, every handler done.
      await condition(allHandlersFinished);
      await fileInbox();
      // The new run carries the tenant only: every request is in the database.
      return continueAsNew<typeof recovery>({ tenantId, ...(input.concurrency ? { concurrency: input.concurrency } : {}) });
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
