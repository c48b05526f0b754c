import { earliestOpenMeetingStart, listMeetingsToArchive, type MeetingCursor } from '../db/queries/listed-meetings.js';
import { listRecordedUsers } from '../db/queries/recorded-users.js';
import { requireTenant, type Tenant } from '../db/queries/tenants.js';
import { markSyncFailed, markSyncFinished, markSyncRunning } from '../db/queries/sync-state.js';
import type { MeetingRef, MeetingSource, SyncSource } from '../ingest/types.js';
import { requestIdOf, signalRecovery } from '../recovery/submit.js';
import type { ActivityDeps } from './deps.js';
import { mappingFailures } from './failures.js';
import { describeUsersNotListed, listArchivedMeetings, listCloudRecordings, RELIST_OVERLAP_MS, type ListMeetingsResult, type UserListingError } from './meeting-listing.js';

export type { ListMeetingsResult, UserListingError } from './meeting-listing.js';

const DEFAULT_INITIAL_LOOKBACK_DAYS = 30;

/**
 * Zoom quirk: Zoom Phone lists a recording only once it is processed, some time after the call,
 * under the call's time, and cannot filter by when it appeared; so every phone sync lists again
 * this far before its watermark. Zoom documents no bound: a day, as for cloud recordings. The
 * overlap costs list rows, never a download (recordings are deduplicated by id).
 */
export const DEFAULT_PHONE_RELIST_HOURS = 24;

/** A sync is behind when its last finished run is this many poll intervals ago, by default. */
export const DEFAULT_GAP_POLLS = 3;

/** The time no sync covered: from where the last finished sync left off, to now. */
export interface SyncGap {
  from: string;
  to: string;
  reason: string;
}

/**
 * A gap worth a recovery: the source's last finished sync is more than `gapPolls` poll intervals
 * ago (the worker, Temporal or Zoom was unreachable), or it finished but its watermark is gone.
 * A first sync has no gap, and a tenant may turn automatic recovery off.
 */
export function gapToRecover(tenant: Tenant, state: { watermark: Date | null; lastSuccessAt: Date | null }, now: Date): SyncGap | null {
  const last = state.lastSuccessAt;
  if (!last || tenant.options.recovery?.automatic === false) return null;
  const maxQuietMs = (tenant.options.recovery?.gapPolls ?? DEFAULT_GAP_POLLS) * tenant.pollIntervalSeconds * 1000;
  const from = state.watermark ?? last;
  if (!state.watermark) return { from: from.toISOString(), to: now.toISOString(), reason: 'the sync\'s watermark was lost' };
  if (now.getTime() - last.getTime() <= maxQuietMs) return null;
  const minutes = Math.round((now.getTime() - last.getTime()) / 60_000);
  return { from: from.toISOString(), to: now.toISOString(), reason: `no sync finished for ${minutes} minutes` };
}

const phoneRelistMs = (tenant: Tenant) => (tenant.options.phoneRelistHours ?? DEFAULT_PHONE_RELIST_HOURS) * 3600_000;

export const createSyncActivities = (deps: ActivityDeps) => {
  /** Where a first listing starts: the look-back before `end` (the sync's start, or its listing's end). */
  const lookbackStart = (end = new Date()) => new Date(end.getTime() - (deps.initialLookbackDays ?? DEFAULT_INITIAL_LOOKBACK_DAYS) * 24 * 3600 * 1000);

  return {
    /**
     * Marks the sync running and says where its listing starts (the watermark, less the source's
     * overlap), and the gap to recover when the last finished sync is too long ago or its
     * watermark was lost (see gapToRecover).
     */
    async beginSync({ tenantId, source }: { tenantId: string; source: SyncSource }): Promise<{ from: string; gap?: SyncGap }> {
      return mappingFailures(async () => {
        const tenant = await requireTenant(deps.db, tenantId);
        const now = new Date();
        const state = await markSyncRunning(deps.db, tenantId, source, now);
        const overlapMs = source === 'phone' ? phoneRelistMs(tenant) : RELIST_OVERLAP_MS;
        const from = state.watermark ? new Date(state.watermark.getTime() - overlapMs) : lookbackStart();
        const gap = gapToRecover(tenant, state, now);
        return { from: from.toISOString(), ...(gap ? { gap } : {}) };
      });
    },

    /**
     * Files a recovery of a sync's gap with the tenant's recovery workflow (`requestedBy: system`).
     * Its id is derived from the gap, so a retried activity files it once.
     */
    async fileGapRecovery(input: { tenantId: string; source: SyncSource; gap: SyncGap }): Promise<{ requestId: string | null; why?: string }> {
      if (!deps.temporal) return { requestId: null, why: 'this worker has no Temporal client to file recoveries with' };
      const requestId = requestIdOf(input.tenantId, `gap:${input.source}:${input.gap.from}`, Buffer.from(input.gap.to));
      await signalRecovery(deps.temporal, input.tenantId, {
        name: 'recoverTimeframe',
        request: { requestId, source: input.source, from: input.gap.from, to: input.gap.to, requestedBy: 'system', reason: input.gap.reason },
      });
      return { requestId };
    },

    /**
     * Lists the meetings of configured users from `from` to `to` into the database (meetings and
     * their files; see meeting-listing.ts). Heartbeats its progress; a retried attempt resumes.
     */
    async listMeetings(input: { tenantId: string; source: MeetingSource; from: string; to: string }): Promise<ListMeetingsResult> {
      const { tenantId, source } = input;
      return mappingFailures(async () => {
        const zoom = await deps.zoom.forTenant(tenantId);
        const users = await listRecordedUsers(deps.db, tenantId, { enabledOnly: true });
        const ctx = { db: deps.db, zoom, tenantId, users, from: new Date(input.from), to: new Date(input.to), lookbackStart: lookbackStart(new Date(input.to)) };
        try {
          return source === 'cloud_recordings' ? await listCloudRecordings(ctx) : await listArchivedMeetings(ctx);
        } finally {
          await deps.zoom.flushUsage(tenantId);
        }
      });
    },

    /** One page of meetings with a file ready to archive, oldest first, after `after`. */
    async nextMeetingsToArchive(input: { tenantId: string; source: MeetingSource; after?: MeetingCursor; limit: number }): Promise<MeetingRef[]> {
      return listMeetingsToArchive(deps.db, input.tenantId, input.source, { ...(input.after ? { after: input.after } : {}), limit: input.limit });
    },

    /** A checkpoint between continue-as-new runs: the sync is still running. */
    async saveSyncProgress({ tenantId, source }: { tenantId: string; source: SyncSource }): Promise<void> {
      await markSyncRunning(deps.db, tenantId, source);
    },

    /**
     * Ends a sync whose children were started (not necessarily finished): the watermark moves to the
     * end of the listing, but never past a meeting with a file still in flight or processing. Zoom
     * Phone lists a recording only once it is ready, and a call's waiting recordings are taken from
     * the database by every sync, so nothing holds a phone watermark back.
     */
    async endSync(input: { tenantId: string; source: SyncSource; listedUntil: string; usersNotListed: number; userErrors: UserListingError[] }): Promise<{ watermark: string }> {
      const open = input.source === 'phone' ? null : await earliestOpenMeetingStart(deps.db, input.tenantId, input.source);
      const listedUntil = new Date(input.listedUntil);
      const watermark = open && open < listedUntil ? open : listedUntil;
      const error = input.usersNotListed === 0 ? undefined
        : `${input.usersNotListed} user(s) could not be listed and are retried from their last listing: ${describeUsersNotListed(input)}`;
      await markSyncFinished(deps.db, input.tenantId, input.source, { watermark, ...(error ? { error } : {}) });
      return { watermark: watermark.toISOString() };
    },

    async failSync({ tenantId, source, error, errorType }: { tenantId: string; source: SyncSource; error: string; errorType?: string }): Promise<void> {
      // Zoom refused the tenant's credentials: ops see it as the tenant's authorization status.
      const unauthorized = errorType === 'ZoomAuthError';
      await markSyncFailed(deps.db, tenantId, source, { error, ...(unauthorized ? { authorizationStatus: 'unauthorized' as const } : {}) });
    },
  };
};
