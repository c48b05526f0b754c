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
import type { createSyncActivities } from '../activities/sync.js';
import type { MeetingRef, TenantSyncInput, TenantSyncTotals } from '../ingest/types.js';
import { addChildResult } from './child-results.js';
import { describeFailure } from './describe-failure.js';
import { ingestMeeting } from './ingest-meeting.js';
import { databaseOptions, listingOptions } from './retry-policies.js';
import { meetingStartOptions } from './start-options.js';
import { checkTenant, requireObject, requireOneOf, requireTenantId } from './console.js';

type SyncActivities = ReturnType<typeof createSyncActivities>;
const { listMeetings } = proxyActivities<SyncActivities>(listingOptions);
const { trashArchivedMeetings } = proxyActivities<ReturnType<typeof createDeleteAfterArchiveActivities>>(listingOptions);
const { beginSync, fileGapRecovery, nextMeetingsToArchive, saveSyncProgress, endSync, failSync } = proxyActivities<SyncActivities>(databaseOptions);

const DEFAULT_CONCURRENCY = 8;
const DEFAULT_CHILD_WAIT_SECONDS = 10;
/** Meetings read from the database at a time: a page is one small activity result. */
const PAGE_SIZE = 50;
/** Children per run before continue-as-new: each adds a handful of events to this history. */
const MEETINGS_PER_RUN = 200;

const emptyTotals = (): TenantSyncTotals => ({ meetings: 0, stored: 0, alreadyStored: 0, processing: 0, failed: 0, bytes: 0, cdrs: 0, released: 0, usersNotListed: 0 });

/**
 * One sync of a tenant's source: list what is new since the watermark into the database, then page
 * through the meetings with something to archive and start one child workflow per meeting, a few
 * at a time. The sync waits for a child only so long (`childWaitSeconds`): a slow or stuck file
 * delays its own meeting, never the tenant. The watermark is worked out from the database at the
 * end: it never passes a meeting with a file still in flight or processing, and failed files (a
 * visible dead end, see the status API) do not hold it. Started by the tenant's schedule
 * (overlap: skip) or by hand.
 */
export async function tenantSync(input: TenantSyncInput): Promise<TenantSyncTotals> {
  requireObject(input, '{"tenantId":"acme","source":"cloud_recordings"}');
  const { tenantId, source } = input;
  // A fresh start (the schedule's, or by hand from the Temporal UI) checks its input in its first
  // task: a typo fails at once with a readable message.
  if (!input.listedUntil) {
    requireTenantId(input);
    requireOneOf('source', source, ['archiving', 'cloud_recordings'] as const);
    await checkTenant(tenantId, source);
  }
  const totals = { ...emptyTotals(), ...input.totals };
  try {
    let { listedUntil, cursor, usersNotListed = 0, userErrors = [] } = input;
    if (!listedUntil) {
      const { from, gap } = await beginSync({ tenantId, source });
      // Nothing ran for a while (or the watermark was lost): the gap is also filed as a recovery,
      // which re-checks it item by item.
      if (gap) await fileGapRecovery({ tenantId, source, gap });
      listedUntil = new Date().toISOString();
      ({ usersNotListed, userErrors } = await listMeetings({ tenantId, source, from, to: listedUntil }));
      cursor = undefined;
      totals.usersNotListed = usersNotListed;
    }

    const waitMs = (input.childWaitSeconds ?? DEFAULT_CHILD_WAIT_SECONDS) * 1000;
    const concurrency = input.concurrency ?? DEFAULT_CONCURRENCY;
    const inFlight = new Set<Promise<void>>();
    let started = 0;
    for (;;) {
      const page = await nextMeetingsToArchive({ tenantId, source, ...(cursor ? { after: cursor } : {}), limit: PAGE_SIZE });
      for (const meeting of page) {
        while (inFlight.size >= concurrency) await Promise.race(inFlight);
        const run = archiveMeeting(input, meeting, waitMs, totals).finally(() => inFlight.delete(run));
        inFlight.add(run);
        started += 1;
      }
      const last = page.at(-1);
      if (last) cursor = { startTime: last.startTime, uuid: last.uuid };
      if (page.length < PAGE_SIZE) break;
      if (started >= MEETINGS_PER_RUN || workflowInfo().continueAsNewSuggested) {
        await Promise.all(inFlight);
        // No handler may be cut off by the new run (none today; a later signal or update would be).
        await condition(allHandlersFinished);
        // The history stays small: a fresh run goes on from the cursor.
        await saveSyncProgress({ tenantId, source });
        return await continueAsNew<typeof tenantSync>({
          tenantId, source,
          ...(input.concurrency ? { concurrency: input.concurrency } : {}),
          ...(input.childWaitSeconds ? { childWaitSeconds: input.childWaitSeconds } : {}),
          listedUntil, usersNotListed, userErrors, totals, ...(cursor ? { cursor } : {}),
        });
      }
    }
    await Promise.all(inFlight);
    // Zoom's copies of meetings verified here (and past the grace period) go to Zoom's trash, if the tenant asks.
    await trashArchivedMeetings({ tenantId, source });
    await endSync({ tenantId, source, listedUntil, usersNotListed, userErrors });
    return totals;
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    await failSync({ tenantId, source, ...describeFailure(err) });
    throw err;
  }
}

/**
 * Starts the meeting's child and adds its result to the totals, waiting for it at most `waitMs`.
 * A child already running (a webhook's, or one this sync stopped waiting for last time) is left
 * to finish; a failed one is taken again by a later sync (its files are still pending).
 */
async function archiveMeeting(input: TenantSyncInput, meeting: MeetingRef, waitMs: number, totals: TenantSyncTotals): Promise<void> {
  let child;
  try {
    const ingest = { tenantId: input.tenantId, source: input.source, meeting, trigger: 'schedule' as const };
    child = await startChild(ingestMeeting, {
      ...meetingStartOptions(ingest),
      args: [ingest],
      // A meeting archived before runs again when Zoom adds a late file; a running one is left be.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      // The child outlives this sync when the sync stops waiting for it.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return;
    throw err;
  }
  totals.meetings += 1;
  await addChildResult(child, waitMs, totals);
}
