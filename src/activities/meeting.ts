import { PassThrough, type Readable } from 'node:stream';
import { Context, heartbeat } from '@temporalio/activity';
import { upsertConversation } from '../db/queries/conversations.js';
import { getMediaFile, listMediaFiles, markFilesSkipped, markMediaFileFailed, markMediaFileStored, trackListedFiles } from '../db/queries/media-files.js';
import { listRecordedUsers, type RecordedUser } from '../db/queries/recorded-users.js';
import { requireTenant } from '../db/queries/tenants.js';
import type { ConversationParticipant } from '../db/schema/conversations.js';
import { conversationTypeFor, wantsFile } from '../ingest/file-selection.js';
import { fromArchive, fromCloudRecording } from '../ingest/listed-files.js';
import { buildMeetingCdr, foldParticipants, type MeetingRecordedUser } from '../ingest/meeting-cdr.js';
import type { IngestMeetingInput, MeetingRef } from '../ingest/types.js';
import { ZoomNotFoundError, type ZoomClient } from '../zoom/index.js';
import type { ActivityDeps } from './deps.js';
import { mappingFailures } from './failures.js';

export interface MeetingPlan {
  /** Configured users who took part; empty when none did (nothing is archived then). */
  recordedUsers: MeetingRecordedUser[];
  participants: ConversationParticipant[];
  /** Zoom file ids to download now. */
  filesToArchive: string[];
  alreadyStored: number;
  processing: number;
  mediaLengthSeconds: number | null;
  deleteAfterArchive: boolean;
}

/** Heartbeats carry the bytes streamed so far; a stalled download stops heartbeating and is retried. */
const HEARTBEAT_EVERY_MS = 5_000;

export const createMeetingActivities = (deps: ActivityDeps) => ({
  /**
   * Works out who of the configured users took part (one participants call to Zoom: the meeting's
   * only metadata call) and which files they need by their modalities.
   */
  async prepareMeeting(input: IngestMeetingInput): Promise<MeetingPlan> {
    const { tenantId, meeting } = input;
    return mappingFailures(async () => {
      const tenant = await requireTenant(deps.db, tenantId);
      const users = await listRecordedUsers(deps.db, tenantId, { enabledOnly: true });
      const zoom = await deps.zoom.forTenant(tenantId);
      try {
        let files = await listMediaFiles(deps.db, tenantId, { platformCallId: meeting.uuid });
        const askedZoom = files.length === 0;
        if (askedZoom) {
          // Started before any sync listed the meeting (a webhook, a recovery): ask Zoom for its files.
          const listed = input.source === 'archiving'
            ? fromArchive(tenantId, await zoom.getPastMeetingArchiveFiles(meeting.uuid))
            : fromCloudRecording(tenantId, await zoom.getMeetingRecordings(meeting.uuid));
          await trackListedFiles(deps.db, tenantId, meeting.uuid, listed.files);
          files = await listMediaFiles(deps.db, tenantId, { platformCallId: meeting.uuid });
        }

        const participants = foldParticipants(await participantRows(zoom, meeting.uuid));
        const recordedUsers = users.flatMap((user) => {
          const asParticipant = participants.find((p) => p.zoomUserId === user.zoomUserId || (p.email && p.email.toLowerCase() === user.email.toLowerCase()));
          if (!asParticipant && user.zoomUserId !== meeting.hostId) return [];
          return [recordedUser(user, asParticipant)];
        });
        if (recordedUsers.length === 0) {
          return { recordedUsers, participants, filesToArchive: [], alreadyStored: 0, processing: 0, mediaLengthSeconds: null, deleteAfterArchive: false };
        }

        const modalities = users.filter((u) => recordedUsers.some((r) => r.zoomUserId === u.zoomUserId));
        // Zoom quirk: per-participant audio is only in GET /meetings/{uuid}/recordings, never in a
        // user's recordings list, so a listed meeting is asked for it when a recorded user wants it.
        const needsParticipantAudio = input.source === 'cloud_recordings' && modalities.some((u) => u.individualAudio);
        if (needsParticipantAudio && !askedZoom && !files.some((f) => f.participantZoomUserId !== null)) {
          await trackListedFiles(deps.db, tenantId, meeting.uuid, fromCloudRecording(tenantId, await zoom.getMeetingRecordings(meeting.uuid)).files);
          files = await listMediaFiles(deps.db, tenantId, { platformCallId: meeting.uuid });
        }
        const wanted = files.filter((f) => modalities.some((u) => wantsFile(u, f)));
        await markFilesSkipped(deps.db, tenantId, files.filter((f) => !wanted.includes(f) && f.state !== 'stored').map((f) => f.zoomFileId));
        const open = wanted.filter((f) => f.state !== 'stored');
        return {
          recordedUsers,
          participants,
          filesToArchive: open.filter((f) => f.zoomStatus === 'completed').map((f) => f.zoomFileId),
          alreadyStored: wanted.length - open.length,
          processing: open.filter((f) => f.zoomStatus !== 'completed').length,
          mediaLengthSeconds: meeting.durationMinutes > 0 ? meeting.durationMinutes * 60 : null,
          deleteAfterArchive: tenant.options.deleteAfterArchive,
        };
      } finally {
        await deps.zoom.flushUsage(tenantId);
      }
    });
  },

  /** Streams one file from Zoom into the media store, verified against Zoom's size and our SHA-256. */
  async archiveMeetingFile({ tenantId, zoomFileId }: { tenantId: string; zoomFileId: string }): Promise<{ alreadyStored: boolean; size: number; sha256: string }> {
    return mappingFailures(async () => {
      const file = await getMediaFile(deps.db, tenantId, zoomFileId);
      if (!file) throw new Error(`media file '${zoomFileId}' of tenant '${tenantId}' is not tracked`);
      if (file.state === 'stored' && file.sha256 && file.storedSize !== null) {
        return { alreadyStored: true, size: file.storedSize, sha256: file.sha256 };
      }
      if (!file.downloadUrl || file.zoomSize === null) throw new Error(`media file '${zoomFileId}' of tenant '${tenantId}' has no download URL or size from Zoom`);

      // An earlier attempt may have stored the object and died before recording it.
      const existing = await deps.store.head(file.storageKey);
      if (existing && existing.size === file.zoomSize) {
        await markMediaFileStored(deps.db, tenantId, zoomFileId, existing);
        return { alreadyStored: true, ...existing };
      }

      const zoom = await deps.zoom.forTenant(tenantId);
      try {
        const download = await zoom.downloadFile({ url: file.downloadUrl, expectedSize: file.zoomSize });
        const stored = await deps.store.put(file.storageKey, withProgressHeartbeats(download.stream), {
          expectedSize: file.zoomSize,
          ...(download.contentType ? { contentType: download.contentType } : {}),
          metadata: { tenant: tenantId, 'zoom-file-type': file.fileType },
        });
        await markMediaFileStored(deps.db, tenantId, zoomFileId, { size: stored.size, sha256: stored.sha256 });
        return { alreadyStored: stored.alreadyStored, size: stored.size, sha256: stored.sha256 };
      } finally {
        await deps.zoom.flushUsage(tenantId);
      }
    });
  },

  async recordFileFailure({ tenantId, zoomFileId, error }: { tenantId: string; zoomFileId: string; error: string }): Promise<void> {
    await markMediaFileFailed(deps.db, tenantId, zoomFileId, error);
  },

  /** One CDR per recorded user; writing the same record again changes nothing. */
  async writeMeetingCdrs(input: {
    tenantId: string;
    meeting: MeetingRef;
    recordedUsers: MeetingRecordedUser[];
    participants: ConversationParticipant[];
    mediaLengthSeconds: number | null;
    mediaError: string | null;
  }): Promise<number> {
    return mappingFailures(async () => {
      for (const user of input.recordedUsers) {
        const cdr = buildMeetingCdr({ ...input, user, location: deps.location });
        await upsertConversation(deps.db, input.tenantId, { ...cdr, mediaError: input.mediaError });
      }
      return input.recordedUsers.length;
    });
  },

  /** Moves the meeting's recordings to Zoom's trash (recoverable there for 30 days). */
  async trashMeetingRecordings({ tenantId, meetingUuid }: { tenantId: string; meetingUuid: string }): Promise<void> {
    return mappingFailures(async () => {
      const zoom = await deps.zoom.forTenant(tenantId);
      try {
        await zoom.trashMeetingRecordings(meetingUuid);
      } finally {
        await deps.zoom.flushUsage(tenantId);
      }
    });
  },
});

async function participantRows(zoom: ZoomClient, meetingUuid: string) {
  try {
    return await zoom.listPastMeetingParticipants(meetingUuid).toArray();
  } catch (err) {
    // Zoom keeps past-meeting participants for a limited time: the host still gets a CDR.
    if (err instanceof ZoomNotFoundError) return [];
    throw err;
  }
}

function recordedUser(user: RecordedUser, asParticipant: ConversationParticipant | undefined): MeetingRecordedUser {
  return {
    zoomUserId: user.zoomUserId,
    name: user.name,
    conversationType: conversationTypeFor(user.modality),
    ...(asParticipant?.joinedAt ? { joinedAt: asParticipant.joinedAt } : {}),
    ...(asParticipant?.leftAt ? { leftAt: asParticipant.leftAt } : {}),
  };
}

/** Passes the bytes through, heartbeating their count while they flow, and stops when cancelled. */
function withProgressHeartbeats(source: Readable): Readable {
  const counted = new PassThrough({ highWaterMark: 1024 * 1024 });
  let bytes = 0;
  let lastBeat = 0;
  source.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    const now = Date.now();
    if (now - lastBeat >= HEARTBEAT_EVERY_MS) {
      lastBeat = now;
      heartbeat({ bytes });
    }
  });
  source.on('error', (err) => counted.destroy(err));
  source.pipe(counted);
  Context.current().cancellationSignal.addEventListener('abort', () => source.destroy(new Error('activity cancelled')));
  return counted;
}
