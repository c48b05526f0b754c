import { zoomTime } from '../clock.js';
import { paginate, readPaging } from '../paging.js';
import { distinctPeople } from './dashboard.js';
import { enumParam, reportRange } from './query.js';
import { ok } from './route.js';
import type { ApiRoute } from './route.js';
import { requireUser } from './users.js';

/**
 * GET /report/users/{userId}/meetings (Reports, Pro+, heavy): a user's ended meetings of a date
 * range. Zoom quirk: `past` lists the meetings they hosted with at least two people, `pastOne` those
 * with one, `pastJoined` the meetings they joined as a participant of someone else's.
 */
export const reportRoutes: ApiRoute[] = [
  {
    method: 'GET', template: '/report/users/{userId}/meetings', family: 'meetings', category: 'heavy',
    handler: ({ state, tenant, query, params, nowMs }) => {
      const user = requireUser(tenant, params.userId ?? '');
      const type = enumParam(query, 'type', ['past', 'pastOne', 'pastJoined'] as const, 'past');
      const { from, to, fromText, toText } = reportRange(query, nowMs);
      const paging = readPaging(state.pages, `/report/users/${user.id}/meetings`, tenant.accountId, query, nowMs);
      const meetings = tenant.meetings
        .filter((m) => !m.external_host && m.end_time <= nowMs && m.start_time >= from && m.start_time <= to)
        .filter((m) => {
          if (type === 'pastJoined') return m.host_id !== user.id && m.participants.some((p) => p.id === user.id);
          return m.host_id === user.id && (type === 'pastOne') === (distinctPeople(m) === 1);
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
        meetings: page.items.map((m) => {
          const joins = m.participants.filter((p) => p.id === user.id);
          return {
            uuid: m.uuid,
            id: m.id,
            type: m.type,
            topic: m.topic,
            user_name: m.host_name,
            user_email: m.host_email,
            host_name: m.host_name,
            start_time: zoomTime(m.start_time),
            end_time: zoomTime(m.end_time),
            duration: Math.round((m.end_time - m.start_time) / 60_000),
            total_minutes: Math.round(m.participants.reduce((s, p) => s + (p.leave_time - p.join_time), 0) / 60_000),
            participants_count: m.participants.length,
            source: 'Zoom',
            ...(type === 'pastJoined' && joins.length > 0 ? {
              join_time: zoomTime(Math.min(...joins.map((p) => p.join_time))),
              leave_time: zoomTime(Math.max(...joins.map((p) => p.leave_time))),
              has_recording: m.recorded || (m.recording_failed ?? false),
            } : {}),
          };
        }),
      });
    },
  },
];
