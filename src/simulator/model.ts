/** The simulator's in-memory world: what exists in each simulated Zoom account. */

export type Plan = 'pro' | 'business';
export type FileStatus = 'completed' | 'processing' | 'failed';
export type DeletionState = 'none' | 'trash' | 'deleted';
export type Modality = 'voice' | 'video' | 'screen';

export interface SimUser {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  display_name: string;
  type: 1 | 2; // 1 basic, 2 licensed
  /** 'deleted': removed from the account (control `deleteUser`); Zoom no longer knows the id. */
  status: 'active' | 'inactive' | 'pending' | 'deleted';
  dept: string;
  timezone: string;
  created_at: string;
  last_login_time: string;
  modality: Modality;
  phone_extension: number | null;
  phone_number: string | null;
}

export interface SimParticipant {
  /** Zoom user id when signed in to this account, '' for guests. */
  id: string;
  /** Per-meeting participant id. */
  user_id: string;
  participant_uuid: string;
  name: string;
  email: string;
  internal: boolean;
  join_time: number;
  leave_time: number;
  device: 'Windows' | 'Mac' | 'iOS' | 'Android' | 'Phone' | '';
  role: 'host' | 'attendee';
}

export type FileKind = 'recording' | 'participant_audio' | 'archive' | 'phone';

/**
 * A permanent fault of one file's downloads (control `setFileFault`): `html` answers Zoom's HTML
 * error page, `not_found` a 404, `slow` trickles the body out over `faultSlowMs` of real time,
 * `size_mismatch` serves one byte fewer than the listed `file_size`, `json_body` answers 200 with
 * Zoom's error JSON, `empty_body` 200 with the file's content type and no bytes.
 */
export type FileFaultKind = 'html' | 'not_found' | 'slow' | 'size_mismatch' | 'json_body' | 'empty_body';

export interface SimFile {
  /** Internal id; also Zoom's `id` unless `idless` (Zoom omits id for CC and TIMELINE files). */
  id: string;
  idless: boolean;
  kind: FileKind;
  file_type: string;
  file_extension: string;
  recording_type: string | null;
  file_name: string;
  file_size: number;
  recording_start: number;
  recording_end: number;
  /** Simulated time at which processing finishes (0 = ready from the start). */
  readyAtMs: number;
  /** Late files (transcripts) are absent from listings until ready, not just `processing`. */
  hiddenWhileProcessing: boolean;
  deletion: DeletionState;
  deleted_time: number | null;
  /** Opaque part of the download URL. */
  downloadKey: string;
  /** Archive files: one participant's stream. */
  individual: boolean;
  participant: SimParticipant | null;
  /** Archive files only: processing ended in failure (listed `status: "failed"`, not downloadable). */
  failed: boolean;
  fault: FileFaultKind | null;
  /** With fault `slow`: how long the whole body takes, in real milliseconds. */
  faultSlowMs: number;
  sha256?: string;
}

export interface SimMeeting {
  uuid: string;
  id: number;
  topic: string;
  host_id: string;
  host_email: string;
  host_name: string;
  type: number;
  start_time: number;
  end_time: number;
  /** Scheduled length in minutes. */
  duration: number;
  timezone: string;
  password: string;
  participants: SimParticipant[];
  /** Held with cloud recording on. */
  recorded: boolean;
  /** Recording was on but Zoom produced nothing (dashboards say has_recording; no files exist). */
  recording_failed?: boolean;
  /** Hosted outside this account; an internal user attended (archive: meeting_type external). */
  external_host: boolean;
  recording_files: SimFile[];
  participant_audio_files: SimFile[];
  archive_files: SimFile[];
  has_video: boolean;
  has_screen_share: boolean;
}

export interface SimCallParty {
  name: string;
  number: string; // extension or E.164
  number_type: 1 | 2; // 1 internal extension, 2 external number
  did_number: string;
  user_id: string | null;
  ext_type: 'user' | 'call_queue' | 'external_contact' | null;
}

export interface SimCallLeg {
  call_element_id: string;
  call_log_id: string;
  event: 'incoming' | 'outgoing' | 'forward' | 'warm_transfer' | 'ring_to_member';
  result: string;
  start_time: number;
  answer_time: number | null;
  end_time: number;
  owner_user_id: string | null;
  owner_name: string;
  owner_extension: number | null;
  recording: SimPhoneRecording | null;
  /** A voicemail leg's message id (32 hex); null otherwise. */
  voicemail_id: string | null;
}

export interface SimPhoneRecording {
  id: string;
  recording_type: 'OnDemand' | 'Automatic';
  /** Zoom quirk: auto-recorded queue calls are owned by the queue; an auto receptionist's by it. */
  owner_type: 'user' | 'callQueue' | 'autoReceptionist';
  owner_id: string;
  owner_name: string;
  owner_extension: number | null;
  date_time: number;
  end_time: number;
  file: SimFile;
}

export interface SimPhoneCall {
  call_id: string;
  call_history_uuid: string;
  call_log_id: string;
  direction: 'inbound' | 'outbound';
  connect_type: 'internal' | 'external';
  caller: SimCallParty;
  callee: SimCallParty;
  start_time: number;
  answer_time: number | null;
  end_time: number;
  result: 'answered' | 'no_answer' | 'voicemail' | 'canceled';
  legs: SimCallLeg[];
  site_id: string;
  site_name: string;
  /** Control `setCallFault('refused')`: the call's history and call elements answer 400 (code 300) until cleared. */
  refused?: boolean;
}

export interface SimTenant {
  accountId: string;
  accountName: string;
  plan: Plan;
  clientId: string;
  clientSecret: string;
  webhookSecretToken: string;
  webhookUrl: string | null;
  archiving: boolean;
  users: SimUser[];
  meetings: SimMeeting[];
  calls: SimPhoneCall[];
  /** Counter for ids of things added later through control, so they stay seed-deterministic. */
  additions: number;
}

export function isReady(file: SimFile, nowMs: number): boolean {
  return file.readyAtMs <= nowMs;
}

export function fileStatus(file: SimFile, nowMs: number): FileStatus {
  if (!isReady(file, nowMs)) return 'processing';
  return file.failed ? 'failed' : 'completed';
}

/** Every downloadable file of a meeting. */
export function meetingFiles(meeting: SimMeeting): SimFile[] {
  return [...meeting.recording_files, ...meeting.participant_audio_files, ...meeting.archive_files];
}

export function callRecordings(call: SimPhoneCall): SimPhoneRecording[] {
  return call.legs.flatMap((leg) => (leg.recording ? [leg.recording] : []));
}
