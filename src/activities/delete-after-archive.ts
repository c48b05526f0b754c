import { heartbeat, log } from '@temporalio/activity';
import { listCallTrashCandidates } from '../db/queries/phone-calls.js';
import { listTrashCandidates, markTrashedInZoom } from '../db/queries/trash-candidates.js';
import { requireTenant } from '../db/queries/tenants.js';
import type { MeetingSource, SyncSource } from '../ingest/types.js';
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
  /** Meetings, or phone calls. */
  meetings: number;
  files: number;
  dryRun: boolean;
}

/** One meeting or call whose verified files may go. */
interface Candidate {
  /** The meeting's UUID or the call's id. */
  id: string;
  zoomFileIds: string[];
}

export const createDeleteAfterArchiveActivities = (deps: ActivityDeps) => {
  /**
   * The rules both sources share: only when the tenant asks, after its grace period, a bounded
   * number per sync, a dry run only logs; each candidate's files are marked once Zoom took them.
   */
  async function trashVerified(
    tenantId: string,
    source: SyncSource,
    candidates: (endedBefore: Date, limit: number) => Promise<Candidate[]>,
    trash: (zoom: ZoomClient, candidate: Candidate) => Promise<void>,
  ): Promise<TrashReport> {
    return mappingFailures(async () => {
      const tenant = await requireTenant(deps.db, tenantId);
      const dryRun = tenant.options.deleteDryRun === true;
      const report: TrashReport = { meetings: 0, files: 0, dryRun };
      if (!tenant.options.deleteAfterArchive) return report;
      const graceMs = (tenant.options.deleteGraceHours ?? DEFAULT_GRACE_HOURS) * 3600_000;
      const found = await candidates(new Date(Date.now() - graceMs), MEETINGS_PER_SYNC);
      const zoom = await deps.zoom.forTenant(tenantId);
      try {
        for (const candidate of found) {
          heartbeat({ [source === 'phone' ? 'call' : 'meeting']: candidate.id });
          if (dryRun) {
            log.info('delete-after-archive (dry run): would move to Zoom\'s trash', { tenantId, source, conversation: candidate.id, files: candidate.zoomFileIds });
          } else {
            await trash(zoom, candidate);
            await markTrashedInZoom(deps.db, tenantId, candidate.zoomFileIds);
          }
          report.meetings += 1;
          report.files += candidate.zoomFileIds.length;
        }
      } finally {
        await deps.zoom.flushUsage(tenantId);
      }
      return report;
    });
  }

  return {
    async trashArchivedMeetings({ tenantId, source }: { tenantId: string; source: MeetingSource }): Promise<TrashReport> {
      return trashVerified(
        tenantId,
        source,
        async (endedBefore, limit) => (await listTrashCandidates(deps.db, tenantId, source, { endedBefore, limit }))
          .map((m) => ({ id: m.uuid, zoomFileIds: m.files.map((f) => f.zoomFileId) })),
        (zoom, meeting) => trash(zoom, source, meeting.id, meeting.zoomFileIds),
      );
    },

    /**
     * Zoom Phone's copies of verified recordings, deleted in Zoom by the same rules (see
     * listCallTrashCandidates); Zoom keeps a deleted phone recording in its recycle bin for a while.
     */
    async trashArchivedCalls({ tenantId }: { tenantId: string }): Promise<TrashReport> {
      return trashVerified(
        tenantId,
        'phone',
        async (endedBefore, limit) => (await listCallTrashCandidates(deps.db, tenantId, { endedBefore, limit }))
          .map((c) => ({ id: c.callId, zoomFileIds: c.files.map((f) => f.zoomFileId) })),
        async (zoom, call) => {
          for (const id of call.zoomFileIds) await unlessGone(zoom.deletePhoneRecording(id));
        },
      );
    },
  };
};

/** Already gone in Zoom (trashed by hand, expired): nothing left to do for it. */
const unlessGone = (work: Promise<void>) => work.catch((err: unknown) => { if (!(err instanceof ZoomNotFoundError)) throw err; });

async function trash(zoom: ZoomClient, source: MeetingSource, meetingUuid: string, zoomFileIds: string[]): Promise<void> {
  if (source === 'archiving') {
    await unlessGone(zoom.deleteMeetingArchive(meetingUuid));
    return;
  }
  for (const fileId of zoomFileIds) await unlessGone(zoom.trashRecordingFile(meetingUuid, fileId));
}
