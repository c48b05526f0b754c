import { heartbeat, log } from '@temporalio/activity';
import { listTrashCandidates, markTrashedInZoom } from '../db/queries/trash-candidates.js';
import { requireTenant } from '../db/queries/tenants.js';
import type { MeetingSource } from '../ingest/types.js';
import { ZoomNotFoundError, type ZoomClient } from '../zoom/index.js';
import type { ActivityDeps } from './deps.js';
import { mappingFailures } from './failures.js';

// Delete-after-archive: Zoom's copy of a meeting goes to Zoom's trash (recoverable there for 30
// days) only when it is safe: every file we need is verified in our store, none failed or still
// pending, the meeting's host is a configured user, and the grace period for late files (a
// transcript hours after the video) has passed since the meeting ended. Only what was verified
// here goes, through the API of the source that listed it.

const DEFAULT_GRACE_HOURS = 24;
/** Meetings trashed per sync: the rest wait for the next one (each costs a few light calls). */
const MEETINGS_PER_SYNC = 100;

export interface TrashReport {
  meetings: number;
  files: number;
  dryRun: boolean;
}

export const createDeleteAfterArchiveActivities = (deps: ActivityDeps) => ({
  async trashArchivedMeetings({ tenantId, source }: { tenantId: string; source: MeetingSource }): Promise<TrashReport> {
    return mappingFailures(async () => {
      const tenant = await requireTenant(deps.db, tenantId);
      const dryRun = tenant.options.deleteDryRun === true;
      const report: TrashReport = { meetings: 0, files: 0, dryRun };
      if (!tenant.options.deleteAfterArchive) return report;
      const graceMs = (tenant.options.deleteGraceHours ?? DEFAULT_GRACE_HOURS) * 3600_000;
      const candidates = await listTrashCandidates(deps.db, tenantId, source, { endedBefore: new Date(Date.now() - graceMs), limit: MEETINGS_PER_SYNC });
      const zoom = await deps.zoom.forTenant(tenantId);
      try {
        for (const meeting of candidates) {
          heartbeat({ meeting: meeting.uuid });
          const fileIds = meeting.files.map((f) => f.zoomFileId);
          if (dryRun) {
            log.info('delete-after-archive (dry run): would move to Zoom\'s trash', { tenantId, source, meeting: meeting.uuid, files: fileIds });
          } else {
            await trash(zoom, source, meeting.uuid, fileIds);
            await markTrashedInZoom(deps.db, tenantId, fileIds);
          }
          report.meetings += 1;
          report.files += fileIds.length;
        }
      } finally {
        await deps.zoom.flushUsage(tenantId);
      }
      return report;
    });
  },
});

async function trash(zoom: ZoomClient, source: MeetingSource, meetingUuid: string, zoomFileIds: string[]): Promise<void> {
  // Already gone in Zoom (trashed by hand, expired): nothing left to do for it.
  const unlessGone = (work: Promise<void>) => work.catch((err: unknown) => { if (!(err instanceof ZoomNotFoundError)) throw err; });
  if (source === 'archiving') {
    await unlessGone(zoom.deleteMeetingArchive(meetingUuid));
    return;
  }
  for (const fileId of zoomFileIds) await unlessGone(zoom.trashRecordingFile(meetingUuid, fileId));
}
