import type { MeetingSource, SyncSource } from '../ingest/types.js';

// What support (or the system) asks of a tenant's recovery workflow, as the signals carry it, and
// the checks that keep a bad request out of it. Pure: the workflow and the API use the same checks.

/** A request's items ride in its signal: this bounds the signal and the workflow history. */
export const MAX_REFS_PER_REQUEST = 10_000;
/** A time frame is listed from Zoom in one go: a month at most (Zoom's own window for cloud recordings). */
export const MAX_TIMEFRAME_DAYS = 31;

const SOURCES: readonly SyncSource[] = ['archiving', 'cloud_recordings', 'phone'];
const MEETING_SOURCES: readonly MeetingSource[] = ['archiving', 'cloud_recordings'];

/** Re-import everything a source holds for the configured users between two instants. */
export interface RecoverTimeframeRequest {
  /** Chosen by the caller (a UUID), so a request sent twice is filed once; the workflow makes one when absent. */
  requestId?: string;
  source: SyncSource;
  /** ISO 8601 instants, from < to. */
  from: string;
  to: string;
  reason?: string;
  /** An API key's name, `csv:<file>`, or `system` for the sync's automatic recovery. */
  requestedBy: string;
}

/** Re-import specific meetings: numeric meeting IDs (every instance) or instance UUIDs. */
export interface RecoverMeetingsRequest {
  requestId?: string;
  /** A meeting source; absent: every meeting source the tenant imports. */
  source?: MeetingSource;
  refs: string[];
  reason?: string;
  requestedBy: string;
}

/** Retry failed files: these, or every failed file of the tenant when none is named. */
export interface RetryFailedFilesRequest {
  requestId?: string;
  zoomFileIds?: string[];
  reason?: string;
  requestedBy: string;
}

export interface CancelRecoveryRequest {
  requestId: string;
}

/** A request as the workflow files it: with its kind and an id. */
export type RecoveryOrder =
  | ({ kind: 'timeframe' } & RecoverTimeframeRequest & { requestId: string })
  | ({ kind: 'meetings' } & RecoverMeetingsRequest & { requestId: string })
  | ({ kind: 'files' } & RetryFailedFilesRequest & { requestId: string });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MEETING_UUID = /^[A-Za-z0-9+/]{22}==$/;
const MEETING_ID = /^\d{9,11}$/;

const isInstant = (value: unknown): value is string => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value));
const isText = (value: unknown, max: number): value is string => typeof value === 'string' && value.trim().length > 0 && value.length <= max;

function commonProblems(request: { requestId?: unknown; requestedBy?: unknown; reason?: unknown }): string[] {
  const problems: string[] = [];
  if (request.requestId !== undefined && (typeof request.requestId !== 'string' || !UUID.test(request.requestId))) problems.push('requestId: must be a UUID');
  if (!isText(request.requestedBy, 200)) problems.push('requestedBy: who asks is required (at most 200 characters)');
  if (request.reason !== undefined && (typeof request.reason !== 'string' || request.reason.length > 1000)) problems.push('reason: at most 1000 characters');
  return problems;
}

/** Every problem of a time-frame request, each naming its field; empty when it is valid. */
export function timeframeProblems(request: RecoverTimeframeRequest, now?: Date): string[] {
  const problems = commonProblems(request);
  if (!SOURCES.includes(request.source)) problems.push(`source: one of ${SOURCES.join(', ')}`);
  if (!isInstant(request.from)) problems.push('from: an ISO 8601 instant, e.g. 2026-12-03T14:00:00Z');
  if (!isInstant(request.to)) problems.push('to: an ISO 8601 instant, e.g. 2026-12-03T16:00:00Z');
  if (isInstant(request.from) && isInstant(request.to)) {
    const from = Date.parse(request.from);
    const to = Date.parse(request.to);
    if (from >= to) problems.push('to: must be after from');
    else if (to - from > MAX_TIMEFRAME_DAYS * 86_400_000) problems.push(`to: a time frame spans at most ${MAX_TIMEFRAME_DAYS} days; send several`);
    if (now && from > now.getTime()) problems.push('from: is in the future');
  }
  return problems;
}

/** A meeting ID (digits) or instance UUID, as meeting-csv.ts normalises them. */
export const isMeetingRef = (ref: string) => MEETING_ID.test(ref) || MEETING_UUID.test(ref);

export function meetingsProblems(request: RecoverMeetingsRequest): string[] {
  const problems = commonProblems(request);
  if (request.source !== undefined && !MEETING_SOURCES.includes(request.source)) problems.push(`source: one of ${MEETING_SOURCES.join(', ')} (or absent for both)`);
  if (!Array.isArray(request.refs) || request.refs.length === 0) problems.push('refs: at least one meeting ID or UUID');
  else if (request.refs.length > MAX_REFS_PER_REQUEST) problems.push(`refs: at most ${MAX_REFS_PER_REQUEST} per request; send several`);
  else {
    const bad = request.refs.map((ref, i) => [i, ref] as const).filter(([, ref]) => typeof ref !== 'string' || !isMeetingRef(ref));
    for (const [i, ref] of bad.slice(0, 10)) problems.push(`refs[${i}]: "${String(ref).slice(0, 40)}" is neither a meeting ID (9 to 11 digits) nor a meeting UUID (24 characters ending in ==)`);
    if (bad.length > 10) problems.push(`refs: and ${bad.length - 10} more bad entries`);
  }
  return problems;
}

export function retryFilesProblems(request: RetryFailedFilesRequest): string[] {
  const problems = commonProblems(request);
  if (request.zoomFileIds !== undefined) {
    if (!Array.isArray(request.zoomFileIds)) problems.push('zoomFileIds: a list of file ids');
    else if (request.zoomFileIds.length > MAX_REFS_PER_REQUEST) problems.push(`zoomFileIds: at most ${MAX_REFS_PER_REQUEST} per request`);
    else if (request.zoomFileIds.some((id) => !isText(id, 200))) problems.push('zoomFileIds: every id is a non-empty string');
  }
  return problems;
}

/** A cancellation names its request by id: anything else could never match one (and the database refuses it). */
export const cancelProblems = (request: Partial<CancelRecoveryRequest> | undefined): string[] =>
  typeof request?.requestId === 'string' && UUID.test(request.requestId) ? [] : ['requestId: the UUID of the request to cancel'];

/** Every problem of a request of `kind`, each naming its field; empty when it is valid. */
export function requestProblems(kind: RecoveryOrder['kind'], request: RecoverTimeframeRequest | RecoverMeetingsRequest | RetryFailedFilesRequest): string[] {
  if (kind === 'timeframe') return timeframeProblems(request as RecoverTimeframeRequest);
  if (kind === 'meetings') return meetingsProblems(request as RecoverMeetingsRequest);
  return retryFilesProblems(request as RetryFailedFilesRequest);
}
