import { DAY, zoomTime } from '../clock.js';
import { ZoomError, validation } from '../errors.js';
import type { SimCallLeg, SimCallParty, SimPhoneCall, SimPhoneRecording, SimTenant } from '../model.js';
import { callRecordings, isReady } from '../model.js';
import { paginate, readPaging } from '../paging.js';
import type { SimState } from '../state.js';
import { requireUser } from './users.js';
import { checkWindow, dateOrDateTimeParam, enumParam, oneMonthAfter } from './query.js';
import { noContent, ok } from './route.js';
import type { ApiContext, ApiRoute } from './route.js';

interface Window {
  from: number;
  to: number;
  fromText: string;
  toText: string;
}

/** Phone from/to: a date or date-time; `defaultSpan` back from now when omitted; one month at most. */
function phoneWindow(ctx: ApiContext, defaultSpanMs: number, sixMonths = false): Window {
  const fromParam = dateOrDateTimeParam(ctx.query, 'from');
  const toParam = dateOrDateTimeParam(ctx.query, 'to');
  if (fromParam && !toParam) throw validation('to', "Invalid field: 'to' is required when 'from' is given.");
  const to = toParam ? toParam.ms + (toParam.dateOnly ? DAY - 1000 : 0) : ctx.nowMs;
  const from = fromParam ? fromParam.ms : ctx.nowMs - defaultSpanMs;
  checkWindow(from, toParam ? toParam.ms : to, oneMonthAfter, 'one month');
  if (sixMonths && from < ctx.nowMs - 183 * DAY) throw validation('from', 'The date range must be within the last 6 months.');
  const text = (p: { ms: number; dateOnly: boolean } | null, ms: number): string => (p?.dateOnly ? zoomTime(p.ms).slice(0, 10) : zoomTime(ms));
  return { from, to, fromText: text(fromParam, from), toText: text(toParam, to) };
}

/** A call's history Zoom will not give (fault `refused`; the code is REFERENCE §9's generic 300). */
const callRefused = () => new ZoomError(400, 300, 'The call log cannot be read.');

/** A recording's length as Zoom lists it (`duration`, whole seconds). */
export const recordingSeconds = (r: SimPhoneRecording): number => Math.round((r.end_time - r.date_time) / 1000);

interface RecordingRow {
  call: SimPhoneCall;
  leg: SimCallLeg;
  recording: SimPhoneRecording;
}

/** Recordings Zoom lists: not deleted, and ready (Zoom lists a recording a while after its leg ends). */
function recordingRows(tenant: SimTenant, nowMs: number): RecordingRow[] {
  return tenant.calls.flatMap((call) => call.legs.flatMap((leg) => (leg.recording && leg.recording.file.deletion === 'none' && isReady(leg.recording.file, nowMs) ? [{ call, leg, recording: leg.recording }] : [])));
}

/**
 * Zoom quirk: a call queue's recording names the agent who answered (accepted_by, inbound) or
 * placed the call (outgoing_by, outbound); an auto receptionist's names nobody.
 */
export function recordingAgent(call: SimPhoneCall, leg: SimCallLeg, r: SimPhoneRecording): Record<string, unknown> {
  if (r.owner_type !== 'callQueue') return {};
  const agent = { name: leg.owner_name, extension_number: String(leg.owner_extension ?? '') };
  return call.direction === 'inbound' ? { accepted_by: agent } : { outgoing_by: agent };
}

function renderRecording(state: SimState, row: RecordingRow, userLevel: boolean): Record<string, unknown> {
  const { call, leg, recording: r } = row;
  return {
    id: r.id,
    call_id: call.call_id,
    call_log_id: leg.call_log_id,
    ...(userLevel ? { call_history_id: call.call_history_uuid } : {}),
    call_element_id: leg.call_element_id,
    caller_number: call.caller.number,
    caller_number_type: call.caller.number_type,
    caller_name: call.caller.name,
    ...(call.caller.did_number ? { caller_did_number: call.caller.did_number } : {}),
    callee_number: call.callee.number,
    callee_number_type: call.callee.number_type,
    callee_name: call.callee.name,
    ...(call.callee.did_number ? { callee_did_number: call.callee.did_number } : {}),
    direction: call.direction,
    date_time: zoomTime(r.date_time),
    end_time: zoomTime(r.end_time),
    duration: recordingSeconds(r),
    // Bearer token required; the URL is the API path /phone/recording/download/{id}.
    download_url: state.downloadUrl(r.file),
    recording_type: r.recording_type,
    owner: { type: r.owner_type, id: r.owner_id, name: r.owner_name, ...(r.owner_extension !== null ? { extension_number: r.owner_extension } : {}) },
    site: { id: call.site_id, name: call.site_name },
    ...recordingAgent(call, leg, r),
    disclaimer_status: 0,
  };
}

function partyFields(tenant: SimTenant, prefix: 'caller' | 'callee', p: SimCallParty): Record<string, unknown> {
  const email = p.user_id ? tenant.users.find((u) => u.id === p.user_id)?.email ?? '' : '';
  return {
    ...(p.user_id ? { [`${prefix}_ext_id`]: p.user_id, [`${prefix}_ext_number`]: p.number, [`${prefix}_email`]: email } : {}),
    [`${prefix}_did_number`]: p.number_type === 2 ? p.number : p.did_number,
    [`${prefix}_name`]: p.name,
    [`${prefix}_ext_type`]: p.ext_type ?? 'external_contact',
    [`${prefix}_number_type`]: p.number_type === 1 ? 'zoom_pstn' : 'external_pstn',
    [`${prefix}_country_iso_code`]: 'US',
    [`${prefix}_country_code`]: '1',
  };
}

function renderHistory(tenant: SimTenant, call: SimPhoneCall): Record<string, unknown> {
  return {
    call_history_uuid: call.call_history_uuid,
    call_id: call.call_id,
    direction: call.direction,
    international: false,
    start_time: zoomTime(call.start_time),
    ...(call.answer_time !== null ? { answer_time: zoomTime(call.answer_time) } : {}),
    end_time: zoomTime(call.end_time),
    duration: Math.round((call.end_time - call.start_time) / 1000),
    connect_type: call.connect_type,
    call_type: 'general',
    call_result: call.result,
    recording_status: callRecordings(call).length > 0 ? 'recorded' : 'non_recorded',
    ...partyFields(tenant, 'caller', call.caller),
    ...partyFields(tenant, 'callee', call.callee),
    hide_caller_id: false,
    end_to_end: false,
    site_id: call.site_id,
    site_name: call.site_name,
  };
}

/** The party who took or made a leg: its owner, a user of the account. */
function legOwnerParty(tenant: SimTenant, leg: SimCallLeg): SimCallParty {
  const user = tenant.users.find((u) => u.id === leg.owner_user_id);
  return { name: leg.owner_name, number: String(leg.owner_extension ?? ''), number_type: 1, did_number: user?.phone_number ?? '', user_id: leg.owner_user_id, ext_type: 'user' };
}

/**
 * One leg (call_path entry, call element). The owner is the leg's callee, except on the first leg
 * of an outbound call, which the owner placed: there the owner is the caller.
 */
function renderLeg(tenant: SimTenant, call: SimPhoneCall, leg: SimCallLeg, index: number): Record<string, unknown> {
  const ownerPlaced = call.direction === 'outbound' && index === 0;
  const owner = legOwnerParty(tenant, leg);
  return {
    id: leg.call_element_id,
    call_id: call.call_id,
    connect_type: call.connect_type,
    call_type: 'general',
    direction: call.direction,
    event: leg.event,
    result: leg.result,
    result_reason: leg.result === 'answered' ? 'answered_by_other' : leg.result,
    start_time: zoomTime(leg.start_time),
    ...(leg.answer_time !== null ? { answer_time: zoomTime(leg.answer_time) } : {}),
    end_time: zoomTime(leg.end_time),
    talk_time: Math.round((leg.end_time - (leg.answer_time ?? leg.start_time)) / 1000),
    ...partyFields(tenant, 'caller', ownerPlaced ? owner : call.caller),
    ...partyFields(tenant, 'callee', ownerPlaced ? call.callee : owner),
    segment: index + 1,
    node: index,
    is_node: index === 0 ? 1 : 0,
    ...(leg.recording ? { recording_id: leg.recording.id, recording_type: leg.recording.recording_type === 'Automatic' ? 'automatic' : 'ad-hoc' } : {}),
    ...(leg.voicemail_id ? { voicemail_id: leg.voicemail_id } : {}),
    hold_time: 0,
    waiting_time: 2,
  };
}

/** Old-model (deprecated) call log: one row per leg, keyed by call_log_id. */
function renderCallLog(call: SimPhoneCall, leg: SimCallLeg): Record<string, unknown> {
  const r = leg.recording;
  return {
    id: leg.call_log_id,
    call_id: call.call_id,
    direction: call.direction,
    caller_number: call.caller.number,
    caller_number_type: call.caller.number_type,
    caller_name: call.caller.name,
    caller_did_number: call.caller.did_number,
    callee_number: call.callee.number,
    callee_number_type: call.callee.number_type,
    callee_name: call.callee.name,
    callee_did_number: call.callee.did_number,
    date_time: zoomTime(leg.start_time),
    ...(leg.answer_time !== null ? { answer_start_time: zoomTime(leg.answer_time) } : {}),
    call_end_time: zoomTime(leg.end_time),
    duration: Math.round((leg.end_time - leg.start_time) / 1000),
    result: leg.result === 'answered' ? 'Call connected' : leg.result === 'voicemail' ? 'Voicemail' : 'Missed',
    path: call.connect_type === 'external' ? 'pstn' : 'extension',
    ...(r ? { recording_id: r.id, recording_type: r.recording_type } : {}),
    call_type: call.connect_type === 'external' ? 'pstn' : 'voip',
    owner: { type: 'user', id: leg.owner_user_id ?? '', name: leg.owner_name, extension_number: leg.owner_extension ?? 0 },
    site: { id: call.site_id, name: call.site_name },
    user_id: leg.owner_user_id ?? '',
  };
}

function involves(call: SimPhoneCall, userId: string): boolean {
  return call.caller.user_id === userId || call.callee.user_id === userId || call.legs.some((l) => l.owner_user_id === userId);
}

function callsInWindow(calls: SimPhoneCall[], w: Window, byEnd = false): SimPhoneCall[] {
  return calls
    .filter((c) => {
      const at = byEnd ? c.end_time : c.start_time;
      return at >= w.from && at <= w.to;
    })
    .sort((a, b) => b.start_time - a.start_time);
}

function listRecordings(ctx: ApiContext, userId: string | null): Record<string, unknown> {
  const { state, tenant, query, nowMs } = ctx;
  const user = userId === null ? null : requireUser(tenant, userId);
  const w = phoneWindow(ctx, 30 * DAY, user !== null);
  const ownerType = enumParam(query, 'owner_type', ['user', 'callQueue', 'commonArea', 'sharedOffice'] as const, 'user');
  const recordingType = enumParam(query, 'recording_type', ['OnDemand', 'Automatic', 'All'] as const, 'All');
  const byEnd = enumParam(query, 'query_date_type', ['start_time', 'end_time'] as const, 'start_time') === 'end_time';
  const paging = readPaging(state.pages, user ? `/phone/users/${user.id}/recordings` : '/phone/recordings', tenant.accountId, query, nowMs);
  const rows = recordingRows(tenant, nowMs)
    .filter((row) => (user ? row.recording.owner_type === 'user' && row.recording.owner_id === user.id : true))
    .filter((row) => user !== null || query.get('owner_type') === null || row.recording.owner_type === ownerType)
    .filter((row) => recordingType === 'All' || row.recording.recording_type === recordingType)
    .filter((row) => {
      const at = byEnd ? row.recording.end_time : row.recording.date_time;
      return at >= w.from && at <= w.to;
    })
    .sort((a, b) => b.recording.date_time - a.recording.date_time);
  const page = paginate(state.pages, rows, paging, nowMs);
  return {
    ...(user ? { from: w.fromText, to: w.toText, page_count: page.page_count } : {}),
    page_size: page.page_size,
    total_records: page.total_records,
    next_page_token: page.next_page_token,
    recordings: page.items.map((row) => renderRecording(state, row, user !== null)),
  };
}

function listHistory(ctx: ApiContext, userId: string | null): Record<string, unknown> {
  const { state, tenant, query, nowMs } = ctx;
  const user = userId === null ? null : requireUser(tenant, userId);
  const w = phoneWindow(ctx, DAY, true);
  // Zoom quirk: recording_status defaults to `recorded`, so unrecorded calls need an explicit query.
  const status = enumParam(query, 'recording_status', ['recorded', 'non_recorded'] as const, 'recorded');
  const byEnd = enumParam(query, 'time_type', ['start_time', 'end_time'] as const, 'start_time') === 'end_time';
  const paging = readPaging(state.pages, user ? `/phone/users/${user.id}/call_history` : '/phone/call_history', tenant.accountId, query, nowMs);
  const calls = callsInWindow(tenant.calls, w, byEnd)
    .filter((c) => (callRecordings(c).length > 0 ? 'recorded' : 'non_recorded') === status)
    .filter((c) => user === null || involves(c, user.id));
  const page = paginate(state.pages, calls, paging, nowMs);
  const items = page.items.map((call) => renderHistory(tenant, call));
  return {
    from: w.fromText, to: w.toText,
    page_count: page.page_count, page_size: page.page_size, total_records: page.total_records, next_page_token: page.next_page_token,
    call_history: items,
    // Deprecated duplicate of call_history keyed by `id`.
    call_logs: items.map(({ call_history_uuid, ...rest }) => ({ id: call_history_uuid, ...rest })),
  };
}

function listCallLogs(ctx: ApiContext, userId: string | null): Record<string, unknown> {
  const { state, tenant, query, nowMs } = ctx;
  const user = userId === null ? null : requireUser(tenant, userId);
  const w = phoneWindow(ctx, DAY);
  const type = enumParam(query, 'type', ['all', 'missed'] as const, 'all');
  const byEnd = enumParam(query, 'time_type', ['startTime', 'endTime'] as const, 'startTime') === 'endTime';
  const paging = readPaging(state.pages, user ? `/phone/users/${user.id}/call_logs` : '/phone/call_logs', tenant.accountId, query, nowMs);
  const rows = callsInWindow(tenant.calls, w, byEnd)
    .flatMap((call) => call.legs.map((leg) => ({ call, leg })))
    .filter(({ leg }) => user === null || leg.owner_user_id === user.id)
    .filter(({ leg }) => type === 'all' || leg.result !== 'answered');
  const page = paginate(state.pages, rows, paging, nowMs);
  return {
    from: w.fromText, to: w.toText,
    page_count: page.page_count, page_size: page.page_size, total_records: page.total_records, next_page_token: page.next_page_token,
    call_logs: page.items.map(({ call, leg }) => renderCallLog(call, leg)),
  };
}

export const phoneRoutes: ApiRoute[] = [
  { method: 'GET', template: '/phone/recordings', family: 'phone', category: 'medium', handler: (ctx) => ok(listRecordings(ctx, null)) },
  { method: 'GET', template: '/phone/users/{userId}/recordings', family: 'phone', category: 'medium', handler: (ctx) => ok(listRecordings(ctx, ctx.params.userId ?? '')) },
  {
    method: 'DELETE', template: '/phone/recordings/{recordingId}', family: 'phone', category: 'light',
    handler: ({ tenant, params, nowMs }) => {
      const row = recordingRows(tenant, nowMs).find((r) => r.recording.id === params.recordingId);
      if (!row) throw new ZoomError(404, 404, 'Recording does not exist.');
      row.recording.file.deletion = 'deleted';
      row.recording.file.deleted_time = nowMs;
      return noContent();
    },
  },
  { method: 'GET', template: '/phone/call_history', family: 'phone', category: 'heavy', handler: (ctx) => ok(listHistory(ctx, null)) },
  { method: 'GET', template: '/phone/users/{userId}/call_history', family: 'phone', category: 'medium', handler: (ctx) => ok(listHistory(ctx, ctx.params.userId ?? '')) },
  {
    method: 'GET', template: '/phone/call_history/{callHistoryUuid}', family: 'phone', category: 'light',
    handler: ({ tenant, params }) => {
      const call = tenant.calls.find((c) => c.call_history_uuid === params.callHistoryUuid);
      if (!call) throw new ZoomError(404, 404, 'Call log does not exist.');
      if (call.refused) throw callRefused();
      const path = call.legs.map((leg, i) => renderLeg(tenant, call, leg, i));
      return ok({ ...renderHistory(tenant, call), id: call.call_history_uuid, call_path: path, call_elements: path });
    },
  },
  {
    method: 'GET', template: '/phone/call_element/{callElementId}', family: 'phone', category: 'light',
    handler: ({ tenant, params }) => {
      for (const call of tenant.calls) {
        const index = call.legs.findIndex((l) => l.call_element_id === params.callElementId);
        if (index < 0) continue;
        if (call.refused) throw callRefused();
        const { id, ...leg } = renderLeg(tenant, call, call.legs[index]!, index);
        return ok({ call_element_id: id, call_history_uuid: call.call_history_uuid, ...leg });
      }
      throw new ZoomError(404, 404, 'Call element does not exist.');
    },
  },
  { method: 'GET', template: '/phone/call_logs', family: 'phone', category: 'heavy', handler: (ctx) => ok(listCallLogs(ctx, null)) },
  { method: 'GET', template: '/phone/users/{userId}/call_logs', family: 'phone', category: 'medium', handler: (ctx) => ok(listCallLogs(ctx, ctx.params.userId ?? '')) },
];
