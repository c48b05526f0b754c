import { createHash } from 'node:crypto';
import type { ListedFileInput } from '../db/queries/media-files.js';
import { DERIVED_FILE_ID_PREFIX, SKIP_REASONS } from '../db/schema/media-files.js';
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
  id: string; file_type: string; file_extension?: string | undefined; recording_type?: string | undefined; file_size?: number | undefined;
  status?: string | undefined; download_url?: string | undefined; recording_start?: string | undefined;
}, participant: string | null): ListedFile {
  const fileExtension = extensionOf(f.file_type, f.file_extension);
  return {
    zoomFileId: f.id,
    fileType: f.file_type.toUpperCase(),
    fileExtension,
    recordingType: f.recording_type ?? null,
    participantZoomUserId: participant,
    recordingStartedAt: new Date(f.recording_start || ref.startTime),
    zoomSize: f.file_size ?? null,
    zoomStatus: (f.status ?? 'completed').toLowerCase(),
    downloadUrl: f.download_url || null,
    ...(f.download_url ? {} : { skipReason: SKIP_REASONS.noDownloadUrl }),
    // Zoom quirk: an archive file whose archiving failed at Zoom is listed with status "failed" and never completes.
    ...(f.status?.toLowerCase() === 'failed' ? { failure: 'Zoom reports this archive file as failed (its archiving failed at Zoom); there is nothing to download' } : {}),
    // Files live under the meeting's start, so a late transcript lands beside its video.
    storageKey: mediaKey({
      tenantId, sourcePlatform: 'Zoom Meeting', startedAt: new Date(ref.startTime), conversationId: ref.uuid, zoomFileId: f.id, extension: fileExtension,
    }),
  };
}

/**
 * Zoom quirk: CC and TIMELINE files are listed without an id (and without a size). They get an id
 * derived from what identifies them within the meeting, the same at every listing, so they are
 * tracked and archived once like any other file (verified by their Content-Length and SHA-256).
 */
function derivedFileId(meetingUuid: string, f: { file_type: string; recording_type?: string | undefined; recording_start?: string | undefined; recording_end?: string | undefined }): string {
  const identity = [meetingUuid, f.file_type, f.recording_type ?? '', f.recording_start ?? '', f.recording_end ?? ''].join('|');
  return `${DERIVED_FILE_ID_PREFIX}${createHash('sha256').update(identity).digest('hex').slice(0, 32)}`;
}

export function fromCloudRecording(tenantId: string, meeting: RecordingMeeting): ListedMeeting {
  const ref = meetingRef(meeting);
  const files = meeting.recording_files.map((f) => listedFile(tenantId, ref, { ...f, id: f.id || derivedFileId(ref.uuid, f) }, null));
  for (const f of meeting.participant_audio_files ?? []) {
    files.push(listedFile(tenantId, ref, f, f.file_name || 'participant'));
  }
  return { ref, files };
}

export function fromArchive(tenantId: string, meeting: ArchiveMeeting): ListedMeeting {
  const ref = meetingRef(meeting);
  const files = meeting.archive_files.map((f) =>
    listedFile(tenantId, ref, f, f.individual ? (f.participant_email || 'participant') : null));
  return { ref, files };
}
