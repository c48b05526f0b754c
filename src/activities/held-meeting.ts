import { fromArchive, fromCloudRecording, type ListedMeeting } from '../ingest/listed-files.js';
import type { MeetingSource } from '../ingest/types.js';
import { ZoomNotFoundError, type ZoomClient } from '../zoom/index.js';
import { isArchiveOfConfiguredUser, type ConfiguredUsers } from './meeting-listing.js';

/**
 * What Zoom holds of one meeting instance in a source (null: nothing there), and whether a
 * configured user is in it: only their meetings are archived, as a sync would. One light call
 * (`GET /past_meetings/{uuid}/archive_files` or `GET /meetings/{uuid}/recordings`). Used by the
 * recovery and by an ingest started by hand from the Temporal UI.
 */
export async function fetchHeldMeeting(zoom: ZoomClient, tenantId: string, source: MeetingSource, uuid: string, configured: ConfiguredUsers): Promise<{ held: ListedMeeting; ours: boolean } | null> {
  try {
    if (source === 'archiving') {
      const archive = await zoom.getPastMeetingArchiveFiles(uuid);
      return { held: fromArchive(tenantId, archive), ours: isArchiveOfConfiguredUser(archive, configured) };
    }
    const held = fromCloudRecording(tenantId, await zoom.getMeetingRecordings(uuid));
    // A user's cloud recordings are the meetings they host.
    return { held, ours: configured.ids.has(held.ref.hostId) };
  } catch (err) {
    if (err instanceof ZoomNotFoundError) return null;
    throw err;
  }
}
