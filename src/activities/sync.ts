import { heartbeat } from '@temporalio/activity';
import { listRecordedUsers } from '../db/queries/recorded-users.js';
import { requireTenant } from '../db/queries/tenants.js';
import { markSyncFailed, markSyncFinished, markSyncRunning } from '../db/queries/sync-state.js';
import { meetingIsDone, trackListedFiles } from '../db/queries/media-files.js';
import { fromArchive, fromCloudRecording, type ListedMeeting } from '../ingest/listed-files.js';
import type { MeetingRef, MeetingSource } from '../ingest/types.js';
import type { ActivityDeps } from './deps.js';
import { mappingFailures } from './failures.js';

// Zoom quirk: cloud-recording windows are whole days and which timestamp they filter on is not
// documented, so each sync lists again from a day before the watermark; archived files are
// deduplicated per Zoom file id, so the overlap costs list rows, not downloads.
const RELIST_OVERLAP_MS = 24 * 3600 * 1000;
const DEFAULT_INITIAL_LOOKBACK_DAYS = 30;

export interface ListNewMeetingsResult {
  meetings: MeetingRef[];
  /** Meetings Zoom listed for configured users, before dropping those already archived. */
  listed: number;
  alreadyArchived: number;
  unverifiableFiles: number;
}

export const createSyncActivities = (deps: ActivityDeps) => ({
  /** Marks the sync running and says where its listing starts. */
  async beginSync({ tenantId, source }: { tenantId: string; source: MeetingSource }): Promise<{ from: string }> {
    return mappingFailures(async () => {
      await requireTenant(deps.db, tenantId);
      const state = await markSyncRunning(deps.db, tenantId, source);
      const lookbackMs = (deps.initialLookbackDays ?? DEFAULT_INITIAL_LOOKBACK_DAYS) * 24 * 3600 * 1000;
      const from = state.watermark ? new Date(state.watermark.getTime() - RELIST_OVERLAP_MS) : new Date(Date.now() - lookbackMs);
      return { from: from.toISOString() };
    });
  },

  /**
   * Lists the meetings of configured users between `from` and `to`, tracks their files, and returns
   * those with anything left to archive, oldest first. The whole listing is walked in one go: Zoom's
   * page tokens expire after 15 minutes.
   */
  async listNewMeetings(input: { tenantId: string; source: MeetingSource; from: string; to: string }): Promise<ListNewMeetingsResult> {
    const { tenantId, source } = input;
    return mappingFailures(async () => {
      const zoom = await deps.zoom.forTenant(tenantId);
      const users = await listRecordedUsers(deps.db, tenantId, { enabledOnly: true });
      const listed = new Map<string, ListedMeeting>();
      let rows = 0;
      const keep = (meeting: ListedMeeting) => {
        rows += 1;
        if (rows % 50 === 0) heartbeat({ rows });
        // The same instance can be listed twice (overlapping windows, several configured users).
        const seen = listed.get(meeting.ref.uuid);
        if (seen) seen.files.push(...meeting.files.filter((f) => !seen.files.some((s) => s.zoomFileId === f.zoomFileId)));
        else listed.set(meeting.ref.uuid, meeting);
      };
      try {
        if (source === 'cloud_recordings') {
          const from = input.from.slice(0, 10);
          const to = input.to.slice(0, 10);
          for (const user of users) {
            for await (const meeting of zoom.listUserRecordings(user.zoomUserId, { from, to })) keep(fromCloudRecording(tenantId, meeting));
          }
        } else {
          const configuredIds = new Set(users.map((u) => u.zoomUserId));
          const configuredEmails = new Set(users.map((u) => u.email.toLowerCase()));
          for await (const meeting of zoom.listArchiveFiles({ from: new Date(input.from), to: new Date(input.to) })) {
            // The account-wide archive lists everyone's meetings: keep those a configured user hosted
            // or has an individual recording in.
            const ofConfiguredUser = configuredIds.has(meeting.host_id ?? '')
              || meeting.archive_files.some((f) => f.individual && configuredEmails.has((f.participant_email ?? '').toLowerCase()));
            if (ofConfiguredUser) keep(fromArchive(tenantId, meeting));
          }
        }
      } finally {
        await deps.zoom.flushUsage(tenantId);
      }

      const meetings: MeetingRef[] = [];
      let alreadyArchived = 0;
      let unverifiableFiles = 0;
      for (const meeting of listed.values()) {
        unverifiableFiles += meeting.unverifiable;
        await trackListedFiles(deps.db, tenantId, meeting.ref.uuid, meeting.files);
        if (await meetingIsDone(deps.db, tenantId, meeting.ref.uuid)) alreadyArchived += 1;
        else meetings.push(meeting.ref);
      }
      meetings.sort((a, b) => a.startTime.localeCompare(b.startTime) || a.uuid.localeCompare(b.uuid));
      return { meetings, listed: listed.size, alreadyArchived, unverifiableFiles };
    });
  },

  /** A checkpoint between continue-as-new runs: the sync is still running. */
  async saveSyncProgress({ tenantId, source }: { tenantId: string; source: MeetingSource }): Promise<void> {
    await markSyncRunning(deps.db, tenantId, source);
  },

  async finishSync({ tenantId, source, watermark }: { tenantId: string; source: MeetingSource; watermark: string }): Promise<void> {
    await markSyncFinished(deps.db, tenantId, source, { watermark: new Date(watermark) });
  },

  async failSync({ tenantId, source, error, errorType }: { tenantId: string; source: MeetingSource; error: string; errorType?: string }): Promise<void> {
    // Zoom refused the tenant's credentials: ops see it as the tenant's authorization status.
    const unauthorized = errorType === 'ZoomAuthError';
    await markSyncFailed(deps.db, tenantId, source, { error, ...(unauthorized ? { authorizationStatus: 'unauthorized' as const } : {}) });
  },
});
