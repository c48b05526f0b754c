import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { request } from 'undici';
import { zoomTime } from './clock.js';
import { callRecordings, isReady } from './model.js';
import type { SimMeeting, SimPhoneCall, SimTenant } from './model.js';
import { renderArchiveMeeting } from './routes/archive.js';
import { recordingAgent, recordingSeconds } from './routes/phone.js';
import { renderParticipantAudioFile, renderRecordingFile } from './routes/recordings.js';
import type { SimState } from './state.js';

/** Zoom quirk: retries only after a 5xx or network error, 5, 20 and 60 minutes apart. */
export const ZOOM_RETRY_DELAYS_MS = [5 * 60_000, 20 * 60_000, 60 * 60_000];
const DELIVERY_TIMEOUT_MS = 3000;
const DOWNLOAD_TOKEN_LIFETIME_MS = 24 * 3600_000;

export interface WebhookInput {
  /** Meeting events: which meeting (default: the latest recorded one). */
  meetingUuid?: string;
  /** phone.recording_completed: which call (default: the latest recorded one). */
  callId?: string;
  /** Replaces the generated `payload.object`. */
  object?: Record<string, unknown>;
  /** Overrides the tenant's webhook URL for this event. */
  url?: string;
}

export interface WebhookAttempt {
  at: string;
  status: number | null;
  error: string | null;
}

export interface WebhookDelivery {
  id: string;
  accountId: string;
  event: string;
  url: string;
  body: string;
  attempts: WebhookAttempt[];
  /** Whether the endpoint accepted it (2xx), or for url_validation answered the right HMAC. */
  delivered: boolean;
  /** More attempts are scheduled. */
  pending: boolean;
  response: string | null;
}

export function signWebhook(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** Sends signed events like Zoom's webhook service, and keeps a log of deliveries for tests. */
export class WebhookSender {
  private readonly log: WebhookDelivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly state: SimState, private readonly retryDelaysMs: number[] = ZOOM_RETRY_DELAYS_MS) {}

  deliveries(): WebhookDelivery[] {
    return structuredClone(this.log);
  }

  /** Resolves after the first attempt; retries run in the background. */
  async send(tenant: SimTenant, event: string, input: WebhookInput = {}): Promise<WebhookDelivery> {
    const url = this.urlFor(tenant, input.url);
    const nowMs = this.state.clock.nowMs();
    const { object, downloadToken } = await this.buildObject(tenant, event, input, nowMs);
    const body = JSON.stringify({
      event,
      event_ts: nowMs,
      ...(downloadToken ? { download_token: downloadToken } : {}),
      payload: { account_id: tenant.accountId, object },
    });
    const delivery: WebhookDelivery = { id: randomUUID(), accountId: tenant.accountId, event, url, body, attempts: [], delivered: false, pending: true, response: null };
    this.log.push(delivery);
    await this.attempt(tenant, delivery, 0);
    return structuredClone(delivery);
  }

  /** The `endpoint.url_validation` handshake: the endpoint must echo plainToken with its HMAC. */
  async validateUrl(tenant: SimTenant, urlOverride?: string): Promise<WebhookDelivery> {
    const url = this.urlFor(tenant, urlOverride);
    const plainToken = randomBytes(16).toString('base64url');
    const body = JSON.stringify({ payload: { plainToken }, event_ts: this.state.clock.nowMs(), event: 'endpoint.url_validation' });
    const delivery: WebhookDelivery = { id: randomUUID(), accountId: tenant.accountId, event: 'endpoint.url_validation', url, body, attempts: [], delivered: false, pending: false, response: null };
    this.log.push(delivery);
    const result = await this.post(tenant, url, body);
    delivery.attempts.push(result.attempt);
    delivery.response = result.text;
    if (result.attempt.status === 200 && result.text) {
      const expected = createHmac('sha256', tenant.webhookSecretToken).update(plainToken).digest('hex');
      try {
        const answer = JSON.parse(result.text) as { plainToken?: unknown; encryptedToken?: unknown };
        delivery.delivered = answer.plainToken === plainToken && answer.encryptedToken === expected;
      } catch {
        delivery.delivered = false;
      }
    }
    return structuredClone(delivery);
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private urlFor(tenant: SimTenant, override?: string): string {
    const url = override ?? tenant.webhookUrl ?? this.state.webhookUrl;
    if (!url) throw new Error(`no webhook URL configured for account ${tenant.accountId}`);
    return url;
  }

  private async attempt(tenant: SimTenant, delivery: WebhookDelivery, retry: number): Promise<void> {
    const result = await this.post(tenant, delivery.url, delivery.body);
    delivery.attempts.push(result.attempt);
    delivery.response = result.text;
    const status = result.attempt.status;
    if (status !== null && status >= 200 && status < 300) {
      delivery.delivered = true;
      delivery.pending = false;
      return;
    }
    const retryable = status === null || status >= 500;
    const delay = this.retryDelaysMs[retry];
    if (!retryable || delay === undefined) {
      delivery.pending = false;
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(tenant, delivery, retry + 1);
    }, delay);
    this.timers.add(timer);
  }

  private async post(tenant: SimTenant, url: string, body: string): Promise<{ attempt: WebhookAttempt; text: string | null }> {
    const at = this.state.clock.now().toISOString();
    const timestamp = String(Math.floor(this.state.clock.nowMs() / 1000));
    try {
      const res = await request(url, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Zoom Marketplace/1.0a',
          'x-zm-request-timestamp': timestamp,
          'x-zm-signature': signWebhook(tenant.webhookSecretToken, timestamp, body),
          'x-zm-request-id': randomUUID(),
          'x-zm-trackingid': `v=2.0&s=${Date.now()}&c=${randomBytes(6).toString('hex')}`,
        },
        headersTimeout: DELIVERY_TIMEOUT_MS,
        bodyTimeout: DELIVERY_TIMEOUT_MS,
      });
      const text = await res.body.text();
      return { attempt: { at, status: res.statusCode, error: null }, text };
    } catch (error) {
      return { attempt: { at, status: null, error: error instanceof Error ? error.message : String(error) }, text: null };
    }
  }

  private async buildObject(tenant: SimTenant, event: string, input: WebhookInput, nowMs: number): Promise<{ object: Record<string, unknown>; downloadToken: string | null }> {
    const downloadToken = (): string => this.state.tokens.issue(tenant.accountId, 'download', DOWNLOAD_TOKEN_LIFETIME_MS, nowMs);
    switch (event) {
      case 'recording.completed': {
        const meeting = pickMeeting(tenant, input, (m) => m.recorded);
        return { object: input.object ?? this.recordingObject(tenant, meeting, nowMs), downloadToken: downloadToken() };
      }
      case 'recording.archive_files_completed': {
        const meeting = pickMeeting(tenant, input, (m) => m.archive_files.length > 0);
        return { object: input.object ?? (await archiveObject(this.state, tenant, meeting, nowMs)), downloadToken: downloadToken() };
      }
      case 'meeting.ended': {
        const meeting = pickMeeting(tenant, input, () => true);
        return {
          object: input.object ?? {
            // Zoom quirk: meeting.ended carries the meeting id as a string.
            id: String(meeting.id), uuid: meeting.uuid, host_id: meeting.host_id, host_email: meeting.host_email,
            topic: meeting.topic, type: meeting.type, start_time: zoomTime(meeting.start_time), timezone: meeting.timezone,
            duration: meeting.duration, end_time: zoomTime(meeting.end_time),
          },
          downloadToken: null,
        };
      }
      case 'phone.recording_completed': {
        const call = pickCall(tenant, input, nowMs);
        return { object: input.object ?? { recordings: phoneWebhookRecordings(this.state, call, nowMs) }, downloadToken: null };
      }
      default:
        if (!input.object) throw new Error(`event ${event} needs payload.object`);
        return { object: input.object, downloadToken: null };
    }
  }

  private recordingObject(tenant: SimTenant, meeting: SimMeeting, nowMs: number): Record<string, unknown> {
    const files = meeting.recording_files.filter((f) => f.deletion === 'none');
    const audio = meeting.participant_audio_files.filter((f) => f.deletion === 'none');
    return {
      id: meeting.id, uuid: meeting.uuid, host_id: meeting.host_id, account_id: tenant.accountId, topic: meeting.topic,
      type: meeting.type, start_time: zoomTime(meeting.start_time), timezone: meeting.timezone, host_email: meeting.host_email,
      duration: Math.round((meeting.end_time - meeting.start_time) / 60_000), password: meeting.password,
      share_url: `${this.state.baseUrl}/rec/share/${meeting.recording_files[0]?.downloadKey ?? 'none'}`,
      total_size: [...files, ...audio].filter((f) => !f.idless).reduce((s, f) => s + f.file_size, 0),
      recording_count: files.length + audio.length, on_prem: false,
      recording_files: files.map((f) => renderRecordingFile(this.state, meeting, f, nowMs, 'webhook')),
      ...(audio.length > 0 ? { participant_audio_files: audio.map((f) => renderParticipantAudioFile(this.state, f, nowMs)) } : {}),
    };
  }
}

/** Zoom quirk: for a meeting hosted outside the account the event leaves out host_id and topic (PII), where the REST list has "". */
async function archiveObject(state: SimState, tenant: SimTenant, meeting: SimMeeting, nowMs: number): Promise<Record<string, unknown>> {
  const object = await renderArchiveMeeting(state, tenant, meeting, nowMs);
  if (!meeting.external_host) return object;
  const { host_id: _hostId, topic: _topic, ...rest } = object;
  return rest;
}

function pickMeeting(tenant: SimTenant, input: WebhookInput, eligible: (m: SimMeeting) => boolean): SimMeeting {
  const candidates = tenant.meetings.filter(eligible);
  const meeting = input.meetingUuid
    ? candidates.find((m) => m.uuid === input.meetingUuid)
    : candidates.reduce<SimMeeting | undefined>((a, m) => (!a || m.start_time > a.start_time ? m : a), undefined);
  if (!meeting) throw new Error(`no such meeting ${input.meetingUuid ?? '(latest)'} in account ${tenant.accountId}`);
  return meeting;
}

/** Recordings Zoom has announced: ready (a while after their leg ends) and not deleted. */
const readyRecordings = (call: SimPhoneCall, nowMs: number) => callRecordings(call).filter((r) => isReady(r.file, nowMs) && r.file.deletion === 'none');

function pickCall(tenant: SimTenant, input: WebhookInput, nowMs: number): SimPhoneCall {
  const candidates = tenant.calls.filter((c) => readyRecordings(c, nowMs).length > 0);
  const call = input.callId
    ? candidates.find((c) => c.call_id === input.callId)
    : candidates.reduce<SimPhoneCall | undefined>((a, c) => (!a || c.start_time > a.start_time ? c : a), undefined);
  if (!call) throw new Error(`no recorded call ${input.callId ?? '(latest)'} in account ${tenant.accountId}`);
  return call;
}

function phoneWebhookRecordings(state: SimState, call: SimPhoneCall, nowMs: number): Record<string, unknown>[] {
  const ready = readyRecordings(call, nowMs);
  return call.legs.flatMap((leg) => {
    const r = leg.recording;
    if (!r || !ready.includes(r)) return [];
    return [{
      id: r.id, user_id: leg.owner_user_id ?? '', call_id: call.call_id, call_log_id: leg.call_log_id,
      call_history_id: call.call_history_uuid, call_element_id: leg.call_element_id,
      caller_number: call.caller.number, caller_number_type: call.caller.number_type, caller_name: call.caller.name,
      callee_number: call.callee.number, callee_number_type: call.callee.number_type, callee_name: call.callee.name,
      direction: call.direction, duration: recordingSeconds(r),
      download_url: state.downloadUrl(r.file), date_time: zoomTime(r.date_time), end_time: zoomTime(r.end_time),
      recording_type: r.recording_type,
      owner: { type: r.owner_type, id: r.owner_id, name: r.owner_name, ...(r.owner_extension !== null ? { extension_number: r.owner_extension } : {}), has_access_permission: true },
      ...recordingAgent(call, leg, r),
      site: { id: call.site_id },
    }];
  });
}
