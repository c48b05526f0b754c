/**
 * The Zoom client of one tenant: typed endpoints the archiver needs (REFERENCE §2–§7), complete
 * listings over Zoom's windows, downloads, and the usage counters.
 */
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { DEFAULT_DOWNLOAD_HOSTS, parseZoomTenantConfig, resolveRateLimits, type ApiFamily, type RateCategory, type ZoomTenantConfig, type ZoomTenantConfigInput } from './config.js';
import { Downloader, type DownloadRequest, type DownloadResult } from './download.js';
import { DEFAULT_RETRY, ZoomHttp, type QueryValue, type RetryOptions } from './http.js';
import { encodeMeetingId } from './meeting-id.js';
import { TokenProvider } from './oauth.js';
import { Listing, walkPages, type ListingStats } from './paging.js';
import { RateLimiter, systemClock, type Clock, type Pacer } from './rate-limiter.js';
import {
  archiveFilesPageSchema,
  archiveMeetingSchema,
  callElementSchema,
  callHistoryDetailSchema,
  callHistoryPageSchema,
  dashboardMeetingsPageSchema,
  dashboardParticipantsPageSchema,
  pastMeetingParticipantsPageSchema,
  participantsQosPageSchema,
  parseResponse,
  phoneRecordingsPageSchema,
  recordingMeetingSchema,
  reportMeetingsPageSchema,
  userRecordingsPageSchema,
  usersPageSchema,
  type ArchiveMeeting,
  type CallElement,
  type CallHistory,
  type CallHistoryDetail,
  type DashboardMeeting,
  type DashboardParticipant,
  type ParticipantQos,
  type PastMeetingParticipant,
  type PhoneRecording,
  type RecordingMeeting,
  type ReportMeeting,
  type ZoomUser,
  pastMeetingInstancesSchema,
  type PastMeetingInstance,
} from './schemas.js';
import { UsageCounters } from './usage.js';
import { urlValidationResponse, verifyWebhook, type VerifyWebhookInput, type WebhookVerification } from './webhooks.js';
import { ARCHIVE_WINDOW_MS, PHONE_WINDOW_MS, dateWindows, formatDateTime, timeWindows } from './windows.js';

export interface ZoomClientDeps {
  /** HTTP dispatcher (default: a keep-alive Agent, or a ProxyAgent when `proxyUrl` is set). */
  dispatcher?: Dispatcher;
  clock?: Clock;
  random?: () => number;
  /**
   * The tenant's pacer: by default one of this client's own (RateLimiter); a SharedRateLimiter shares
   * the account's budget with every worker process.
   */
  rateLimiter?: Pacer;
  usage?: UsageCounters;
  retry?: Partial<RetryOptions>;
  /** Range resumes inside one download stream after a reset. */
  downloadResumes?: number;
  /** Reads the tenant's current credentials when Zoom refuses the ones the client was built with. */
  reloadCredentials?: () => Promise<{ clientId: string; clientSecret: string }>;
}

interface PagedEndpoint<S extends z.ZodType, T> {
  path: string;
  family: ApiFamily;
  category: RateCategory;
  schema: S;
  items: (page: z.output<S>) => readonly T[];
  keyOf: (item: T) => string;
}

type Query = Record<string, QueryValue>;

/** Largest page Zoom serves on most listings. */
const MAX_PAGE = 300;
/** The API path of a phone recording's download (REFERENCE §5.2). */
const PHONE_RECORDING_DOWNLOAD = /\/phone\/recording\/download\/[^/]+$/;
/** Zoom quirk: participant QoS pages hold at most 10 participants. */
const MAX_QOS_PAGE = 10;

export type UserStatus = 'active' | 'inactive' | 'pending';
export type DashboardType = 'past' | 'pastOne' | 'live';

export interface DateRange {
  /** yyyy-mm-dd (UTC), inclusive. */
  from: string;
  /** yyyy-mm-dd (UTC), inclusive. */
  to: string;
  /** Days each window repeats of the previous one; default 1 where Zoom does not say which timestamp filters. */
  overlapDays?: number;
}

const joinKey = (p: { user_id?: string | undefined; id?: string | undefined; join_time?: string | undefined; user_name?: string | undefined; name?: string | undefined }): string =>
  JSON.stringify([p.user_id ?? p.id ?? '', p.join_time ?? '', p.user_name ?? p.name ?? '']);

export class ZoomClient {
  readonly tenantId: string;
  readonly config: ZoomTenantConfig;
  readonly usage: UsageCounters;
  readonly tokens: TokenProvider;
  readonly limiter: Pacer;
  private readonly http: ZoomHttp;
  private readonly downloader: Downloader;
  private readonly ownedDispatcher: Dispatcher | undefined;

  constructor(config: ZoomTenantConfig, deps: ZoomClientDeps = {}) {
    this.config = config;
    this.tenantId = config.tenantId;
    const clock = deps.clock ?? systemClock;
    this.ownedDispatcher = deps.dispatcher ? undefined : config.proxyUrl ? new ProxyAgent(config.proxyUrl) : new Agent({ connections: 16 });
    const dispatcher = deps.dispatcher ?? (this.ownedDispatcher as Dispatcher);
    const retry = { ...DEFAULT_RETRY, ...deps.retry };
    this.usage = deps.usage ?? new UsageCounters();
    this.limiter = deps.rateLimiter ?? new RateLimiter({ profile: resolveRateLimits(config.plan, config.rateLimits), clock });
    this.tokens = new TokenProvider({ ...config, dispatcher, clock, ...(deps.reloadCredentials ? { reloadCredentials: deps.reloadCredentials } : {}) });
    const random = deps.random ?? Math.random;
    this.http = new ZoomHttp({ tenantId: config.tenantId, apiBaseUrl: config.apiBaseUrl, dispatcher, tokens: this.tokens, limiter: this.limiter, usage: this.usage, clock, retry, random });
    this.downloader = new Downloader({
      tenantId: config.tenantId,
      tokens: this.tokens,
      dispatcher,
      clock,
      allowedHosts: config.downloadHosts ?? DEFAULT_DOWNLOAD_HOSTS,
      maxResumes: deps.downloadResumes ?? 3,
      serverRetries: retry.serverRetries,
      backoffMs: retry.serverBackoffMs,
      random,
      limiter: this.limiter,
    });
  }

  /** Users of the account; `status` defaults to active. */
  listUsers(options: { status?: UserStatus; pageSize?: number } = {}): Listing<ZoomUser> {
    return this.list(this.usersEndpoint, [{ status: options.status ?? 'active', page_size: options.pageSize ?? MAX_PAGE }]);
  }

  /** Active and inactive users: recordings of deactivated users still count. */
  listAllUsers(options: { pageSize?: number } = {}): Listing<ZoomUser> {
    const page_size = options.pageSize ?? MAX_PAGE;
    return this.list(this.usersEndpoint, [
      { status: 'active', page_size },
      { status: 'inactive', page_size },
    ]);
  }

  /** One user's cloud recordings (one row per meeting instance) over any range, in ≤ one-month windows. */
  listUserRecordings(userId: string, range: DateRange & { pageSize?: number }): Listing<RecordingMeeting> {
    return this.list(
      {
        path: `/users/${encodeURIComponent(userId)}/recordings`,
        family: 'meetings',
        category: 'medium',
        schema: userRecordingsPageSchema,
        items: (p) => p.meetings,
        keyOf: (m) => m.uuid,
      },
      // Zoom quirk: which timestamp from/to filter is not documented; windows overlap by a day.
      dateWindows(range.from, range.to, { span: 'month', overlapDays: range.overlapDays ?? 1 }).map((w) => ({ ...w, page_size: range.pageSize ?? MAX_PAGE })),
    );
  }

  /** All files of one meeting instance (UUID) or of the latest instance (meeting number). */
  async getMeetingRecordings(meetingUuid: string, options: { downloadAccessTokenTtlSeconds?: number } = {}): Promise<RecordingMeeting> {
    const ttl = options.downloadAccessTokenTtlSeconds;
    return this.get(`/meetings/${encodeMeetingId(meetingUuid)}/recordings`, 'meetings', 'light', recordingMeetingSchema, ttl === undefined ? {} : { include_fields: 'download_access_token', ttl });
  }

  /** Moves all files of a meeting instance to the trash (recoverable for 30 days). */
  async trashMeetingRecordings(meetingUuid: string): Promise<void> {
    await this.http.call({ method: 'DELETE', path: `/meetings/${encodeMeetingId(meetingUuid)}/recordings`, query: { action: 'trash' }, family: 'meetings', category: 'light' });
  }

  /** Moves one file of a meeting instance to the trash (recoverable for 30 days). */
  async trashRecordingFile(meetingUuid: string, fileId: string): Promise<void> {
    await this.http.call({ method: 'DELETE', path: `/meetings/${encodeMeetingId(meetingUuid)}/recordings/${encodeURIComponent(fileId)}`, query: { action: 'trash' }, family: 'meetings', category: 'light' });
  }

  /** Deletes a meeting instance's compliance archive (every archive file of it; there is no per-file delete). */
  async deleteMeetingArchive(meetingUuid: string): Promise<void> {
    await this.http.call({ method: 'DELETE', path: `/past_meetings/${encodeMeetingId(meetingUuid)}/archive_files`, family: 'meetings', category: 'light' });
  }

  /** Archived meetings (compliance archiving) between two instants, in ≤ 7-day windows. */
  listArchiveFiles(range: { from: Date; to: Date; queryDateType?: 'meeting_start_time' | 'archive_complete_time'; overlapMs?: number; pageSize?: number }): Listing<ArchiveMeeting> {
    const windows = timeWindows(range.from, range.to, { maxMs: ARCHIVE_WINDOW_MS, overlapMs: range.overlapMs ?? 0 });
    return this.list(
      { path: '/archive_files', family: 'meetings', category: 'medium', schema: archiveFilesPageSchema, items: (p) => p.meetings, keyOf: (m) => m.uuid },
      windows.map((w) => ({ from: formatDateTime(w.from), to: formatDateTime(w.to), query_date_type: range.queryDateType, page_size: range.pageSize ?? MAX_PAGE })),
    );
  }

  async getPastMeetingArchiveFiles(meetingUuid: string): Promise<ArchiveMeeting> {
    return this.get(`/past_meetings/${encodeMeetingId(meetingUuid)}/archive_files`, 'meetings', 'light', archiveMeetingSchema);
  }

  /** The ended instances of a meeting number (medium): the way from the number people type to UUIDs. */
  async listPastMeetingInstances(meetingId: string): Promise<PastMeetingInstance[]> {
    const body = await this.get(`/past_meetings/${encodeURIComponent(meetingId)}/instances`, 'meetings', 'medium', pastMeetingInstancesSchema);
    return body.meetings;
  }

  /** Dashboard meetings (resource-intensive; Business+ with Dashboard) in ≤ one-month windows. */
  listDashboardMeetings(range: DateRange & { type?: DashboardType; pageSize?: number }): Listing<DashboardMeeting> {
    return this.list(
      { path: '/metrics/meetings', family: 'meetings', category: 'resource-intensive', schema: dashboardMeetingsPageSchema, items: (p) => p.meetings, keyOf: (m) => m.uuid },
      dateWindows(range.from, range.to, { span: 'month', overlapDays: range.overlapDays ?? 0 }).map((w) => ({ ...w, type: range.type ?? 'past', page_size: range.pageSize ?? MAX_PAGE })),
    );
  }

  /**
   * One user's meetings from Zoom's reports (heavy, Pro+) in ≤ one-month windows. Zoom quirk: `past`
   * lists only the meetings they hosted with two people or more, `pastOne` those with one, and
   * `pastJoined` those they joined of someone else's.
   */
  listUserReportMeetings(userId: string, range: DateRange & { type: 'past' | 'pastOne' | 'pastJoined'; pageSize?: number }): Listing<ReportMeeting> {
    return this.list(
      { path: `/report/users/${encodeURIComponent(userId)}/meetings`, family: 'meetings', category: 'heavy', schema: reportMeetingsPageSchema, items: (p) => p.meetings, keyOf: (m) => m.uuid },
      dateWindows(range.from, range.to, { span: 'month', overlapDays: range.overlapDays ?? 0 }).map((w) => ({ ...w, type: range.type, page_size: range.pageSize ?? MAX_PAGE })),
    );
  }

  /** Dashboard participants of one instance (heavy); one row per join. */
  listDashboardParticipants(meetingUuid: string, options: { type?: DashboardType; pageSize?: number } = {}): Listing<DashboardParticipant> {
    return this.list(
      { path: `/metrics/meetings/${encodeMeetingId(meetingUuid)}/participants`, family: 'meetings', category: 'heavy', schema: dashboardParticipantsPageSchema, items: (p) => p.participants, keyOf: joinKey },
      [{ type: options.type ?? 'past', page_size: options.pageSize ?? MAX_PAGE }],
    );
  }

  /** Participant QoS of one instance (heavy). */
  listDashboardParticipantsQos(meetingUuid: string, options: { type?: 'past' | 'live' } = {}): Listing<ParticipantQos> {
    return this.list(
      { path: `/metrics/meetings/${encodeMeetingId(meetingUuid)}/participants/qos`, family: 'meetings', category: 'heavy', schema: participantsQosPageSchema, items: (p) => p.participants, keyOf: joinKey },
      [{ type: options.type ?? 'past', page_size: MAX_QOS_PAGE }],
    );
  }

  /** Participants of an ended instance (medium); one row per join, duration in seconds. */
  listPastMeetingParticipants(meetingUuid: string, options: { pageSize?: number } = {}): Listing<PastMeetingParticipant> {
    return this.list(
      { path: `/past_meetings/${encodeMeetingId(meetingUuid)}/participants`, family: 'meetings', category: 'medium', schema: pastMeetingParticipantsPageSchema, items: (p) => p.participants, keyOf: joinKey },
      [{ page_size: options.pageSize ?? MAX_PAGE }],
    );
  }

  /**
   * Account call recordings (Zoom Phone, medium) between two instants, in windows of at most
   * PHONE_WINDOW_MS (Zoom: "within a month"). Zoom quirk: phone queries take date-times, so a sync
   * lists exactly from its watermark rather than whole days.
   */
  listPhoneRecordings(range: { from: Date; to: Date; ownerType?: 'user' | 'callQueue' | 'commonArea'; queryDateType?: 'start_time' | 'end_time'; pageSize?: number }): Listing<PhoneRecording> {
    return this.list(
      { path: '/phone/recordings', family: 'phone', category: 'medium', schema: phoneRecordingsPageSchema, items: (p) => p.recordings, keyOf: (r) => r.id },
      timeWindows(range.from, range.to, { maxMs: PHONE_WINDOW_MS }).map((w) => ({
        from: formatDateTime(w.from),
        to: formatDateTime(w.to),
        owner_type: range.ownerType,
        query_date_type: range.queryDateType,
        page_size: range.pageSize ?? MAX_PAGE,
      })),
    );
  }

  /** Deletes one call recording (Zoom keeps it in the phone recycle bin for a while). */
  async deletePhoneRecording(recordingId: string): Promise<void> {
    await this.http.call({ method: 'DELETE', path: `/phone/recordings/${encodeURIComponent(recordingId)}`, family: 'phone', category: 'light' });
  }

  /**
   * Account call history (Zoom Phone, heavy) in ≤ one-month windows. Zoom quirk: `recording_status`
   * defaults to `recorded`; reconciliation asks for `non_recorded` too.
   */
  listPhoneCallHistory(range: DateRange & { recordingStatus?: 'recorded' | 'non_recorded'; timeType?: 'start_time' | 'end_time'; pageSize?: number }): Listing<CallHistory> {
    return this.list(
      { path: '/phone/call_history', family: 'phone', category: 'heavy', schema: callHistoryPageSchema, items: (p) => p.call_history, keyOf: (c) => c.call_history_uuid },
      dateWindows(range.from, range.to, { span: 'month', overlapDays: range.overlapDays ?? 0 }).map((w) => ({
        ...w,
        recording_status: range.recordingStatus,
        time_type: range.timeType,
        page_size: range.pageSize ?? MAX_PAGE,
      })),
    );
  }

  /** One call with its legs (`call_path`), for participants and direction of phone CDRs. */
  async getPhoneCallHistory(callHistoryUuid: string): Promise<CallHistoryDetail> {
    return this.get(`/phone/call_history/${encodeURIComponent(callHistoryUuid)}`, 'phone', 'light', callHistoryDetailSchema);
  }

  /** One leg of a call (light): the way from a recording's call_element_id to its call's history uuid. */
  async getPhoneCallElement(callElementId: string): Promise<CallElement> {
    return this.get(`/phone/call_element/${encodeURIComponent(callElementId)}`, 'phone', 'light', callElementSchema);
  }

  /** Streams one recording file; see DownloadRequest. */
  downloadFile(req: DownloadRequest): Promise<DownloadResult> {
    // Zoom quirk: a phone recording downloads from an API endpoint (GET /phone/recording/download/{id},
    // medium on the phone table), so it counts against the per-second limit like any other call.
    const phone = PHONE_RECORDING_DOWNLOAD.test(new URL(req.url).pathname);
    return this.downloader.download(phone ? { ...req, rateCategory: { family: 'phone', category: 'medium' } } : req);
  }

  /** Verifies a webhook delivery with this tenant's secret token. */
  verifyWebhook(input: Omit<VerifyWebhookInput, 'secretToken'>): WebhookVerification {
    return verifyWebhook({ ...input, secretToken: this.webhookSecret() });
  }

  /** Answers Zoom's `endpoint.url_validation` for this tenant. */
  urlValidationResponse(plainToken: string): { plainToken: string; encryptedToken: string } {
    return urlValidationResponse(plainToken, this.webhookSecret());
  }

  private webhookSecret(): string {
    if (!this.config.webhookSecretToken) throw new Error(`Zoom tenant "${this.tenantId}" has no webhookSecretToken configured`);
    return this.config.webhookSecretToken;
  }

  /** Closes the connection pool the client created (not a dispatcher handed in). */
  async close(): Promise<void> {
    await this.ownedDispatcher?.close();
  }

  private readonly usersEndpoint: PagedEndpoint<typeof usersPageSchema, ZoomUser> = {
    path: '/users',
    family: 'meetings',
    category: 'medium',
    schema: usersPageSchema,
    items: (p) => p.users,
    keyOf: (u) => u.id,
  };

  private async get<S extends z.ZodType>(path: string, family: ApiFamily, category: RateCategory, schema: S, query: Query = {}): Promise<z.output<S>> {
    const res = await this.http.call({ method: 'GET', path, query, family, category });
    return parseResponse(schema, res.body, { tenant: this.tenantId, endpoint: `GET ${path}`, httpStatus: res.status });
  }

  /** Walks every window's pages; rows are delivered once across windows and re-walks. */
  private list<S extends z.ZodType, T>(endpoint: PagedEndpoint<S, T>, windows: Query[]): Listing<T> {
    const tenant = this.tenantId;
    // Zoom quirk: a page token is bound to its query; every other parameter stays identical between pages.
    const fetchWindow = (query: Query) => async (pageToken: string | undefined) => {
      const q = pageToken === undefined ? query : { ...query, next_page_token: pageToken };
      const page = await this.get(endpoint.path, endpoint.family, endpoint.category, endpoint.schema, q);
      const p = page as { next_page_token?: string; total_records?: number };
      return { items: endpoint.items(page), nextPageToken: p.next_page_token, totalRecords: p.total_records };
    };
    return new Listing<T>(async function* (stats: ListingStats) {
      const seen = new Set<string>();
      for (const query of windows) {
        yield* walkPages({ tenant, endpoint: `GET ${endpoint.path}`, fetchPage: fetchWindow(query), keyOf: endpoint.keyOf, seen, stats });
      }
    });
  }
}

export function createZoomClient(config: ZoomTenantConfigInput, deps: ZoomClientDeps = {}): ZoomClient {
  return new ZoomClient(parseZoomTenantConfig(config), deps);
}
