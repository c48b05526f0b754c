import { zoomTime } from './clock.js';
import { mediaKey, mediaSha256 } from './media.js';
import type { FileFaultKind, FileStatus, SimFile, SimMeeting, SimParticipant, SimPhoneCall, SimTenant, SimUser } from './model.js';
import { callRecordings, fileStatus, meetingFiles } from './model.js';
import { completeTime, liveArchiveFiles } from './routes/archive.js';
import { recordingAgent, recordingSeconds } from './routes/phone.js';
import { contentType } from './routes/downloads.js';
import type { SimState } from './state.js';

export interface GroundTruthFile {
  /** The simulator's id for the file; Zoom's `id` too unless `idless`. */
  id: string;
  /** Zoom lists CC and TIMELINE files without an id. */
  idless: boolean;
  kind: SimFile['kind'];
  file_type: string;
  file_extension: string;
  recording_type: string | null;
  file_size: number;
  content_type: string;
  /** 'failed' only for archive files made with `archiveFailed`; they are never downloadable. */
  status: FileStatus;
  deletion: SimFile['deletion'];
  recording_start: string;
  recording_end: string;
  download_url: string;
  /** SHA-256 (hex) of the file's `file_size` bytes, as served at download_url (unless a fault says otherwise). */
  sha256: string;
  participant_email: string | null;
  /** Permanent download fault set with `setFileFault`; all but `slow` make the file impossible to archive. */
  fault: FileFaultKind | null;
  /** With fault `slow`: real milliseconds a whole download takes. */
  fault_slow_ms: number | null;
}

export interface GroundTruthParticipant {
  id: string;
  user_id: string;
  name: string;
  email: string;
  internal: boolean;
  join_time: string;
  leave_time: string;
}

export interface GroundTruthMeeting {
  uuid: string;
  id: number;
  topic: string;
  host_id: string;
  host_email: string;
  external_host: boolean;
  /** The host was removed from the account (`deleteUser`): their recordings went with them. */
  host_deleted: boolean;
  start_time: string;
  end_time: string;
  /** Actual length in minutes. */
  duration: number;
  participants: GroundTruthParticipant[];
  /** Cloud-recorded in this account. */
  recorded: boolean;
  /** Recording was on but failed: Zoom's logs say recorded, yet no file exists. */
  recording_failed: boolean;
  /** Has compliance-archive files. */
  archived: boolean;
  /** When the archive completed (Zoom's `complete_time`); null while any archive file is processing, or without archive. */
  archive_complete_time: string | null;
  files: GroundTruthFile[];
}

export interface GroundTruthCallParty {
  name: string;
  number: string;
  user_id: string | null;
  /** 1 an extension of the account, 2 an external number. */
  number_type: 1 | 2;
  /** An internal party's email; '' for an external one. */
  email: string;
}

export interface GroundTruthCall {
  call_id: string;
  call_history_uuid: string;
  call_log_id: string;
  direction: 'inbound' | 'outbound';
  connect_type: 'internal' | 'external';
  result: SimPhoneCall['result'];
  caller: GroundTruthCallParty;
  callee: GroundTruthCallParty;
  start_time: string;
  end_time: string;
  duration: number;
  recorded: boolean;
  legs: {
    call_element_id: string;
    call_log_id: string;
    event: string;
    result: string;
    owner_user_id: string | null;
    owner_name: string;
    owner_extension: number | null;
    owner_email: string | null;
    start_time: string;
    answer_time: string | null;
    end_time: string;
    voicemail_id: string | null;
    recording: null | {
      id: string;
      recording_type: string;
      owner_type: string;
      owner_id: string;
      owner_name: string;
      owner_extension: number | null;
      /** As the recordings list renders them (a call queue's recording names its agent). */
      accepted_by: { name: string; extension_number: string } | null;
      outgoing_by: { name: string; extension_number: string } | null;
      date_time: string;
      end_time: string;
      /** Seconds, exactly as the recordings list gives `duration`. */
      duration: number;
      /** When Zoom starts listing it (a while after its leg ends). */
      ready_at: string;
      file: GroundTruthFile;
    };
  }[];
}

/** A user of the account; status 'deleted' once removed with `deleteUser` (kept here, gone from Zoom's API). */
export type GroundTruthUser = Pick<SimUser, 'id' | 'email' | 'display_name' | 'status' | 'modality' | 'phone_extension'>;

export interface GroundTruth {
  accountId: string;
  plan: SimTenant['plan'];
  now: string;
  users: GroundTruthUser[];
  meetings: GroundTruthMeeting[];
  calls: GroundTruthCall[];
  /** Conversations that were held but have nothing recorded to archive. */
  notRecorded: { meetings: string[]; calls: string[] };
}

async function sha256Of(state: SimState, file: SimFile): Promise<string> {
  file.sha256 ??= await mediaSha256(mediaKey(state.seed, file.id, file.file_extension), file.file_size);
  return file.sha256;
}

async function fileTruth(state: SimState, file: SimFile, nowMs: number): Promise<GroundTruthFile> {
  return {
    id: file.id,
    idless: file.idless,
    kind: file.kind,
    file_type: file.file_type,
    file_extension: file.file_extension,
    recording_type: file.recording_type,
    file_size: file.file_size,
    content_type: contentType(file),
    status: fileStatus(file, nowMs),
    deletion: file.deletion,
    recording_start: zoomTime(file.recording_start),
    recording_end: zoomTime(file.recording_end),
    download_url: state.downloadUrl(file),
    sha256: await sha256Of(state, file),
    participant_email: file.participant?.email ?? null,
    fault: file.fault,
    fault_slow_ms: file.fault === 'slow' ? file.faultSlowMs : null,
  };
}

function participantTruth(p: SimParticipant): GroundTruthParticipant {
  return { id: p.id, user_id: p.user_id, name: p.name, email: p.email, internal: p.internal, join_time: zoomTime(p.join_time), leave_time: zoomTime(p.leave_time) };
}

export async function meetingTruth(state: SimState, tenant: SimTenant, meeting: SimMeeting, nowMs: number): Promise<GroundTruthMeeting> {
  const files: GroundTruthFile[] = [];
  for (const file of meetingFiles(meeting)) files.push(await fileTruth(state, file, nowMs));
  const complete = liveArchiveFiles(meeting).length > 0 ? completeTime(meeting, nowMs) : null;
  return {
    uuid: meeting.uuid,
    id: meeting.id,
    topic: meeting.topic,
    host_id: meeting.host_id,
    host_email: meeting.host_email,
    external_host: meeting.external_host,
    host_deleted: !meeting.external_host && tenant.users.some((u) => u.id === meeting.host_id && u.status === 'deleted'),
    start_time: zoomTime(meeting.start_time),
    end_time: zoomTime(meeting.end_time),
    duration: Math.round((meeting.end_time - meeting.start_time) / 60_000),
    participants: meeting.participants.map(participantTruth),
    recorded: meeting.recorded,
    recording_failed: meeting.recording_failed ?? false,
    archived: meeting.archive_files.length > 0,
    archive_complete_time: complete === null ? null : zoomTime(complete),
    files,
  };
}

export async function callTruth(state: SimState, tenant: SimTenant, call: SimPhoneCall, nowMs: number): Promise<GroundTruthCall> {
  const emailOf = (userId: string | null) => (userId ? tenant.users.find((u) => u.id === userId)?.email ?? null : null);
  const party = (p: SimPhoneCall['caller']): GroundTruthCallParty => ({ name: p.name, number: p.number, user_id: p.user_id, number_type: p.number_type, email: emailOf(p.user_id) ?? '' });
  const legs: GroundTruthCall['legs'] = [];
  for (const leg of call.legs) {
    const r = leg.recording;
    const agent = r ? recordingAgent(call, leg, r) as { accepted_by?: { name: string; extension_number: string }; outgoing_by?: { name: string; extension_number: string } } : {};
    legs.push({
      call_element_id: leg.call_element_id,
      call_log_id: leg.call_log_id,
      event: leg.event,
      result: leg.result,
      owner_user_id: leg.owner_user_id,
      owner_name: leg.owner_name,
      owner_extension: leg.owner_extension,
      owner_email: emailOf(leg.owner_user_id),
      start_time: zoomTime(leg.start_time),
      answer_time: leg.answer_time === null ? null : zoomTime(leg.answer_time),
      end_time: zoomTime(leg.end_time),
      voicemail_id: leg.voicemail_id,
      recording: r ? {
        id: r.id, recording_type: r.recording_type, owner_type: r.owner_type, owner_id: r.owner_id, owner_name: r.owner_name, owner_extension: r.owner_extension,
        accepted_by: agent.accepted_by ?? null, outgoing_by: agent.outgoing_by ?? null,
        date_time: zoomTime(r.date_time), end_time: zoomTime(r.end_time), duration: recordingSeconds(r), ready_at: zoomTime(r.file.readyAtMs),
        file: await fileTruth(state, r.file, nowMs),
      } : null,
    });
  }
  return {
    call_id: call.call_id,
    call_history_uuid: call.call_history_uuid,
    call_log_id: call.call_log_id,
    direction: call.direction,
    connect_type: call.connect_type,
    result: call.result,
    caller: party(call.caller),
    callee: party(call.callee),
    start_time: zoomTime(call.start_time),
    end_time: zoomTime(call.end_time),
    duration: Math.round((call.end_time - call.start_time) / 1000),
    recorded: callRecordings(call).length > 0,
    legs,
  };
}

export async function groundTruth(state: SimState, accountId: string): Promise<GroundTruth> {
  const tenant = state.tenant(accountId);
  const nowMs = state.clock.nowMs();
  const meetings: GroundTruthMeeting[] = [];
  for (const m of tenant.meetings) meetings.push(await meetingTruth(state, tenant, m, nowMs));
  const calls: GroundTruthCall[] = [];
  for (const c of tenant.calls) calls.push(await callTruth(state, tenant, c, nowMs));
  return {
    accountId,
    plan: tenant.plan,
    now: zoomTime(nowMs),
    users: tenant.users.map((u) => ({ id: u.id, email: u.email, display_name: u.display_name, status: u.status, modality: u.modality, phone_extension: u.phone_extension })),
    meetings,
    calls,
    notRecorded: {
      meetings: meetings.filter((m) => !m.recorded && !m.archived).map((m) => m.uuid),
      calls: calls.filter((c) => !c.recorded).map((c) => c.call_id),
    },
  };
}
