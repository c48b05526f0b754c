import {
  ChildWorkflowFailure,
  ContinueAsNew,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  continueAsNew,
  proxyActivities,
  startChild,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { createSyncActivities } from '../../activities/sync.js';
import type { IngestMeetingResult, MeetingRef, MeetingSource, TenantSyncInput, TenantSyncTotals } from '../../ingest/types.js';
import { ingestMeeting } from '../ingest-meeting.js';
import { meetingWorkflowId } from '../ids.js';
import { describeFailure } from '../describe-failure.js';
import { apiCallOptions, databaseOptions } from '../retry-policies.js';
import { ZoomMeetingUuid, ZoomSource, ZoomTenant } from '../search-attributes.js';

// The tenantSync of histories started before the 'sync-from-database' patch: it carried its
// listing in the workflow (activity results and continue-as-new input) and waited for every child.
// Kept only so those runs replay; delete it once no such run is open (and deprecate the patch).

type SyncActivities = ReturnType<typeof createSyncActivities>;
/** The listing activity of those runs; its results are in their histories. */
interface LegacyListing {
  listNewMeetings(input: { tenantId: string; source: MeetingSource; from: string; to: string }): Promise<{ meetings: MeetingRef[] }>;
}
const { listNewMeetings } = proxyActivities<LegacyListing>(apiCallOptions);
const { beginSync, saveSyncProgress, finishSync, failSync } = proxyActivities<SyncActivities>(databaseOptions);

const DEFAULT_CONCURRENCY = 8;
/** Children per run before continue-as-new: each adds a handful of events to this history. */
const MEETINGS_PER_RUN = 200;

const emptyTotals = (): TenantSyncTotals => ({ meetings: 0, stored: 0, alreadyStored: 0, processing: 0, failed: 0, bytes: 0, cdrs: 0 });

/** The sync as it ran before the patch. */
export async function tenantSyncV1(input: TenantSyncInput): Promise<TenantSyncTotals> {
  const { tenantId, source } = input;
  const totals = input.totals ?? emptyTotals();
  try {
    let pending = input.pending;
    let listedUntil = input.listedUntil;
    if (!pending || !listedUntil) {
      const { from } = await beginSync({ tenantId, source });
      listedUntil = new Date().toISOString();
      const listing = await listNewMeetings({ tenantId, source, from, to: listedUntil });
      pending = listing.meetings;
    }

    const thisRun = pending.slice(0, MEETINGS_PER_RUN);
    const rest = pending.slice(MEETINGS_PER_RUN);
    const blocked = await archiveMeetings(input, thisRun, totals);
    const earliestBlocked = [input.earliestBlocked, ...blocked.map((m) => m.startTime)].filter((t): t is string => !!t).sort()[0];

    if (rest.length > 0) {
      // The history stays small: hand the rest of the listing to a fresh run.
      await saveSyncProgress({ tenantId, source });
      return await continueAsNew<typeof tenantSyncV1>({ ...input, pending: rest, listedUntil, totals, ...(earliestBlocked ? { earliestBlocked } : {}) });
    }
    // Zoom delivers files late: the next sync lists again from the earliest meeting still open.
    const watermark = earliestBlocked && earliestBlocked < listedUntil ? earliestBlocked : listedUntil;
    await finishSync({ tenantId, source, watermark });
    return totals;
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    await failSync({ tenantId, source, ...describeFailure(err) });
    throw err;
  }
}

/** Runs a child per meeting, `concurrency` at a time; returns the meetings that are not done. */
async function archiveMeetings(input: TenantSyncInput, meetings: MeetingRef[], totals: TenantSyncTotals): Promise<MeetingRef[]> {
  const blocked: MeetingRef[] = [];
  const queue = [...meetings];
  const runOne = async (meeting: MeetingRef) => {
    const outcome = await archiveMeeting(input, meeting);
    totals.meetings += 1;
    if (!outcome) {
      blocked.push(meeting);
      return;
    }
    totals.stored += outcome.stored;
    totals.alreadyStored += outcome.alreadyStored;
    totals.processing += outcome.processing;
    totals.failed += outcome.failed;
    totals.bytes += outcome.bytes;
    totals.cdrs += outcome.cdrs;
    if (outcome.processing > 0 || outcome.failed > 0) blocked.push(meeting);
  };
  const lane = async () => {
    for (let meeting = queue.shift(); meeting; meeting = queue.shift()) await runOne(meeting);
  };
  await Promise.all(Array.from({ length: Math.min(input.concurrency ?? DEFAULT_CONCURRENCY, queue.length) }, lane));
  return blocked;
}

/** The child's result, or undefined when it failed or is already running elsewhere (a webhook's). */
async function archiveMeeting(input: TenantSyncInput, meeting: MeetingRef): Promise<IngestMeetingResult | undefined> {
  try {
    const child = await startChild(ingestMeeting, {
      workflowId: meetingWorkflowId(input.tenantId, meeting.uuid),
      args: [{ tenantId: input.tenantId, source: input.source, meeting, trigger: 'schedule' }],
      // A meeting archived before runs again when Zoom adds a late file; a running one is left be.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [
        { key: ZoomTenant, value: input.tenantId },
        { key: ZoomSource, value: input.source },
        { key: ZoomMeetingUuid, value: meeting.uuid },
      ],
    });
    // Started under its canonical ID: it archives, never hands off.
    return await child.result() as IngestMeetingResult;
  } catch (err) {
    // Already running: it archives the meeting; this sync only keeps the watermark before it.
    if (err instanceof WorkflowExecutionAlreadyStartedError) return undefined;
    // A failed child is retried by the next sync (the watermark stays before it).
    if (err instanceof ChildWorkflowFailure) return undefined;
    throw err;
  }
}
