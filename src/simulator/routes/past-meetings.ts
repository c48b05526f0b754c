import { zoomTime } from '../clock.js';
import { ZoomError } from '../errors.js';
import type { SimMeeting } from '../model.js';
import { paginate, readPaging } from '../paging.js';
import { dashboardMeeting, distinctPeople } from './dashboard.js';
import { ok } from './route.js';
import type { ApiContext, ApiRoute } from './route.js';

/** The past-meeting routes word their 404/3001 as the spec does: "Meeting does not exist: {meetingId}." */
const pastMeeting = (ctx: ApiContext): SimMeeting =>
  dashboardMeeting(ctx, 'meetingId', 'past', (id) => new ZoomError(404, 3001, `Meeting does not exist: ${id}.`));

export const pastMeetingRoutes: ApiRoute[] = [
  {
    method: 'GET', template: '/past_meetings/{meetingId}', family: 'meetings', category: 'light',
    handler: (ctx) => {
      const m = pastMeeting(ctx);
      const host = ctx.tenant.users.find((u) => u.id === m.host_id);
      return ok({
        id: m.id, uuid: m.uuid, host_id: m.host_id, type: m.type, topic: m.topic,
        user_name: m.host_name, user_email: m.host_email,
        start_time: zoomTime(m.start_time), end_time: zoomTime(m.end_time),
        duration: Math.round((m.end_time - m.start_time) / 60_000),
        total_minutes: Math.round(m.participants.reduce((s, p) => s + (p.leave_time - p.join_time), 0) / 60_000),
        participants_count: m.participants.length,
        dept: host?.dept ?? '', source: 'Zoom', has_meeting_summary: false,
      });
    },
  },
  {
    method: 'GET', template: '/past_meetings/{meetingId}/instances', family: 'meetings', category: 'medium',
    handler: (ctx) => {
      const latest = pastMeeting(ctx);
      const instances = ctx.tenant.meetings
        .filter((m) => m.id === latest.id && !m.external_host && m.end_time <= ctx.nowMs)
        .sort((a, b) => a.start_time - b.start_time);
      return ok({ meetings: instances.map((m) => ({ uuid: m.uuid, start_time: zoomTime(m.start_time) })) });
    },
  },
  {
    method: 'GET', template: '/past_meetings/{meetingId}/participants', family: 'meetings', category: 'medium',
    handler: (ctx) => {
      const m = pastMeeting(ctx);
      const paging = readPaging(ctx.state.pages, `/past_meetings/${m.uuid}/participants`, ctx.tenant.accountId, ctx.query, ctx.nowMs);
      // Zoom quirk: one-person meetings are not returned by default (no rows, not an error).
      const page = paginate(ctx.state.pages, distinctPeople(m) === 1 ? [] : m.participants, paging, ctx.nowMs);
      return ok({
        page_count: page.page_count,
        page_size: page.page_size,
        total_records: page.total_records,
        next_page_token: page.next_page_token,
        participants: page.items.map((p) => ({
          id: p.id,
          name: p.name,
          user_id: p.user_id,
          registrant_id: '',
          user_email: p.internal ? p.email : '',
          join_time: zoomTime(p.join_time),
          leave_time: zoomTime(p.leave_time),
          // Per join, in seconds: a participant who rejoins has several rows.
          duration: Math.round((p.leave_time - p.join_time) / 1000),
          failover: false,
          status: 'in_meeting',
          internal_user: p.internal,
        })),
      });
    },
  },
];
