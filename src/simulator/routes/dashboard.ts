import { DAY, zoomTime } from '../clock.js';
import { ZoomError } from '../errors.js';
import type { SimMeeting, SimParticipant, SimTenant } from '../model.js';
import { paginate, readPaging } from '../paging.js';
import { decodeMeetingParam, findMeeting } from '../state.js';
import { enumParam, reportRange } from './query.js';
import { ok } from './route.js';
import type { ApiContext, ApiRoute } from './route.js';

type DashboardType = 'live' | 'past' | 'pastOne';

/** Dashboard durations are strings: "mm:ss" under an hour, else "hh:mm:ss". */
function clockDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${pad(h)}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

/** People in a meeting, each once however often they rejoined: 1 makes it a `pastOne` meeting. */
export function distinctPeople(meeting: SimMeeting): number {
  return new Set(meeting.participants.map((p) => p.participant_uuid)).size;
}

function requireDashboard(tenant: SimTenant): void {
  if (tenant.plan !== 'business') {
    throw new ZoomError(400, 200, 'Dashboard feature is only available for ZMP and Business or higher accounts that have enabled the Dashboard feature.');
  }
}

function renderDashboardMeeting(tenant: SimTenant, meeting: SimMeeting, nowMs: number): Record<string, unknown> {
  const host = tenant.users.find((u) => u.id === meeting.host_id);
  const ended = meeting.end_time <= nowMs;
  return {
    uuid: meeting.uuid,
    id: meeting.id,
    topic: meeting.topic,
    host: meeting.host_name,
    email: meeting.host_email,
    user_type: 'Licensed',
    ...(host ? { dept: host.dept } : {}),
    start_time: zoomTime(meeting.start_time),
    ...(ended ? { end_time: zoomTime(meeting.end_time) } : {}),
    // Zoom quirk: dashboard duration is a "hh:mm:ss" string, not minutes.
    duration: clockDuration((ended ? meeting.end_time : nowMs) - meeting.start_time),
    participants: meeting.participants.length,
    has_pstn: meeting.participants.some((p) => p.device === 'Phone'),
    has_voip: true,
    has_3rd_party_audio: false,
    has_video: meeting.has_video,
    has_screen_share: meeting.has_screen_share,
    // A failed recording still shows: the dashboard saw recording switched on.
    has_recording: meeting.recorded || (meeting.recording_failed ?? false),
    has_sip: false,
    has_archiving: meeting.archive_files.length > 0,
    has_manual_captions: false,
    has_automated_captions: false,
    audio_quality: 'good',
    video_quality: 'good',
    screen_share_quality: 'good',
  };
}

function renderDashboardParticipant(meeting: SimMeeting, p: SimParticipant, index: number): Record<string, unknown> {
  return {
    id: p.id,
    participant_user_id: p.id,
    user_id: p.user_id,
    participant_uuid: p.participant_uuid,
    user_name: p.name,
    // Zoom quirk: external participants' emails and devices are blanked by the display rules.
    email: p.internal ? p.email : '',
    role: p.role,
    // Zoom quirk: external participants' devices are blanked; the spec's enum has no "", so leave it out.
    ...(p.device ? { device: p.device } : {}),
    ip_address: `10.0.${index % 250}.${(index * 7) % 250}`,
    location: 'Frankfurt (DE)',
    network_type: 'Wifi',
    data_center: 'Germany (FR)',
    full_data_center: 'Germany (FR)',
    connection_type: 'UDP',
    join_time: zoomTime(p.join_time),
    leave_time: zoomTime(p.leave_time),
    // Zoom's spec enumerates leave reasons as templates ("$name left the meeting.").
    leave_reason: p.role === 'host' ? 'Host ended the meeting.' : '$name left the meeting.',
    status: 'in_meeting',
    recording: meeting.recorded,
    has_archiving: meeting.archive_files.length > 0,
    share_application: false,
    share_desktop: meeting.has_screen_share && p.role === 'host',
    share_whiteboard: false,
    audio_quality: 'good',
    video_quality: meeting.has_video ? 'good' : '',
    screen_share_quality: '',
    version: '6.3.11',
  };
}

const qosMetric = (bitrate: number): Record<string, string> => ({ bitrate: `${bitrate} kbps`, latency: '24 ms', jitter: '3 ms', avg_loss: '0.1%', max_loss: '0.6%' });

function renderQosParticipant(meeting: SimMeeting, p: SimParticipant, index: number): Record<string, unknown> {
  const samples = [0, 1, 2].map((i) => p.join_time + Math.floor(((p.leave_time - p.join_time) * i) / 3));
  return {
    ...renderDashboardParticipant(meeting, p, index),
    user_qos: samples.map((t) => ({
      date_time: zoomTime(t),
      audio_input: qosMetric(27 + index), audio_output: qosMetric(33 + index),
      video_input: { ...qosMetric(900), resolution: '1280*720', frame_rate: '25 fps' },
      video_output: { ...qosMetric(850), resolution: '1280*720', frame_rate: '25 fps' },
      cpu_usage: { zoom_min_cpu_usage: '2%', zoom_avg_cpu_usage: '9%', zoom_max_cpu_usage: '21%', system_max_cpu_usage: '48%' },
    })),
  };
}

const dashboardNotFound = (): ZoomError => new ZoomError(404, 3001, 'Meeting ID is invalid or has not ended.');

/**
 * `{meetingId}` of a dashboard or past-meeting route: an ended (or, for live, running) meeting
 * hosted here. Meetings hosted outside the account are unknown (404/3001).
 */
export function dashboardMeeting(ctx: ApiContext, paramName: string, type: DashboardType = 'past', notFound: (id: string) => ZoomError = dashboardNotFound): SimMeeting {
  const hosted = ctx.tenant.meetings.filter((m) => !m.external_host);
  const id = decodeMeetingParam(ctx.rawParams[paramName] ?? '');
  const meeting = findMeeting(hosted, id, ctx.nowMs);
  if (!meeting) throw notFound(id);
  if (meeting.start_time < ctx.nowMs - 365 * DAY) throw new ZoomError(400, 12702, 'Can not access a meeting a year ago.');
  const ended = meeting.end_time <= ctx.nowMs;
  if (type === 'live' ? ended : !ended) throw notFound(id);
  return meeting;
}

function participantsPage(ctx: ApiContext, qos: boolean): Record<string, unknown> {
  requireDashboard(ctx.tenant);
  const type = enumParam(ctx.query, 'type', ['live', 'past', 'pastOne'] as const, 'live');
  const meeting = dashboardMeeting(ctx, 'meetingId', type === 'live' ? 'live' : 'past');
  const path = `/metrics/meetings/${meeting.uuid}/participants${qos ? '/qos' : ''}`;
  // Zoom quirk: the QoS listing defaults to one participant per page and allows at most 10.
  const paging = readPaging(ctx.state.pages, path, ctx.tenant.accountId, ctx.query, ctx.nowMs, qos ? { defaultSize: 1, max: 10 } : {});
  const page = paginate(ctx.state.pages, meeting.participants, paging, ctx.nowMs);
  const render = qos ? renderQosParticipant : renderDashboardParticipant;
  return {
    page_count: page.page_count,
    page_size: page.page_size,
    total_records: page.total_records,
    next_page_token: page.next_page_token,
    meeting_number: String(meeting.id),
    participants: page.items.map((p, i) => render(meeting, p, paging.offset + i)),
  };
}

export const dashboardRoutes: ApiRoute[] = [
  {
    method: 'GET', template: '/metrics/meetings', family: 'meetings', category: 'resource-intensive',
    handler: ({ state, tenant, query, nowMs }) => {
      requireDashboard(tenant);
      const type = enumParam(query, 'type', ['live', 'past', 'pastOne'] as const, 'live');
      const dateType = enumParam(query, 'query_date_type', ['start_time', 'end_time'] as const, 'start_time');
      const { from, to, fromText, toText } = reportRange(query, nowMs);
      const paging = readPaging(state.pages, '/metrics/meetings', tenant.accountId, query, nowMs);
      const meetings = tenant.meetings
        .filter((m) => !m.external_host && m.start_time <= nowMs)
        .filter((m) => {
          const ended = m.end_time <= nowMs;
          if (type === 'live') return !ended;
          if (!ended || (type === 'pastOne') !== (distinctPeople(m) === 1)) return false;
          const at = dateType === 'end_time' ? m.end_time : m.start_time;
          return at >= from && at <= to;
        })
        .sort((a, b) => b.start_time - a.start_time);
      const page = paginate(state.pages, meetings, paging, nowMs);
      return ok({
        from: fromText,
        to: toText,
        page_count: page.page_count,
        page_size: page.page_size,
        total_records: page.total_records,
        next_page_token: page.next_page_token,
        meetings: page.items.map((m) => renderDashboardMeeting(tenant, m, nowMs)),
      });
    },
  },
  {
    method: 'GET', template: '/metrics/meetings/{meetingId}', family: 'meetings', category: 'heavy',
    handler: (ctx) => {
      requireDashboard(ctx.tenant);
      const type = enumParam(ctx.query, 'type', ['live', 'past', 'pastOne'] as const, 'live');
      return ok(renderDashboardMeeting(ctx.tenant, dashboardMeeting(ctx, 'meetingId', type === 'live' ? 'live' : 'past'), ctx.nowMs));
    },
  },
  {
    method: 'GET', template: '/metrics/meetings/{meetingId}/participants', family: 'meetings', category: 'heavy',
    handler: (ctx) => ok(participantsPage(ctx, false)),
  },
  {
    method: 'GET', template: '/metrics/meetings/{meetingId}/participants/qos', family: 'meetings', category: 'heavy',
    handler: (ctx) => ok(participantsPage(ctx, true)),
  },
];
