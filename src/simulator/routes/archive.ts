import { DAY, zoomTime } from '../clock.js';
import { ZoomError, validation } from '../errors.js';
import { mediaKey, mediaSha256 } from '../media.js';
import type { SimFile, SimMeeting, SimTenant } from '../model.js';
import { fileStatus, isReady } from '../model.js';
import { paginate, readPaging } from '../paging.js';
import type { SimState } from '../state.js';
import { decodeMeetingParam, findMeeting } from '../state.js';
import { checkWindow, dateOrDateTimeParam, enumParam, sevenDaysAfter } from './query.js';
import { noContent, ok } from './route.js';
import type { ApiRoute } from './route.js';

export function liveArchiveFiles(meeting: SimMeeting): SimFile[] {
  return meeting.archive_files.filter((f) => f.deletion === 'none');
}

/** The archive is complete when its last file is (failed files count as done); until then `complete_time` is "". */
export function completeTime(meeting: SimMeeting, nowMs: number): number | null {
  const files = liveArchiveFiles(meeting);
  if (files.some((f) => !isReady(f, nowMs))) return null;
  return Math.max(meeting.end_time, ...files.map((f) => f.readyAtMs));
}

async function renderArchiveFile(state: SimState, meeting: SimMeeting, file: SimFile, nowMs: number): Promise<Record<string, unknown>> {
  // encryption_fingerprint: SHA-256 of the file (what exactly Zoom hashes is unconfirmed; we hash the bytes served).
  file.sha256 ??= await mediaSha256(mediaKey(state.seed, file.id, file.file_extension), file.file_size);
  const p = file.participant;
  const out: Record<string, unknown> = {
    id: file.id,
    file_type: file.file_type,
    file_extension: file.file_extension,
    file_size: file.file_size,
    download_url: state.downloadUrl(file),
    status: fileStatus(file, nowMs),
    recording_type: file.recording_type ?? 'audio_only',
    individual: file.individual,
    // Zoom quirk: external participants' emails are blanked ("") by the display rules.
    ...(p ? { participant_email: p.internal ? p.email : '' } : {}),
    participant_join_time: zoomTime(p ? p.join_time : meeting.start_time),
    participant_leave_time: zoomTime(p ? p.leave_time : meeting.end_time),
    encryption_fingerprint: file.sha256,
    storage_location: 'US',
  };
  if (file.file_extension === 'JSON' || file.file_extension === 'TXT') out.number_of_messages = (file.file_size % 40) + 1;
  return out;
}

export async function renderArchiveMeeting(state: SimState, tenant: SimTenant, meeting: SimMeeting, nowMs: number): Promise<Record<string, unknown>> {
  const files = liveArchiveFiles(meeting);
  const rendered: Record<string, unknown>[] = [];
  for (const f of files) rendered.push(await renderArchiveFile(state, meeting, f, nowMs));
  const complete = completeTime(meeting, nowMs);
  const external = meeting.external_host;
  return {
    uuid: meeting.uuid,
    id: meeting.id,
    // Zoom quirk: for meetings hosted outside the account the host and topic are stripped.
    host_id: external ? '' : meeting.host_id,
    topic: external ? '' : meeting.topic,
    type: meeting.type,
    start_time: zoomTime(meeting.start_time),
    timezone: meeting.timezone,
    duration: meeting.duration,
    duration_in_second: Math.round((meeting.end_time - meeting.start_time) / 1000),
    total_size: files.reduce((sum, f) => sum + f.file_size, 0),
    recording_count: files.length,
    meeting_type: external ? 'external' : 'internal',
    account_name: tenant.accountName,
    complete_time: complete === null ? '' : zoomTime(complete),
    is_breakout_room: false,
    status: complete === null ? 'processing' : 'completed',
    archive_files: rendered,
  };
}

function archivedMeeting(tenant: SimTenant, rawParam: string, nowMs: number): SimMeeting {
  const meeting = findMeeting(tenant.meetings.filter((m) => liveArchiveFiles(m).length > 0), decodeMeetingParam(rawParam), nowMs);
  if (!meeting || meeting.end_time > nowMs) throw new ZoomError(404, 3001, 'Meeting does not exist.');
  return meeting;
}

export const archiveRoutes: ApiRoute[] = [
  {
    method: 'GET', template: '/archive_files', family: 'meetings', category: 'medium',
    handler: async ({ state, tenant, query, nowMs }) => {
      const dateType = enumParam(query, 'query_date_type', ['meeting_start_time', 'archive_complete_time'] as const, 'meeting_start_time');
      const fromParam = dateOrDateTimeParam(query, 'from');
      const toParam = dateOrDateTimeParam(query, 'to');
      const toRequested = toParam ? toParam.ms + (toParam.dateOnly ? DAY - 1000 : 0) : nowMs;
      // Zoom quirk: a future `to` is clamped to now and echoed back; keep it for the next pages.
      const to = Math.min(toRequested, Math.floor(nowMs / 1000) * 1000);
      const from = fromParam ? fromParam.ms : to - DAY;
      checkWindow(from, toRequested, sevenDaysAfter, '7 days');
      const paging = readPaging(state.pages, '/archive_files', tenant.accountId, query, nowMs);
      const meetings = tenant.meetings
        .filter((m) => liveArchiveFiles(m).length > 0 && m.end_time <= nowMs)
        .filter((m) => {
          if (dateType === 'meeting_start_time') return m.start_time >= from && m.start_time <= to;
          const complete = completeTime(m, nowMs);
          return complete !== null && complete >= from && complete <= to;
        })
        .sort((a, b) => b.start_time - a.start_time);
      const page = paginate(state.pages, meetings, paging, nowMs);
      const items: Record<string, unknown>[] = [];
      for (const m of page.items) items.push(await renderArchiveMeeting(state, tenant, m, nowMs));
      return ok({
        from: zoomTime(from),
        to: zoomTime(to),
        page_size: page.page_size,
        total_records: page.total_records,
        next_page_token: page.next_page_token,
        meetings: items,
      });
    },
  },
  {
    method: 'GET', template: '/archive_files/statistics', family: 'meetings', category: 'medium',
    handler: ({ tenant, query, nowMs }) => {
      const fromParam = dateOrDateTimeParam(query, 'from');
      const toParam = dateOrDateTimeParam(query, 'to');
      if (!fromParam || !toParam) throw validation(fromParam ? 'to' : 'from', 'Invalid field.');
      const to = toParam.ms + (toParam.dateOnly ? DAY - 1000 : 0);
      checkWindow(fromParam.ms, to, sevenDaysAfter, '7 days');
      const meetings = tenant.meetings.filter((m) => m.start_time >= fromParam.ms && m.start_time <= to && liveArchiveFiles(m).length > 0);
      const files = meetings.flatMap(liveArchiveFiles);
      const count = (ext: string): number => files.filter((f) => f.file_extension === ext).length;
      return ok({
        from: zoomTime(fromParam.ms),
        to: zoomTime(to),
        total_records: meetings.length,
        statistic_by_file_extension: { mp4_file_count: count('MP4'), m4a_file_count: count('M4A'), txt_file_count: count('TXT'), json_file_count: count('JSON'), vtt_file_count: count('VTT') },
        statistic_by_file_status: {
          processing_file_count: files.filter((f) => fileStatus(f, nowMs) === 'processing').length,
          completed_file_count: files.filter((f) => fileStatus(f, nowMs) === 'completed').length,
          failed_file_count: files.filter((f) => fileStatus(f, nowMs) === 'failed').length,
        },
      });
    },
  },
  {
    method: 'GET', template: '/past_meetings/{meetingUUID}/archive_files', family: 'meetings', category: 'light',
    handler: async ({ state, tenant, rawParams, nowMs }) =>
      ok(await renderArchiveMeeting(state, tenant, archivedMeeting(tenant, rawParams.meetingUUID ?? '', nowMs), nowMs)),
  },
  {
    method: 'DELETE', template: '/past_meetings/{meetingUUID}/archive_files', family: 'meetings', category: 'light',
    handler: ({ tenant, rawParams, nowMs }) => {
      for (const file of archivedMeeting(tenant, rawParams.meetingUUID ?? '', nowMs).archive_files) {
        file.deletion = 'deleted';
        file.deleted_time = nowMs;
      }
      return noContent();
    },
  },
];
