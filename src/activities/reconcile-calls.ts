import { heartbeat } from '@temporalio/activity';
import {
  listedCallIds,
  listReconciliationItems,
  setItemOutcome,
  updateReconciliationRun,
  type FoundItem,
  type ReconciliationItem,
} from '../db/queries/reconciliation.js';
import { findRecordedUsers, listRecordedUsers, type RecordedUser } from '../db/queries/recorded-users.js';
import type { Tenant } from '../db/queries/tenants.js';
import { partiesFromCallPath, partyOf, type CallParties } from '../ingest/phone-cdr.js';
import { RecordedUserMatcher } from '../ingest/phone-recordings.js';
import { REASONS, failedCallCdr } from '../reconciliation/failed-cdrs.js';
import type { ReconcileKey, ReconcileStep } from '../reconciliation/types.js';
import type { CallHistory, ZoomClient } from '../zoom/index.js';
import type { ActivityDeps } from './deps.js';
import { isLastingUserRefusal } from './meeting-listing.js';
import { progressOf, reconcileStep, reportNotRecorded, requireRun, runKey, settleByArchive, walkListingInto } from './reconciliation.js';

// Zoom Phone reconciliation. Before the walk, the workflow lists the day's recordings again
// (listPhoneCalls: medium, no daily quota), so every recording Zoom holds of a configured user is
// in listed_calls. The walk reads the day's call history (heavy, 300 a page, on the phone family's
// own quota); the check compares each call of a configured user with the archive.

export const CALLS_PER_CHECK = 100;

type Expectation = 'marked' | 'all';
const expectationOf = (tenant: Tenant): Expectation => tenant.options.reconciliation?.phoneCallsExpected ?? 'marked';

/**
 * The history listings a day needs. Zoom quirk: `recording_status` defaults to `recorded`, so
 * calls Zoom did not record need their own listing, walked only when every connected call must
 * have a recording.
 */
const listingsFor = (expectation: Expectation) => (expectation === 'all' ? (['recorded', 'non_recorded'] as const) : (['recorded'] as const));

function configuredOnEnds(call: CallHistory, users: RecordedUserMatcher): RecordedUser[] {
  const found = [partyOf(call, 'caller'), partyOf(call, 'callee')].map((p) => users.match(p)).filter((u): u is RecordedUser => u !== undefined);
  return [...new Map(found.map((u) => [u.zoomUserId, u])).values()];
}

/**
 * A call the check must look at: every recorded call, and every connected one. A configured user
 * may be on a call only through its legs (a queue's agent, a transfer from a colleague), so a call
 * is not dropped for its ends; the check asks its path (one light call) before it writes
 * recording_failed CDRs, and finds nobody of ours on most calls of other users.
 */
function callItem(call: CallHistory, users: RecordedUserMatcher): FoundItem | null {
  if (call.recording_status !== 'recorded' && !call.answer_time) return null;
  const known = configuredOnEnds(call, users);
  return {
    platformCallId: call.call_id,
    facts: {
      zoomId: call.call_history_uuid,
      startTime: call.start_time,
      ...(call.end_time ? { endTime: call.end_time } : {}),
      durationSeconds: call.duration,
      recorded: call.recording_status === 'recorded',
      knownUserIds: known.map((u) => u.zoomUserId),
      // Zoom quirk: one call id may span several history rows (its legs); each is asked for its path.
      legUuids: [call.call_history_uuid],
      call,
    },
  };
}

async function walkStep(deps: ActivityDeps, key: ReconcileKey, zoom: ZoomClient, tenant: Tenant): Promise<ReconcileStep> {
  const run = await requireRun(deps, key);
  const status = listingsFor(expectationOf(tenant))[run.cursor.listingsDone];
  if (status === undefined) {
    const saved = await updateReconciliationRun(deps.db, key.tenantId, runKey(key), { phase: 'check' });
    return { done: true, progress: await progressOf(deps, key, saved) };
  }
  const users = new RecordedUserMatcher(await listRecordedUsers(deps.db, key.tenantId, { enabledOnly: true }));
  await walkListingInto(deps, key, zoom.listPhoneCallHistory({ from: key.day, to: key.day, recordingStatus: status }), (calls) =>
    calls.map((call) => callItem(call, users)).filter((item): item is FoundItem => item !== null));
  const saved = await updateReconciliationRun(deps.db, key.tenantId, runKey(key), { cursor: { listingsDone: run.cursor.listingsDone + 1 } });
  return { done: false, progress: await progressOf(deps, key, saved) };
}

/**
 * Compares one call the archive has no stored recording of with what it should have. `reported`:
 * the archive already says its recording will not be archived by itself.
 */
async function checkCall(deps: ActivityDeps, zoom: ZoomClient, tenant: Tenant, key: ReconcileKey, item: ReconciliationItem, reported: string | undefined): Promise<void> {
  const call = item.facts.call as CallHistory;
  const recorded = item.facts.recorded === true;
  // "all": every connected call must have a recording; a call nobody answered has none to have.
  const expected = reported !== undefined || recorded || (expectationOf(tenant) === 'all' && Boolean(call.answer_time));
  if (!expected) {
    await setItemOutcome(deps.db, tenant.id, runKey(key), item.platformCallId, { outcome: 'not_expected' });
    return;
  }
  // Everyone of ours on the call: its ends, and whoever took a leg (a transfer, a queue's agent);
  // each history row's path is one light call, with no daily quota.
  const paths: CallParties[] = [];
  const refusals: string[] = [];
  for (const uuid of item.facts.legUuids ?? [call.call_history_uuid]) {
    try {
      paths.push(partiesFromCallPath(await zoom.getPhoneCallHistory(uuid)));
    } catch (err) {
      // Zoom's "no" about this one call (a 4xx) costs the call its legs, not the day its check:
      // its ends are still checked, and the reason says so. A transient error retries the step.
      if (!isLastingUserRefusal(err)) throw err;
      refusals.push((err as Error).message);
    }
  }
  const parties: CallParties = { startedAt: paths[0]?.startedAt ?? call.start_time, endedAt: paths[0]?.endedAt ?? call.end_time ?? null, legs: paths.flatMap((p) => p.legs) };
  const refused = refusals.length > 0 ? `; only its ends were checked: Zoom refused its path (${refusals.join('; ')})` : '';
  const people = [partyOf(call, 'caller'), partyOf(call, 'callee'), ...parties.legs.flatMap((l) => [l.caller, l.callee])];
  // Only the call's own people are looked up: a tenant may configure thousands of users.
  const users = new RecordedUserMatcher(await findRecordedUsers(deps.db, tenant.id, {
    zoomUserIds: people.map((p) => p.zoomUserId ?? ''),
    emails: people.map((p) => p.email ?? ''),
    extensions: people.map((p) => p.extension ?? ''),
  }, { enabledOnly: true }));
  const onCall = people.map((p) => users.match(p)).filter((u): u is RecordedUser => u !== undefined);
  const ours = [...new Map(onCall.map((u) => [u.zoomUserId, u])).values()];
  if (ours.length === 0) {
    await setItemOutcome(deps.db, tenant.id, runKey(key), item.platformCallId, { outcome: 'not_ours', ...(refused ? { reason: refused.slice(2) } : {}) });
    return;
  }
  const reason = `${reported ?? (recorded ? REASONS.callRecordingLost : REASONS.callNotRecorded)}${refused}`;
  await reportNotRecorded(deps, key, item.platformCallId, reason, ours.map((user) => failedCallCdr({
    call,
    parties,
    user: { zoomUserId: user.zoomUserId, name: user.name, email: user.email, extension: user.phoneExtension },
    reason,
    internalNumberPatterns: tenant.internalNumberPatterns,
    location: deps.location,
  })));
}

export const createCallReconciliationActivities = (deps: ActivityDeps) => ({
  /** One step of the walk: one of the day's call-history listings. `done` once all are written. */
  async walkCallHistory(key: ReconcileKey): Promise<ReconcileStep> {
    return reconcileStep(deps, key, (zoom, tenant) => walkStep(deps, key, zoom, tenant));
  },

  /** Compares the next calls found with the archive; `done` once none is left unchecked. */
  async checkCalls(key: ReconcileKey): Promise<ReconcileStep> {
    return reconcileStep(deps, key, async (zoom, tenant) => {
      const items = await listReconciliationItems(deps.db, key.tenantId, runKey(key), { outcome: 'unchecked', limit: CALLS_PER_CHECK });
      const left = await settleByArchive(deps, key, tenant, items);
      const listed = await listedCallIds(deps.db, key.tenantId, left.map(({ item }) => item.platformCallId));
      for (const { item, reported } of left) {
        if (reported === undefined && listed.has(item.platformCallId)) {
          // Zoom lists a recording of a configured user the archive lacks: the phone ingest takes it.
          await setItemOutcome(deps.db, key.tenantId, runKey(key), item.platformCallId, { outcome: 'missing', reason: 'Zoom holds a recording the archive lacked: handed to the phone ingest' });
        } else {
          await checkCall(deps, zoom, tenant, key, item, reported);
        }
        heartbeat();
      }
      return { done: items.length < CALLS_PER_CHECK, progress: await progressOf(deps, key) };
    });
  },
});
