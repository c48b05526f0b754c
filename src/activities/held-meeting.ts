import { fromArchive, fromCloudRecording, type ListedMeeting } from '../ingest/listed-files.js';
import type { MeetingSource } from '../ingest/types.js';
import { ZoomNotFoundError, type ArchiveMeeting, type ZoomClient } from '../zoom/index.js';
import { isArchiveOfConfiguredUser, type ConfiguredUsers } from './meeting-listing.js';

// What Zoom holds of one meeting instance, source by source: one light call each
// (`GET /past_meetings/{uuid}/archive_files` or `GET /meetings/{uuid}/recordings`). Used by the
// recovery, by an ingest started by hand from the Temporal UI, and by reconciliation's check.

/** One source's files of a meeting instance; null when Zoom holds none there. */
export async function meetingInSource(zoom: ZoomClient, tenantId: string, source: MeetingSource, uuid: string): Promise<{ listed: ListedMeeting; archive?: ArchiveMeeting } | null> {
  try {
    if (source === 'archiving') {
      const archive = await zoom.getPastMeetingArchiveFiles(uuid);
      return { listed: fromArchive(tenantId, archive), archive };
    }
    return { listed: fromCloudRecording(tenantId, await zoom.getMeetingRecordings(uuid)) };
  } catch (err) {
    // Zoom quirk: a meeting without recording answers 404 (code 3301), like one that never was.
    if (err instanceof ZoomNotFoundError) return null;
    throw err;
  }
}

/** The UUIDs of every ended instance of a meeting number (one medium call); none when Zoom knows no such meeting. */
export async function endedInstances(zoom: ZoomClient, meetingId: string): Promise<string[]> {
  try {
    return (await zoom.listPastMeetingInstances(meetingId)).map((i) => i.uuid);
  } catch (err) {
    if (err instanceof ZoomNotFoundError) return [];
    throw err;
  }
}

/** "archive or cloud recording": what was asked of Zoom, in words for a refusal. */
export const sourcesInWords = (sources: readonly MeetingSource[]) => sources.map((s) => (s === 'archiving' ? 'archive' : 'cloud recording')).join(' or ');

/**
 * The first of `sources` that holds the meeting for a configured user (only their meetings are
 * archived, as a sync would: the host, or in an archive someone with an individual recording);
 * else why not: Zoom holds it nowhere, or only for people nobody configured.
 */
export async function findHeldMeeting(
  zoom: ZoomClient,
  tenantId: string,
  sources: readonly MeetingSource[],
  uuid: string,
  configured: ConfiguredUsers,
): Promise<{ source: MeetingSource; held: ListedMeeting } | { missing: 'not_found' | 'not_ours' }> {
  let missing: 'not_found' | 'not_ours' = 'not_found';
  for (const source of sources) {
    const found = await meetingInSource(zoom, tenantId, source, uuid);
    if (!found) continue;
    const ours = found.archive ? isArchiveOfConfiguredUser(found.archive, configured) : configured.ids.has(found.listed.ref.hostId);
    if (ours) return { source, held: found.listed };
    missing = 'not_ours';
  }
  return { missing };
}
