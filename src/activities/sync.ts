import { heartbeat } from '@temporalio/activity';
import { earliestOpenMeetingStart, listMeetingsToArchive, upsertListedMeetings, type MeetingCursor } from '../db/queries/listed-meetings.js';
import { trackListedFiles } from '../db/queries/media-files.js';
import { listRecordedUsers, type RecordedUser } from '../db/queries/recorded-users.js';
import { requireTenant } from '../db/queries/tenants.js';
import { markSyncFailed, markSyncFinished, markSyncRunning } from '../db/queries/sync-state.js';
import { listUserListingStates, markUserListed, markUserListingFailed } from '../db/queries/user-listing-states.js';
import { fromArchive, fromCloudRecording, type ListedMeeting } from '../ingest/listed-files.js';
import type { MeetingRef, MeetingSource } from '../ingest/types.js';
import { isZoomError, ZoomAuthError, ZoomDailyLimitError, ZoomRateLimitedError, type ZoomClient } from '../zoom/index.js';
import type { ActivityDeps } from './deps.js';
import { mappingFailures } from './failures.js';

// Zoom quirk: cloud-recording windows are whole days and which timestamp they filter on is not
// documented, so each sync lists again from a day before the watermark; archived files are
// deduplicated per Zoom file id, so the overlap costs list rows, not downloads.
const RELIST_OVERLAP_MS = 24 * 3600 * 1000;
const DEFAULT_INITIAL_LOOKBACK_DAYS = 30;
/** Users named in a sync's result and its status line; the rest are counted (payloads stay small). */
const USER_ERRORS_REPORTED = 10;

export interface UserListingError {
  zoomUserId: string;
  error: string;
}

export interface ListMeetingsResult {
  /** Meetings Zoom listed for configured users (written to the database with their files). */
  listed: number;
  /** Users whose listing failed (their windows stay open), and the first few of them with Zoom's answer. */
  usersNotListed: number;
  userErrors: UserListingError[];
}

/** Attempts at one user's listing before it is set aside for this sync (transient errors only). */
const USER_LISTING_ATTEMPTS = 4;
const USER_RETRY_BACKOFF_MS = 2_000;

/** Zoom's answer about this one user, not the tenant: credentials and quotas stop the sync instead. */
function isUserScopedFailure(err: unknown): boolean {
  if (err instanceof ZoomAuthError || err instanceof ZoomDailyLimitError || err instanceof ZoomRateLimitedError) return false;
  return isZoomError(err);
}

/**
 * Runs one user's listing. Zoom's "no" about the user (404/1001 deleted, a 4xx) sets them aside at
 * once; a transient failure (a 5xx the client's own retries did not outlast, a page cut short) is
 * tried again a few times before the user is set aside for this sync.
 */
async function listingOneUser<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!isUserScopedFailure(err) || !(err as { retryable?: boolean }).retryable || attempt >= USER_LISTING_ATTEMPTS) throw err;
      heartbeat({ retrying: attempt });
      await new Promise((r) => setTimeout(r, USER_RETRY_BACKOFF_MS * 2 ** (attempt - 1)));
    }
  }
}

export const createSyncActivities = (deps: ActivityDeps) => {
  const lookbackStart = () => new Date(Date.now() - (deps.initialLookbackDays ?? DEFAULT_INITIAL_LOOKBACK_DAYS) * 24 * 3600 * 1000);

  /** Writes a listing's meetings and their files; a meeting listed twice (overlapping windows, several users) merges. */
  const saveListing = async (tenantId: string, source: MeetingSource, meetings: Iterable<ListedMeeting>) => {
    const all = [...meetings];
    await upsertListedMeetings(deps.db, tenantId, source, all.map((m) => m.ref));
    for (const meeting of all) await trackListedFiles(deps.db, tenantId, meeting.ref.uuid, meeting.files);
    return all.length;
  };

  return {
    /** Marks the sync running and says where its listing starts. */
    async beginSync({ tenantId, source }: { tenantId: string; source: MeetingSource }): Promise<{ from: string }> {
      return mappingFailures(async () => {
        await requireTenant(deps.db, tenantId);
        const state = await markSyncRunning(deps.db, tenantId, source);
        const from = state.watermark ? new Date(state.watermark.getTime() - RELIST_OVERLAP_MS) : lookbackStart();
        return { from: from.toISOString() };
      });
    },

    /**
     * Lists the meetings of configured users from `from` to `to` into the database (meetings and
     * their files), walking each listing to its end in one go: Zoom's page tokens expire after 15
     * minutes. A user Zoom answers about with an error (deleted, not in the account, a 5xx that
     * outlasted the client's retries) is recorded with that answer and listed again from where
     * their last good listing ended, while every other user's meetings are listed.
     */
    async listMeetings(input: { tenantId: string; source: MeetingSource; from: string; to: string }): Promise<ListMeetingsResult> {
      const { tenantId, source } = input;
      return mappingFailures(async () => {
        const zoom = await deps.zoom.forTenant(tenantId);
        const users = await listRecordedUsers(deps.db, tenantId, { enabledOnly: true });
        const to = new Date(input.to);
        const userErrors: UserListingError[] = [];
        let usersNotListed = 0;
        let listed = 0;
        try {
          if (source === 'cloud_recordings') {
            const states = new Map((await listUserListingStates(deps.db, tenantId, source)).map((s) => [s.zoomUserId, s]));
            for (const [index, user] of users.entries()) {
              heartbeat({ user: index });
              const state = states.get(user.zoomUserId);
              // A user never listed completely (new, or failing since) is listed from the look-back start.
              const userFrom = !state?.listedUntil ? lookbackStart()
                : new Date(Math.min(new Date(input.from).getTime(), state.listedUntil.getTime() - RELIST_OVERLAP_MS));
              try {
                listed += await saveListing(tenantId, source, await listingOneUser(() => listUser(zoom, user, userFrom, to)));
                await markUserListed(deps.db, tenantId, source, user.zoomUserId, to);
              } catch (err) {
                if (!isUserScopedFailure(err)) throw err;
                const error = (err as Error).message;
                usersNotListed += 1;
                if (userErrors.length < USER_ERRORS_REPORTED) userErrors.push({ zoomUserId: user.zoomUserId, error });
                await markUserListingFailed(deps.db, tenantId, source, user.zoomUserId, error);
              }
            }
          } else {
            listed = await saveListing(tenantId, source, await listArchive(zoom, users, new Date(input.from), to));
          }
        } finally {
          await deps.zoom.flushUsage(tenantId);
        }
        return { listed, usersNotListed, userErrors };
      });

      async function listUser(zoom: ZoomClient, user: RecordedUser, from: Date, until: Date): Promise<ListedMeeting[]> {
        const meetings = new Map<string, ListedMeeting>();
        for await (const meeting of zoom.listUserRecordings(user.zoomUserId, { from: from.toISOString().slice(0, 10), to: until.toISOString().slice(0, 10) })) {
          meetings.set(meeting.uuid, fromCloudRecording(tenantId, meeting));
        }
        return [...meetings.values()];
      }

      async function listArchive(zoom: ZoomClient, users: RecordedUser[], from: Date, until: Date): Promise<ListedMeeting[]> {
        const configuredIds = new Set(users.map((u) => u.zoomUserId));
        const configuredEmails = new Set(users.map((u) => u.email.toLowerCase()));
        const meetings = new Map<string, ListedMeeting>();
        let rows = 0;
        // Zoom quirk: an archive can complete days after its meeting; listing by completion time
        // finds late ones that a listing by meeting start would already have passed.
        for await (const meeting of zoom.listArchiveFiles({ from, to: until, queryDateType: 'archive_complete_time' })) {
          if (++rows % 50 === 0) heartbeat({ rows });
          // The account-wide archive lists everyone's meetings: keep those a configured user hosted
          // or has an individual recording in (a meeting hosted outside the account has no host).
          const ofConfiguredUser = configuredIds.has(meeting.host_id ?? '')
            || meeting.archive_files.some((f) => f.individual && configuredEmails.has((f.participant_email ?? '').toLowerCase()));
          if (ofConfiguredUser) meetings.set(meeting.uuid, fromArchive(tenantId, meeting));
        }
        return [...meetings.values()];
      }
    },

    /** One page of meetings with a file ready to archive, oldest first, after `after`. */
    async nextMeetingsToArchive(input: { tenantId: string; source: MeetingSource; after?: MeetingCursor; limit: number }): Promise<MeetingRef[]> {
      return listMeetingsToArchive(deps.db, input.tenantId, input.source, { ...(input.after ? { after: input.after } : {}), limit: input.limit });
    },

    /** A checkpoint between continue-as-new runs: the sync is still running. */
    async saveSyncProgress({ tenantId, source }: { tenantId: string; source: MeetingSource }): Promise<void> {
      await markSyncRunning(deps.db, tenantId, source);
    },

    /**
     * Ends a sync whose children were started (not necessarily finished): the watermark moves to the
     * end of the listing, but never past a meeting with a file still in flight or processing.
     */
    async endSync(input: { tenantId: string; source: MeetingSource; listedUntil: string; usersNotListed: number; userErrors: UserListingError[] }): Promise<{ watermark: string }> {
      const open = await earliestOpenMeetingStart(deps.db, input.tenantId, input.source);
      const listedUntil = new Date(input.listedUntil);
      const watermark = open && open < listedUntil ? open : listedUntil;
      const error = input.usersNotListed === 0 ? undefined
        : `${input.usersNotListed} user(s) could not be listed and are retried from their last listing: `
          + input.userErrors.map((u) => `${u.zoomUserId}: ${u.error}`).join('; ')
          + (input.usersNotListed > input.userErrors.length ? `; and ${input.usersNotListed - input.userErrors.length} more` : '');
      await markSyncFinished(deps.db, input.tenantId, input.source, { watermark, ...(error ? { error } : {}) });
      return { watermark: watermark.toISOString() };
    },

    /** Ends a sync of a run started before endSync existed (its watermark worked out in the workflow). */
    async finishSync({ tenantId, source, watermark }: { tenantId: string; source: MeetingSource; watermark: string }): Promise<void> {
      await markSyncFinished(deps.db, tenantId, source, { watermark: new Date(watermark) });
    },

    async failSync({ tenantId, source, error, errorType }: { tenantId: string; source: MeetingSource; error: string; errorType?: string }): Promise<void> {
      // Zoom refused the tenant's credentials: ops see it as the tenant's authorization status.
      const unauthorized = errorType === 'ZoomAuthError';
      await markSyncFailed(deps.db, tenantId, source, { error, ...(unauthorized ? { authorizationStatus: 'unauthorized' as const } : {}) });
    },
  };
};
