import { DAY, zoomDate, zoomTime } from '../clock.js';
import { ZoomError, noRecording, validation } from '../errors.js';
import type { SimFile, SimMeeting, SimTenant } from '../model.js';
import { fileStatus, isReady } from '../model.js';
import { paginate, readPaging } from '../paging.js';
import type { SimState } from '../state.js';
import { decodeMeetingParam, findMeeting } from '../state.js';
import { requireUser } from './users.js';
import { boolParam, checkWindow, dateParam, enumParam, oneMonthAfter } from './query.js';
import { noContent, ok } from './route.js';
import type { ApiContext, ApiRoute } from './route.js';

type Listing = 'live' | 'trash';

/** Whether a file shows in a listing now: late files stay hidden until ready, deleted ones in trash only. */
function listed(file: SimFile, nowMs: number, listing: Listing): boolean {
  if (listing === 'trash') return file.deletion === 'trash';
  if (file.deletion !== 'none') return false;
  return !(file.hiddenWhileProcessing && !isReady(file, nowMs));
}

export function renderRecordingFile(state: SimState, meeting: SimMeeting, file: SimFile, nowMs: number, via: 'rest' | 'webhook' = 'rest'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Zoom quirk: CC and TIMELINE files come without id, file_size, play_url and recording_type.
  if (!file.idless) out.id = file.id;
  out.meeting_id = meeting.uuid;
  out.recording_start = zoomTime(file.recording_start);
  out.recording_end = zoomTime(file.recording_end);
  out.file_type = file.file_type;
  out.file_extension = file.file_extension;
  if (!file.idless) {
    out.file_size = file.file_size;
    out.play_url = state.playUrl(file);
  }
  out.download_url = state.downloadUrl(file, via);
  out.status = fileStatus(file, nowMs);
  if (!file.idless && file.recording_type) out.recording_type = file.recording_type;
  if (file.deletion === 'trash' && file.deleted_time !== null) out.deleted_time = zoomTime(file.deleted_time);
  if (via === 'webhook') out.file_name = file.file_name;
  return out;
}

export function renderParticipantAudioFile(state: SimState, file: SimFile, nowMs: number): Record<string, unknown> {
  return {
    id: file.id,
    recording_start: zoomTime(file.recording_start),
    recording_end: zoomTime(file.recording_end),
    file_type: file.file_type,
    file_name: file.file_name,
    file_size: file.file_size,
    file_extension: file.file_extension,
    play_url: state.playUrl(file),
    download_url: state.downloadUrl(file),
    status: fileStatus(file, nowMs),
  };
}

export function renderRecordingMeeting(
  state: SimState, tenant: SimTenant, meeting: SimMeeting, nowMs: number,
  options: { listing?: Listing; participantAudio?: boolean } = {},
): Record<string, unknown> {
  const listing = options.listing ?? 'live';
  const files = meeting.recording_files.filter((f) => listed(f, nowMs, listing));
  const audio = options.participantAudio ? meeting.participant_audio_files.filter((f) => listed(f, nowMs, listing)) : [];
  const sized = [...files, ...audio].filter((f) => !f.idless);
  const out: Record<string, unknown> = {
    uuid: meeting.uuid,
    id: meeting.id,
    account_id: tenant.accountId,
    host_id: meeting.host_id,
    topic: meeting.topic,
    // Zoom quirk: the REST spec types `type` as a string ("2"); webhooks send an integer.
    type: String(meeting.type),
    start_time: zoomTime(meeting.start_time),
    duration: Math.round((meeting.end_time - meeting.start_time) / 60_000),
    total_size: sized.reduce((sum, f) => sum + f.file_size, 0),
    recording_count: files.length + audio.length,
    recording_play_passcode: meeting.password + meeting.uuid.replace(/[^A-Za-z0-9]/g, '').slice(0, 26),
    recording_files: files.map((f) => renderRecordingFile(state, meeting, f, nowMs)),
  };
  if (audio.length > 0) out.participant_audio_files = audio.map((f) => renderParticipantAudioFile(state, f, nowMs));
  return out;
}

/** The meeting behind `{meetingId}`, with the recording Zoom would show for it, or 404/3301. */
function recordedMeeting(ctx: ApiContext, listing: Listing = 'live'): SimMeeting {
  const key = decodeMeetingParam(ctx.rawParams.meetingId ?? '');
  const meeting = findMeeting(ctx.tenant.meetings.filter((m) => m.recorded), key, ctx.nowMs);
  if (!meeting || meeting.end_time > ctx.nowMs) throw noRecording();
  const any = [...meeting.recording_files, ...meeting.participant_audio_files].some((f) => listed(f, ctx.nowMs, listing));
  if (!any) throw noRecording();
  return meeting;
}

function deleteAction(ctx: ApiContext): 'trash' | 'delete' {
  return enumParam(ctx.query, 'action', ['trash', 'delete'] as const, 'trash');
}

function applyDeletion(files: SimFile[], action: 'trash' | 'delete', nowMs: number): void {
  for (const file of files) {
    if (file.deletion === 'deleted') continue;
    file.deletion = action === 'trash' ? 'trash' : 'deleted';
    file.deleted_time = nowMs;
  }
}

function recoverAction(body: unknown): void {
  const action = (body as { action?: unknown } | null)?.action;
  if (action !== 'recover') throw validation('action', "Invalid field: 'action' must be 'recover'.");
}

function recover(files: SimFile[]): void {
  for (const file of files) {
    if (file.deletion !== 'trash') continue;
    file.deletion = 'none';
    file.deleted_time = null;
  }
}

function meetingRecordingFiles(meeting: SimMeeting): SimFile[] {
  return [...meeting.recording_files, ...meeting.participant_audio_files];
}

function findFile(meeting: SimMeeting, recordingId: string): SimFile {
  const file = meetingRecordingFiles(meeting).find((f) => f.id === recordingId && !f.idless);
  if (!file) throw new ZoomError(404, 3301, 'There is no recording for this meeting.');
  return file;
}

export const recordingRoutes: ApiRoute[] = [
  {
    method: 'GET', template: '/users/{userId}/recordings', family: 'meetings', category: 'medium',
    handler: (ctx) => {
      const { state, tenant, query, nowMs } = ctx;
      const user = requireUser(tenant, ctx.params.userId ?? '');
      const trash = boolParam(query, 'trash');
      enumParam(query, 'trash_type', ['meeting_recordings', 'recording_file'] as const, 'meeting_recordings');
      const today = Math.floor(nowMs / DAY) * DAY;
      let from = dateParam(query, 'from');
      let to = dateParam(query, 'to');
      const explicitTo = to !== null;
      // Zoom quirk: both omitted means today..tomorrow; a future `to` is clamped to today and echoed.
      if (from === null && to === null) { from = today; to = today + DAY; }
      from ??= today;
      to ??= Math.max(from, today);
      checkWindow(from, to, oneMonthAfter, 'one month');
      const meetingIdFilter = query.get('meeting_id');
      if (meetingIdFilter !== null && !/^\d+$/.test(meetingIdFilter)) throw validation('meeting_id', 'Invalid field.');
      const listing: Listing = trash ? 'trash' : 'live';
      const paging = readPaging(state.pages, `/users/${user.id}/recordings`, tenant.accountId, query, nowMs);
      const meetings = tenant.meetings
        .filter((m) => m.recorded && m.host_id === user.id && m.end_time <= nowMs)
        .filter((m) => trash || (m.start_time >= from && m.start_time < to + DAY))
        .filter((m) => meetingIdFilter === null || String(m.id) === meetingIdFilter)
        .filter((m) => m.recording_files.some((f) => listed(f, nowMs, listing)))
        .sort((a, b) => b.start_time - a.start_time);
      const page = paginate(state.pages, meetings, paging, nowMs);
      return ok({
        from: zoomDate(from),
        to: zoomDate(explicitTo && to > today ? Math.max(today, from) : to),
        page_count: page.page_count,
        page_size: page.page_size,
        total_records: page.total_records,
        next_page_token: page.next_page_token,
        meetings: page.items.map((m) => renderRecordingMeeting(state, tenant, m, nowMs, { listing })),
      });
    },
  },
  {
    method: 'GET', template: '/meetings/{meetingId}/recordings', family: 'meetings', category: 'light',
    handler: (ctx) => {
      const { state, tenant, query, nowMs } = ctx;
      const meeting = recordedMeeting(ctx);
      const body = renderRecordingMeeting(state, tenant, meeting, nowMs, { participantAudio: true });
      body.password = meeting.password;
      const includeFields = query.get('include_fields');
      const ttlRaw = query.get('ttl');
      if (ttlRaw !== null && (!/^\d+$/.test(ttlRaw) || Number(ttlRaw) > 604_800)) throw validation('ttl', "Invalid field: 'ttl' must be between 0 and 604800.");
      if (includeFields === 'download_access_token') {
        const ttlSeconds = ttlRaw === null ? 86_400 : Number(ttlRaw);
        body.download_access_token = state.tokens.issue(tenant.accountId, 'download', ttlSeconds * 1000, nowMs, meeting.uuid);
      }
      return ok(body);
    },
  },
  {
    method: 'DELETE', template: '/meetings/{meetingId}/recordings', family: 'meetings', category: 'light',
    handler: (ctx) => {
      const action = deleteAction(ctx);
      const meeting = recordedMeeting(ctx);
      if (meetingRecordingFiles(meeting).some((f) => !isReady(f, ctx.nowMs) && f.deletion === 'none')) {
        throw new ZoomError(400, 3303, 'You can not delete an uncompleted meeting.');
      }
      applyDeletion(meetingRecordingFiles(meeting), action, ctx.nowMs);
      return noContent();
    },
  },
  {
    method: 'DELETE', template: '/meetings/{meetingId}/recordings/{recordingId}', family: 'meetings', category: 'light',
    handler: (ctx) => {
      const action = deleteAction(ctx);
      const file = findFile(recordedMeeting(ctx), ctx.params.recordingId ?? '');
      applyDeletion([file], action, ctx.nowMs);
      return noContent();
    },
  },
  {
    method: 'PUT', template: '/meetings/{meetingId}/recordings/status', family: 'meetings', category: 'light',
    handler: (ctx) => {
      recoverAction(ctx.body);
      recover(meetingRecordingFiles(recordedMeeting(ctx, 'trash')));
      return { status: 200, body: {} };
    },
  },
  {
    method: 'PUT', template: '/meetings/{meetingId}/recordings/{recordingId}/status', family: 'meetings', category: 'light',
    handler: (ctx) => {
      recoverAction(ctx.body);
      recover([findFile(recordedMeeting(ctx, 'trash'), ctx.params.recordingId ?? '')]);
      return noContent();
    },
  },
];
