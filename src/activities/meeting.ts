import { upsertConversation } from '../db/queries/conversations.js';
import { upsertListedMeetings } from '../db/queries/listed-meetings.js';
import { listMediaFiles, markFilesSkipped, markMediaFileFailed, trackListedFiles } from '../db/queries/media-files.js';
import { getMeetingPeople, saveMeetingPeople } from '../db/queries/meeting-people.js';
import { findRecordedUsers, type RecordedUser } from '../db/queries/recorded-users.js';
import { requireTenant } from '../db/queries/tenants.js';
import type { ConversationParticipant } from '../db/schema/conversations.js';
import { conversationTypeFor, wantsFile } from '../ingest/file-selection.js';
import { SKIP_REASONS } from '../db/schema/media-files.js';
import { DEFAULT_FILE_RETRY_HOURS } from '../workflows/retry-policies.js';
import { fromArchive, fromCloudRecording } from '../ingest/listed-files.js';
import { buildMeetingCdr, foldParticipants, type MeetingRecordedUser } from '../ingest/meeting-cdr.js';
import { mediaOutcome } from '../ingest/media-outcome.js';
import type { IngestMeetingInput, MeetingRef } from '../ingest/types.js';
import { ZoomNotFoundError, type ZoomClient } from '../zoom/index.js';
import type { ActivityDeps } from './deps.js';
import { mappingFailures } from './failures.js';

export interface MeetingPlan {
  /** Configured users who took part (kept in meeting_people); 0 when none did (nothing is archived then). */
  recordedUserCount: number;
  /** Only in results recorded before meeting_people existed (old histories replay them). */
  recordedUsers?: MeetingRecordedUser[];
  participants?: ConversationParticipant[];
  /** Zoom file ids to download now. */
  filesToArchive: string[];
  /** Those of filesToArchive small enough to be archived together in one activity (absent in old plans). */
  smallFiles?: string[];
  alreadyStored: number;
  processing: number;
  mediaLengthSeconds: number | null;
  deleteAfterArchive: boolean;
  /** How long each file is retried before it is marked failed. */
  fileRetryHours: number;
}

/**
 * Files up to this size are archived together, one activity per meeting: a meeting of small files
 * costs one task round trip instead of one per file. Larger ones get an activity each (and
 * checkpoints from 64 MiB), so a long download never holds up the meeting's other files.
 */
export const SMALL_FILE_BYTES = 16 * 1024 * 1024;

export const createMeetingActivities = (deps: ActivityDeps) => ({
  /**
   * Works out who of the configured users took part (one participants call to Zoom: the meeting's
   * only metadata call) and which files they need by their modalities.
   */
  async prepareMeeting(input: IngestMeetingInput): Promise<MeetingPlan> {
    const { tenantId, meeting } = input;
    return mappingFailures(async () => {
      const tenant = await requireTenant(deps.db, tenantId);
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
          // Listed like a sync's meeting, so a retry of its failed files (and the sync) finds it.
          await upsertListedMeetings(deps.db, tenantId, input.source, [meeting]);
          files = await listMediaFiles(deps.db, tenantId, { platformCallId: meeting.uuid });
        }

        const participants = foldParticipants(await participantRows(zoom, meeting.uuid));
        // A meeting hosted outside the account has no participants for us (Zoom answers 404/3001):
        // a configured user is recognised by their own individual archive files (named by email).
        const individualOwners = new Set(files.filter((f) => f.participantZoomUserId !== null).map((f) => f.participantZoomUserId!.toLowerCase()));
        // Only the meeting's own people are looked up: a tenant may configure thousands of users.
        const users = await findRecordedUsers(deps.db, tenantId, {
          zoomUserIds: [meeting.hostId, ...participants.map((p) => p.zoomUserId ?? '')],
          emails: [...participants.map((p) => p.email ?? ''), ...(input.source === 'archiving' ? individualOwners : [])],
        }, { enabledOnly: true });
        const recordedUsers = users.flatMap((user) => {
          const asParticipant = participants.find((p) => p.zoomUserId === user.zoomUserId || (p.email && p.email.toLowerCase() === user.email.toLowerCase()));
          const hasOwnFiles = input.source === 'archiving' && individualOwners.has(user.email.toLowerCase());
          if (!asParticipant && !hasOwnFiles && user.zoomUserId !== meeting.hostId) return [];
          return [recordedUser(user, asParticipant)];
        });
        const fileRetryHours = tenant.options.fileRetryHours ?? DEFAULT_FILE_RETRY_HOURS;
        if (recordedUsers.length === 0) {
          await markFilesSkipped(deps.db, tenantId, files.filter((f) => f.state === 'pending').map((f) => f.zoomFileId), SKIP_REASONS.noRecordedUser);
          return { recordedUserCount: 0, filesToArchive: [], alreadyStored: 0, processing: 0, mediaLengthSeconds: null, deleteAfterArchive: false, fileRetryHours };
        }
        // Kept for writeMeetingCdrs: the plan stays small however many people took part.
        await saveMeetingPeople(deps.db, tenantId, meeting.uuid, { recordedUsers, participants });

        const modalities = users.filter((u) => recordedUsers.some((r) => r.zoomUserId === u.zoomUserId));
        // Zoom quirk: per-participant audio is only in GET /meetings/{uuid}/recordings, never in a
        // user's recordings list, so a listed meeting is asked for it when a recorded user wants it.
        const needsParticipantAudio = input.source === 'cloud_recordings' && modalities.some((u) => u.individualAudio);
        if (needsParticipantAudio && !askedZoom && !files.some((f) => f.participantZoomUserId !== null)) {
          await trackListedFiles(deps.db, tenantId, meeting.uuid, fromCloudRecording(tenantId, await zoom.getMeetingRecordings(meeting.uuid)).files);
          files = await listMediaFiles(deps.db, tenantId, { platformCallId: meeting.uuid });
        }
        const wanted = files.filter((f) => modalities.some((u) => wantsFile(u, f)));
        await markFilesSkipped(deps.db, tenantId, files.filter((f) => !wanted.includes(f) && f.state === 'pending').map((f) => f.zoomFileId), SKIP_REASONS.notWantedByModality);
        // Failed files are a dead end until support retries them; skipped ones say why they are not here.
        const open = wanted.filter((f) => f.state === 'pending');
        return {
          recordedUserCount: recordedUsers.length,
          filesToArchive: open.filter((f) => f.zoomStatus === 'completed').map((f) => f.zoomFileId),
          // Zoom quirk: CC and TIMELINE files have no size; they are small text files.
          smallFiles: open.filter((f) => f.zoomStatus === 'completed' && (f.zoomSize ?? 0) <= SMALL_FILE_BYTES).map((f) => f.zoomFileId),
          alreadyStored: wanted.filter((f) => f.state === 'stored').length,
          processing: open.filter((f) => f.zoomStatus !== 'completed').length,
          mediaLengthSeconds: meeting.durationMinutes > 0 ? meeting.durationMinutes * 60 : null,
          deleteAfterArchive: tenant.options.deleteAfterArchive,
          fileRetryHours,
        };
      } finally {
        await deps.zoom.flushUsage(tenantId);
      }
    });
  },

  async recordFileFailure({ tenantId, zoomFileId, error }: { tenantId: string; zoomFileId: string; error: string }): Promise<void> {
    await markMediaFileFailed(deps.db, tenantId, zoomFileId, error);
  },

  /** Marks every file of the meeting still waiting as failed with `error`; returns how many. */
  async recordMeetingFailure({ tenantId, meetingUuid, error }: { tenantId: string; meetingUuid: string; error: string }): Promise<number> {
    const waiting = await listMediaFiles(deps.db, tenantId, { platformCallId: meetingUuid, state: 'pending' });
    for (const file of waiting) await markMediaFileFailed(deps.db, tenantId, file.zoomFileId, `meeting could not be archived: ${error}`);
    return waiting.length;
  },

  /**
   * One CDR per recorded user; writing the same record again changes nothing. Who is recorded and
   * who took part come from meeting_people (runs started before it pass them in).
   */
  async writeMeetingCdrs(input: {
    tenantId: string;
    meeting: MeetingRef;
    recordedUsers?: MeetingRecordedUser[];
    participants?: ConversationParticipant[];
    mediaLengthSeconds: number | null;
  }): Promise<number> {
    return mappingFailures(async () => {
      const people = input.recordedUsers && input.participants
        ? { recordedUsers: input.recordedUsers, participants: input.participants }
        : await getMeetingPeople(deps.db, input.tenantId, input.meeting.uuid);
      if (!people) throw new Error(`meeting '${input.meeting.uuid}' of tenant '${input.tenantId}' has no recorded people: prepareMeeting did not run for it`);
      const users = await findRecordedUsers(deps.db, input.tenantId, { zoomUserIds: people.recordedUsers.map((u) => u.zoomUserId) });
      const files = await listMediaFiles(deps.db, input.tenantId, { platformCallId: input.meeting.uuid });
      for (const user of people.recordedUsers) {
        const cdr = buildMeetingCdr({ meeting: input.meeting, participants: people.participants, mediaLengthSeconds: input.mediaLengthSeconds, user, location: deps.location });
        // The recording failed for this user when none of the media they need reached the archive.
        const modality = users.find((u) => u.zoomUserId === user.zoomUserId);
        const theirs = modality ? files.filter((f) => wantsFile(modality, f) && f.state !== 'skipped') : [];
        await upsertConversation(deps.db, input.tenantId, { ...cdr, ...mediaOutcome(theirs) });
      }
      return people.recordedUsers.length;
    });
  },
});

export async function participantRows(zoom: ZoomClient, meetingUuid: string) {
  try {
    return await zoom.listPastMeetingParticipants(meetingUuid).toArray();
  } catch (err) {
    // Zoom keeps past-meeting participants for a limited time: the host still gets a CDR.
    if (err instanceof ZoomNotFoundError) return [];
    throw err;
  }
}

export function recordedUser(user: RecordedUser, asParticipant: ConversationParticipant | undefined): MeetingRecordedUser {
  return {
    zoomUserId: user.zoomUserId,
    name: user.name,
    conversationType: conversationTypeFor(user.modality),
    ...(asParticipant?.joinedAt ? { joinedAt: asParticipant.joinedAt } : {}),
    ...(asParticipant?.leftAt ? { leftAt: asParticipant.leftAt } : {}),
  };
}
