/**
 * Zod schemas of the Zoom responses the archiver reads (REFERENCE §2–§7). Loose objects: unknown
 * fields pass through and enums are plain strings (Zoom keeps adding both); fields we use are checked.
 */
import { z } from 'zod';
import { ZoomBadResponseError } from './errors.js';

const str = z.string();
const optStr = z.string().optional();
const int = z.number().int();

/** Every cursor-paged response: `next_page_token` is "" (or absent) on the last page. */
export const pageFields = {
  next_page_token: optStr,
  page_size: int.optional(),
  total_records: int.optional(),
};

export const userSchema = z.looseObject({
  id: str,
  email: str,
  first_name: optStr,
  last_name: optStr,
  display_name: optStr,
  type: int.optional(),
  status: optStr,
  timezone: optStr,
});
export const usersPageSchema = z.looseObject({ ...pageFields, users: z.array(userSchema) });

export const recordingFileSchema = z.looseObject({
  // Zoom quirk: CC and TIMELINE files have no id, file_size, play_url or recording_type.
  id: optStr,
  meeting_id: str,
  recording_start: optStr,
  recording_end: optStr,
  file_type: str,
  file_extension: optStr,
  file_size: int.nonnegative().optional(),
  download_url: optStr,
  status: optStr,
  recording_type: optStr,
});

export const participantAudioFileSchema = z.looseObject({
  id: str,
  file_type: str,
  file_name: optStr,
  file_size: int.nonnegative(),
  file_extension: optStr,
  download_url: str,
  recording_start: optStr,
  recording_end: optStr,
  status: optStr,
});

export const recordingMeetingSchema = z.looseObject({
  uuid: str,
  id: z.number(),
  account_id: optStr,
  host_id: str,
  topic: str,
  // Zoom quirk: `type` is a string in the current REST spec and an integer in webhooks and older specs.
  type: z.union([z.number(), z.string()]),
  start_time: str,
  duration: z.number(),
  total_size: z.number().optional(),
  recording_count: int.optional(),
  recording_files: z.array(recordingFileSchema).default([]),
  participant_audio_files: z.array(participantAudioFileSchema).optional(),
  download_access_token: optStr,
});
export const userRecordingsPageSchema = z.looseObject({ ...pageFields, from: optStr, to: optStr, meetings: z.array(recordingMeetingSchema) });

export const archiveFileSchema = z.looseObject({
  id: str,
  file_type: str,
  file_extension: optStr,
  file_size: int.nonnegative(),
  download_url: str,
  status: str,
  recording_type: optStr,
  individual: z.boolean().optional(),
  participant_email: optStr,
  participant_join_time: optStr,
  participant_leave_time: optStr,
  encryption_fingerprint: optStr,
});
export const archiveMeetingSchema = z.looseObject({
  uuid: str,
  id: z.number(),
  host_id: optStr,
  topic: optStr,
  type: z.union([z.number(), z.string()]).optional(),
  start_time: str,
  timezone: optStr,
  duration: z.number().optional(),
  duration_in_second: z.number().optional(),
  total_size: z.number().optional(),
  recording_count: int.optional(),
  meeting_type: optStr,
  // Zoom quirk: complete_time is "" while the archive is not complete.
  complete_time: optStr,
  is_breakout_room: z.boolean().optional(),
  parent_meeting_id: optStr,
  status: str,
  archive_files: z.array(archiveFileSchema),
});
export const archiveFilesPageSchema = z.looseObject({ ...pageFields, from: optStr, to: optStr, meetings: z.array(archiveMeetingSchema) });

export const dashboardMeetingSchema = z.looseObject({
  uuid: str,
  id: z.number(),
  topic: optStr,
  host: optStr,
  email: optStr,
  start_time: str,
  end_time: optStr,
  // Zoom quirk: dashboard `duration` is "hh:mm:ss" or "mm:ss", not a number.
  duration: z.union([z.string(), z.number()]).optional(),
  participants: z.number().optional(),
  has_recording: z.boolean().optional(),
  has_archiving: z.boolean().optional(),
  has_video: z.boolean().optional(),
  has_screen_share: z.boolean().optional(),
  audio_quality: optStr,
  video_quality: optStr,
});
export const dashboardMeetingsPageSchema = z.looseObject({ ...pageFields, from: optStr, to: optStr, meetings: z.array(dashboardMeetingSchema) });

/** A row of GET /report/users/{userId}/meetings; `has_recording` and join times only for `pastJoined`. */
export const reportMeetingSchema = z.looseObject({
  uuid: str,
  id: z.number(),
  topic: optStr,
  user_name: optStr,
  user_email: optStr,
  start_time: str,
  end_time: optStr,
  duration: z.number().optional(),
  participants_count: z.number().optional(),
  has_recording: z.boolean().optional(),
  join_time: optStr,
  leave_time: optStr,
});
export const reportMeetingsPageSchema = z.looseObject({ ...pageFields, from: optStr, to: optStr, meetings: z.array(reportMeetingSchema).default([]) });

export const dashboardParticipantSchema = z.looseObject({
  id: optStr,
  participant_user_id: optStr,
  user_id: optStr,
  user_name: optStr,
  email: optStr,
  join_time: optStr,
  leave_time: optStr,
  recording: z.boolean().optional(),
  audio_quality: optStr,
  video_quality: optStr,
  screen_share_quality: optStr,
});
export const dashboardParticipantsPageSchema = z.looseObject({ ...pageFields, participants: z.array(dashboardParticipantSchema) });

const qosMetricSchema = z.looseObject({ bitrate: optStr, latency: optStr, jitter: optStr, avg_loss: optStr, max_loss: optStr });
export const participantQosSchema = z.looseObject({
  id: optStr,
  user_id: optStr,
  user_name: optStr,
  email: optStr,
  user_qos: z
    .array(z.looseObject({ date_time: optStr, audio_input: qosMetricSchema.optional(), audio_output: qosMetricSchema.optional(), video_input: qosMetricSchema.optional(), video_output: qosMetricSchema.optional() }))
    .default([]),
});
export const participantsQosPageSchema = z.looseObject({ ...pageFields, participants: z.array(participantQosSchema) });

export const pastMeetingParticipantSchema = z.looseObject({
  id: optStr,
  name: optStr,
  user_id: optStr,
  user_email: optStr,
  join_time: optStr,
  leave_time: optStr,
  // Seconds of this join (rejoins produce separate rows).
  duration: z.number().optional(),
  status: optStr,
  internal_user: z.boolean().optional(),
});
export const pastMeetingParticipantsPageSchema = z.looseObject({ ...pageFields, participants: z.array(pastMeetingParticipantSchema) });

/** GET /past_meetings/{meetingId}/instances: every ended instance of a meeting number (not paged). */
export const pastMeetingInstancesSchema = z.looseObject({ meetings: z.array(z.looseObject({ uuid: str, start_time: optStr })).default([]) });

const phoneAgentSchema = z.looseObject({ name: optStr, extension_number: z.union([z.number(), z.string()]).optional() });
const phoneOwnerSchema = z.looseObject({ type: optStr, id: optStr, name: optStr, extension_number: z.union([z.number(), z.string()]).optional() });
export const phoneRecordingSchema = z.looseObject({
  id: str,
  call_id: str,
  call_log_id: optStr,
  call_history_id: optStr,
  call_element_id: optStr,
  caller_number: optStr,
  caller_number_type: z.number().optional(),
  caller_name: optStr,
  callee_number: optStr,
  callee_number_type: z.number().optional(),
  callee_name: optStr,
  direction: str,
  date_time: str,
  end_time: optStr,
  duration: z.number(),
  download_url: str,
  recording_type: optStr,
  owner: phoneOwnerSchema.optional(),
  // A call queue's recording: the agent who answered (inbound) or placed (outbound) the call.
  accepted_by: phoneAgentSchema.optional(),
  outgoing_by: phoneAgentSchema.optional(),
  // phone.recording_completed only: the recording's user.
  user_id: optStr,
  meeting_uuid: optStr,
});
export const phoneRecordingsPageSchema = z.looseObject({ ...pageFields, from: optStr, to: optStr, recordings: z.array(phoneRecordingSchema) });

// The two parties of a call or of one of its legs: internal ones carry ext id, extension and email.
const legPartyFields = {
  caller_ext_id: optStr,
  caller_ext_number: optStr,
  caller_did_number: optStr,
  caller_name: optStr,
  caller_email: optStr,
  caller_ext_type: optStr,
  callee_ext_id: optStr,
  callee_ext_number: optStr,
  callee_did_number: optStr,
  callee_name: optStr,
  callee_email: optStr,
  callee_ext_type: optStr,
};

export const callHistorySchema = z.looseObject({
  call_history_uuid: str,
  call_id: str,
  direction: str,
  start_time: str,
  answer_time: optStr,
  end_time: optStr,
  duration: z.number(),
  connect_type: optStr,
  call_type: optStr,
  call_result: optStr,
  recording_status: optStr,
  ...legPartyFields,
});
// Zoom quirk: `call_logs` in this response is a deprecated duplicate; only `call_history` is read.
export const callHistoryPageSchema = z.looseObject({ ...pageFields, from: optStr, to: optStr, call_history: z.array(callHistorySchema).default([]) });

const callPathSchema = z.looseObject({
  ...legPartyFields,
  start_time: optStr,
  answer_time: optStr,
  end_time: optStr,
  event: optStr,
  result: optStr,
  result_reason: optStr,
  recording_id: optStr,
  recording_type: optStr,
  voicemail_id: optStr,
  segment: z.number().optional(),
});
/** One leg of a call (GET /phone/call_element/{id}): names the call's history uuid. */
export const callElementSchema = callPathSchema.extend({ call_element_id: str, call_history_uuid: str, call_id: str, direction: optStr });
export const callHistoryDetailSchema = callHistorySchema.extend({
  call_path: z.array(callPathSchema).default([]),
  call_elements: z.array(callPathSchema).optional(),
});

export type ZoomUser = z.infer<typeof userSchema>;
export type RecordingFile = z.infer<typeof recordingFileSchema>;
export type ParticipantAudioFile = z.infer<typeof participantAudioFileSchema>;
export type RecordingMeeting = z.infer<typeof recordingMeetingSchema>;
export type ArchiveFile = z.infer<typeof archiveFileSchema>;
export type ArchiveMeeting = z.infer<typeof archiveMeetingSchema>;
export type PastMeetingInstance = z.infer<typeof pastMeetingInstancesSchema>['meetings'][number];
export type DashboardMeeting = z.infer<typeof dashboardMeetingSchema>;
export type ReportMeeting = z.infer<typeof reportMeetingSchema>;
export type DashboardParticipant = z.infer<typeof dashboardParticipantSchema>;
export type ParticipantQos = z.infer<typeof participantQosSchema>;
export type PastMeetingParticipant = z.infer<typeof pastMeetingParticipantSchema>;
export type PhoneRecording = z.infer<typeof phoneRecordingSchema>;
export type CallHistory = z.infer<typeof callHistorySchema>;
export type CallHistoryDetail = z.infer<typeof callHistoryDetailSchema>;
export type CallPathLeg = z.infer<typeof callPathSchema>;
export type CallElement = z.infer<typeof callElementSchema>;

/** Validates a response body; the error names the endpoint and the first wrong fields. */
export function parseResponse<S extends z.ZodType>(schema: S, body: unknown, ctx: { tenant: string; endpoint: string; httpStatus?: number }): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const fields = result.error.issues
    .slice(0, 3)
    .map((i) => `field "${formatPath(i.path)}": ${i.message}`)
    .join('; ');
  throw new ZoomBadResponseError({ ...ctx, problem: fields });
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(body)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}
