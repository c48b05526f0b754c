import { Counters } from './counters.js';
import type { SimClock } from './clock.js';
import { FaultInjector } from './faults.js';
import { SimNetwork } from './network.js';
import type { SimFile, SimMeeting, SimPhoneCall, SimPhoneRecording, SimTenant, SimUser } from './model.js';
import { callRecordings, meetingFiles } from './model.js';
import { TokenStore } from './oauth.js';
import { PageTokens } from './paging.js';
import { RateLimiter } from './rate-limits.js';
import type { RateLimitConfig } from './rate-limits.js';

export interface FileRef {
  tenant: SimTenant;
  file: SimFile;
  meeting: SimMeeting | null;
  call: SimPhoneCall | null;
  recording: SimPhoneRecording | null;
}

/** Everything one running simulator knows; routes and control read and change it. */
export class SimState {
  readonly tenants = new Map<string, SimTenant>();
  readonly tokens = new TokenStore();
  readonly pages = new PageTokens();
  readonly counters = new Counters();
  readonly faults: FaultInjector;
  readonly limiter: RateLimiter;
  readonly network: SimNetwork;
  /** Download key (the opaque tail of a download URL, or a phone recording id) → file. */
  private readonly downloads = new Map<string, FileRef>();
  baseUrl = '';

  constructor(
    readonly seed: number,
    readonly clock: SimClock,
    readonly tokenLifetimeSeconds: number,
    rateLimits: RateLimitConfig,
    public webhookUrl: string | null,
  ) {
    this.faults = new FaultInjector(seed);
    this.network = new SimNetwork(seed);
    this.limiter = new RateLimiter(rateLimits);
  }

  addTenant(tenant: SimTenant): void {
    if (this.tenants.has(tenant.accountId)) throw new Error(`account ${tenant.accountId} already exists`);
    this.tenants.set(tenant.accountId, tenant);
    for (const meeting of tenant.meetings) this.indexMeeting(tenant, meeting);
    for (const call of tenant.calls) this.indexCall(tenant, call);
  }

  tenant(accountId: string): SimTenant {
    const tenant = this.tenants.get(accountId);
    if (!tenant) throw new Error(`unknown account ${accountId}`);
    return tenant;
  }

  indexMeeting(tenant: SimTenant, meeting: SimMeeting): void {
    for (const file of meetingFiles(meeting)) this.downloads.set(file.downloadKey, { tenant, file, meeting, call: null, recording: null });
  }

  indexCall(tenant: SimTenant, call: SimPhoneCall): void {
    for (const recording of callRecordings(call)) {
      this.downloads.set(recording.file.downloadKey, { tenant, file: recording.file, meeting: null, call, recording });
    }
  }

  fileByKey(key: string): FileRef | undefined {
    return this.downloads.get(key);
  }

  downloadUrl(file: SimFile, via: 'rest' | 'webhook' = 'rest'): string {
    if (file.kind === 'phone') return `${this.baseUrl}/v2/phone/recording/download/${file.downloadKey}`;
    if (file.kind === 'archive') return `${this.baseUrl}/rec/archive/download/${file.downloadKey}`;
    return `${this.baseUrl}/rec/${via === 'webhook' ? 'webhook_download' : 'download'}/${file.downloadKey}`;
  }

  playUrl(file: SimFile): string {
    return `${this.baseUrl}/rec/play/${file.downloadKey}`;
  }
}

/** GET /users/{userId} and friends accept a user id or an email address; deleted users are gone. */
export function findUser(tenant: SimTenant, idOrEmail: string): SimUser | undefined {
  const needle = idOrEmail.toLowerCase();
  return tenant.users.find((u) => u.status !== 'deleted' && (u.id === idOrEmail || u.email.toLowerCase() === needle));
}

/**
 * A `{meetingId}` path segment, raw (still percent-encoded). Zoom quirk: UUIDs that start with `/`
 * or contain `//` must be double-encoded; decoded once they would be mangled by Zoom's path
 * handling, so a single-encoded one is normalised here the way a proxy would and is not found.
 */
export function decodeMeetingParam(raw: string): string {
  let decoded = safeDecode(raw);
  if (/%[0-9A-Fa-f]{2}/.test(decoded)) return safeDecode(decoded);
  if (decoded.startsWith('/') || decoded.includes('//')) decoded = decoded.replace(/\/+/g, '/').replace(/^\//, '');
  return decoded;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** A meeting number means its latest ended instance; anything else is an instance UUID. */
export function findMeeting(meetings: readonly SimMeeting[], idOrUuid: string, nowMs: number): SimMeeting | undefined {
  if (/^\d+$/.test(idOrUuid)) {
    const id = Number(idOrUuid);
    return meetings
      .filter((m) => m.id === id && m.start_time <= nowMs)
      .reduce<SimMeeting | undefined>((latest, m) => (!latest || m.start_time > latest.start_time ? m : latest), undefined);
  }
  return meetings.find((m) => m.uuid === idOrUuid);
}
