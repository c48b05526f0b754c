import type { ListedFileInput } from '../db/queries/media-files.js';
import type { ArchiveMeeting, RecordingMeeting } from '../zoom/index.js';
import { mediaKey } from '../storage/keys.js';
import type { MeetingRef } from './types.js';

// Turns Zoom's listing rows into the meeting reference a child workflow gets and the files we
// track in the database (where the child finds them: workflow histories stay small).

/** A file as a listing describes it: what the database tracks until it is stored. */
export type ListedFile = ListedFileInput;

export interface ListedMeeting {
  ref: MeetingRef;
  files: ListedFile[];
  /** Files Zoom lists without an id or a size (captions, timelines): nothing to verify them by. */
  unverifiable: number;
}

// Zoom quirk: file_extension is missing on some file types; these are Zoom's documented pairs.
const EXTENSION_OF_TYPE: Record<string, string> = {
  MP4: 'MP4', M4A: 'M4A', MP3: 'MP3', CHAT: 'TXT', TRANSCRIPT: 'VTT', CC: 'VTT', CSV: 'CSV', TIMELINE: 'JSON', SUMMARY: 'JSON',
};

const extensionOf = (fileType: string, given?: string) => (given || EXTENSION_OF_TYPE[fileType.toUpperCase()] || 'BIN').toUpperCase();

function meetingRef(m: { uuid: string; id: number; topic?: string | undefined; host_id?: string | undefined; start_time: string; duration?: number | undefined }): MeetingRef {
  return {
    uuid: m.uuid,
    meetingNumber: String(m.id),
    topic: m.topic ?? '',
    hostId: m.host_id ?? '',
    startTime: new Date(m.start_time).toISOString(),
    durationMinutes: m.duration ?? 0,
  };
}

function listedFile(tenantId: string, ref: MeetingRef, f: {
  id: string; file_type: string; file_extension?: string | undefined; recording_type?: string | undefined; file_size: number;
  status?: string | undefined; download_url: string; recording_start?: string | undefined;
}, participant: string | null): ListedFile {
  const fileExtension = extensionOf(f.file_type, f.file_extension);
  return {
    zoomFileId: f.id,
    fileType: f.file_type.toUpperCase(),
    fileExtension,
    recordingType: f.recording_type ?? null,
    participantZoomUserId: participant,
    recordingStartedAt: new Date(f.recording_start || ref.startTime),
    zoomSize: f.file_size,
    zoomStatus: (f.status ?? 'completed').toLowerCase(),
    downloadUrl: f.download_url,
    // Files live under the meeting's start, so a late transcript lands beside its video.
    storageKey: mediaKey({
      tenantId, sourcePlatform: 'Zoom Meeting', startedAt: new Date(ref.startTime), conversationId: ref.uuid, zoomFileId: f.id, extension: fileExtension,
    }),
  };
}

export function fromCloudRecording(tenantId: string, meeting: RecordingMeeting): ListedMeeting {
  const ref = meetingRef(meeting);
  const files: ListedFile[] = [];
  let unverifiable = 0;
  for (const f of meeting.recording_files) {
    // Zoom quirk: CC and TIMELINE entries come without id and file_size.
    if (!f.id || f.file_size === undefined || !f.download_url) {
      unverifiable += 1;
      continue;
    }
    files.push(listedFile(tenantId, ref, { ...f, id: f.id, file_size: f.file_size, download_url: f.download_url }, null));
  }
  for (const f of meeting.participant_audio_files ?? []) {
    files.push(listedFile(tenantId, ref, f, f.file_name || 'participant'));
  }
  return { ref, files, unverifiable };
}

export function fromArchive(tenantId: string, meeting: ArchiveMeeting): ListedMeeting {
  const ref = meetingRef(meeting);
  const files = meeting.archive_files.map((f) =>
    listedFile(tenantId, ref, f, f.individual ? (f.participant_email || 'participant') : null));
  return { ref, files, unverifiable: 0 };
}
