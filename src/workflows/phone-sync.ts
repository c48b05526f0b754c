import {
  ContinueAsNew,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { createDeleteAfterArchiveActivities } from '../activities/delete-after-archive.js';
import type { createPhoneSyncActivities } from '../activities/phone-listing.js';
import type { createSyncActivities } from '../activities/sync.js';
import type { CallRef } from '../db/queries/phone-calls.js';
import type { PhoneSyncInput, PhoneSyncTotals } from '../ingest/types.js';
import { addChildResult } from './child-results.js';
import { describeFailure } from './describe-failure.js';
import { ingestPhoneCall } from './ingest-phone-call.js';
import { databaseOptions, listingOptions } from './retry-policies.js';
import { callStartOptions } from './start-options.js';
import { checkTenant, requireObject, requireTenantId } from './console.js';

type PhoneSyncActivities = ReturnType<typeof createPhoneSyncActivities>;
type SyncActivities = ReturnType<typeof createSyncActivities>;
const { listPhoneCalls } = proxyActivities<PhoneSyncActivities>(listingOptions);
const { trashArchivedCalls } = proxyActivities<ReturnType<typeof createDeleteAfterArchiveActivities>>(listingOptions);
const { nextCallsToArchive } = proxyActivities<PhoneSyncActivities>(databaseOptions);
const { beginSync, fileGapRecovery, saveSyncProgress, endSync, failSync } = proxyActivities<SyncActivities>(databaseOptions);

const SOURCE = 'phone' as const;
const DEFAULT_CONCURRENCY = 8;
const DEFAULT_CHILD_WAIT_SECONDS = 10;
/** Calls read from the database at a time: a page is one small activity result. */
const PAGE_SIZE = 50;
/** Children per run before continue-as-new: each adds a handful of events to this history. */
const CALLS_PER_RUN = 200;

const emptyTotals = (): PhoneSyncTotals => ({ calls: 0, stored: 0, alreadyStored: 0, processing: 0, failed: 0, bytes: 0, cdrs: 0, released: 0 });

/**
 * One sync of a tenant's Zoom Phone recordings (schedule `sync:<tenant>:phone`): list the
 * account's recordings since the watermark (less the relist overlap: Zoom lists recordings late)
 * into the database, then start one `ingestPhoneCall` child per call with a recording to archive,
 * a few at a time, waiting for each only so long (`childWaitSeconds`).
 */
export async function phoneSync(input: PhoneSyncInput): Promise<PhoneSyncTotals> {
  requireObject(input, '{"tenantId":"acme"}');
  const { tenantId } = input;
  // A fresh start checks its input in its first task.
  if (!input.listedUntil) {
    requireTenantId(input);
    await checkTenant(tenantId, SOURCE);
  }
  const totals = { ...emptyTotals(), ...input.totals };
  try {
    let { listedUntil, cursor } = input;
    if (!listedUntil) {
      const { from, gap } = await beginSync({ tenantId, source: SOURCE });
      // Nothing ran for a while (or the watermark was lost): the gap is also filed as a recovery,
      // which re-checks it item by item.
      if (gap) await fileGapRecovery({ tenantId, source: SOURCE, gap });
      listedUntil = new Date().toISOString();
      await listPhoneCalls({ tenantId, from, to: listedUntil });
      cursor = undefined;
    }

    const waitMs = (input.childWaitSeconds ?? DEFAULT_CHILD_WAIT_SECONDS) * 1000;
    const concurrency = input.concurrency ?? DEFAULT_CONCURRENCY;
    const inFlight = new Set<Promise<void>>();
    let started = 0;
    for (;;) {
      const page = await nextCallsToArchive({ tenantId, ...(cursor ? { after: cursor } : {}), limit: PAGE_SIZE });
      for (const call of page) {
        while (inFlight.size >= concurrency) await Promise.race(inFlight);
        const run = archiveCall(tenantId, call, waitMs, totals).finally(() => inFlight.delete(run));
        inFlight.add(run);
        started += 1;
      }
      const last = page.at(-1);
      if (last) cursor = { startTime: last.startTime, callId: last.callId };
      if (page.length < PAGE_SIZE) break;
      if (started >= CALLS_PER_RUN || workflowInfo().continueAsNewSuggested) {
        await Promise.all(inFlight);
        await condition(allHandlersFinished);
        // The history stays small: a fresh run goes on from the cursor.
        await saveSyncProgress({ tenantId, source: SOURCE });
        return await continueAsNew<typeof phoneSync>({
          tenantId,
          ...(input.concurrency ? { concurrency: input.concurrency } : {}),
          ...(input.childWaitSeconds ? { childWaitSeconds: input.childWaitSeconds } : {}),
          listedUntil, totals, ...(cursor ? { cursor } : {}),
        });
      }
    }
    await Promise.all(inFlight);
    // Zoom's copies of calls verified here (and past the grace period) are deleted, if the tenant asks.
    await trashArchivedCalls({ tenantId });
    await endSync({ tenantId, source: SOURCE, listedUntil, usersNotListed: 0, userErrors: [] });
    return totals;
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    await failSync({ tenantId, source: SOURCE, ...describeFailure(err) });
    throw err;
  }
}

/**
 * Starts the call's child and adds its result to the totals, waiting for it at most `waitMs`. A
 * child already running (the webhook's) is left to finish; a failed one is taken again by a later
 * sync (its recordings are still pending).
 */
async function archiveCall(tenantId: string, call: CallRef, waitMs: number, totals: PhoneSyncTotals): Promise<void> {
  let child;
  try {
    const ingest = { tenantId, callId: call.callId, trigger: 'schedule' as const };
    child = await startChild(ingestPhoneCall, {
      ...callStartOptions(ingest, call),
      args: [ingest],
      // A call archived before runs again when Zoom lists a late leg; a running one is left be.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return;
    throw err;
  }
  totals.calls += 1;
  await addChildResult(child, waitMs, totals);
}
