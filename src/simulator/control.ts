import { randomBytes } from 'node:crypto';
import { createRng } from './random.js';
import { groundTruth, meetingTruth, callTruth } from './ground-truth.js';
import type { GroundTruth, GroundTruthCall, GroundTruthMeeting } from './ground-truth.js';
import type { CounterSnapshot } from './counters.js';
import type { FaultConfig } from './faults.js';
import { callRecordings, isReady, meetingFiles } from './model.js';
import type { FileFaultKind, SimFile, SimTenant, SimUser } from './model.js';
import type { NetworkInput, NetworkProfile } from './network.js';
import { mergeRateLimits } from './rate-limits.js';
import type { RateLimitConfig, RateLimitOverrides } from './rate-limits.js';
import type { SimState } from './state.js';
import { buildMeeting, buildPhoneCall, buildUser, generateTenant } from './tenant-generator.js';
import type { MeetingInput, PhoneCallInput, TenantSpec, UserInput } from './tenant-generator.js';
import type { WebhookDelivery, WebhookInput, WebhookSender } from './webhooks.js';
import type { ControlHandler } from './server.js';

export interface SimTenantCredentials {
  accountId: string;
  clientId: string;
  clientSecret: string;
  webhookSecretToken: string;
  plan: 'pro' | 'business';
  apiBaseUrl: string;
  oauthTokenUrl: string;
  downloadBaseUrl: string;
}

/** The control operations, in process; the `/_sim` HTTP API maps onto the same methods. */
export class SimulatorControl {
  private tenantCount = 0;

  constructor(private readonly state: SimState, private readonly webhooks: WebhookSender) {}

  credentials(tenant: SimTenant): SimTenantCredentials {
    const base = this.state.baseUrl;
    return {
      accountId: tenant.accountId,
      clientId: tenant.clientId,
      clientSecret: tenant.clientSecret,
      webhookSecretToken: tenant.webhookSecretToken,
      plan: tenant.plan,
      apiBaseUrl: `${base}/v2`,
      oauthTokenUrl: `${base}/oauth/token`,
      downloadBaseUrl: base,
    };
  }

  async listTenants(): Promise<SimTenantCredentials[]> {
    return [...this.state.tenants.values()].map((t) => this.credentials(t));
  }

  async addTenant(spec: TenantSpec = {}): Promise<SimTenantCredentials> {
    const tenant = generateTenant({ seed: this.state.seed, nowMs: this.state.clock.nowMs() }, this.tenantCount++, spec);
    this.state.addTenant(tenant);
    return this.credentials(tenant);
  }

  async addUser(accountId: string, input: UserInput = {}): Promise<SimUser> {
    const tenant = this.state.tenant(accountId);
    const user = buildUser(this.ctx(), tenant, this.additionRng(tenant), input);
    tenant.users.push(user);
    return user;
  }

  async addMeeting(accountId: string, input: MeetingInput = {}): Promise<GroundTruthMeeting> {
    const tenant = this.state.tenant(accountId);
    const meeting = buildMeeting(this.ctx(), tenant, this.additionRng(tenant), input);
    tenant.meetings.push(meeting);
    this.state.indexMeeting(tenant, meeting);
    return meetingTruth(this.state, tenant, meeting, this.state.clock.nowMs());
  }

  /**
   * Removes a user from the account, as an admin deleting them without transferring their data:
   * gone from `GET /users`, 404/1001 on every per-user route, and the cloud recordings of the
   * meetings they hosted deleted with them. Compliance-archive files stay; the ground truth keeps
   * the user (status 'deleted') and marks their meetings `host_deleted`.
   */
  async deleteUser(accountId: string, userId: string): Promise<void> {
    const tenant = this.state.tenant(accountId);
    const user = tenant.users.find((u) => u.id === userId);
    if (!user) throw new Error(`unknown user ${userId} in account ${accountId}`);
    if (user.status === 'deleted') return;
    user.status = 'deleted';
    const nowMs = this.state.clock.nowMs();
    for (const meeting of tenant.meetings) {
      if (meeting.external_host || meeting.host_id !== user.id) continue;
      for (const file of [...meeting.recording_files, ...meeting.participant_audio_files]) {
        if (file.deletion === 'deleted') continue;
        file.deletion = 'deleted';
        file.deleted_time = nowMs;
      }
    }
  }

  /**
   * Gives one file (by its ground-truth id) a permanent download fault, or clears it with null.
   * `slowMs` (required for 'slow') is how long a whole download takes in real time.
   */
  async setFileFault(accountId: string, fileId: string, fault: FileFaultKind | null, slowMs?: number): Promise<void> {
    const file = this.findFile(accountId, fileId);
    if (fault !== null && !FILE_FAULTS.includes(fault)) throw new Error(`unknown file fault ${String(fault)}; one of ${FILE_FAULTS.join(', ')}`);
    if (fault === 'slow' && (typeof slowMs !== 'number' || !Number.isFinite(slowMs) || slowMs < 0)) throw new Error("fault 'slow' needs slowMs, a number of milliseconds");
    file.fault = fault;
    file.faultSlowMs = fault === 'slow' ? (slowMs ?? 0) : 0;
  }

  /** Makes Zoom refuse (400, code 300) the call's history and call elements, or clears it with null. */
  async setCallFault(accountId: string, callId: string, fault: 'refused' | null): Promise<void> {
    const call = this.state.tenant(accountId).calls.find((c) => c.call_id === callId);
    if (!call) throw new Error(`unknown call ${callId} in account ${accountId}`);
    if (fault !== null && fault !== 'refused') throw new Error(`unknown call fault ${String(fault)}; 'refused' or null`);
    call.refused = fault === 'refused';
  }

  async addPhoneCall(accountId: string, input: PhoneCallInput = {}): Promise<GroundTruthCall> {
    const tenant = this.state.tenant(accountId);
    const call = buildPhoneCall(this.ctx(), tenant, this.additionRng(tenant), input);
    tenant.calls.push(call);
    this.state.indexCall(tenant, call);
    return callTruth(this.state, tenant, call, this.state.clock.nowMs());
  }

  /** Finishes processing of the given files (default: all of the account); returns the ids completed. */
  async completeProcessing(accountId: string, fileIds?: string[]): Promise<string[]> {
    const tenant = this.state.tenant(accountId);
    const nowMs = this.state.clock.nowMs();
    const wanted = fileIds ? new Set(fileIds) : null;
    const files = [...tenant.meetings.flatMap(meetingFiles), ...tenant.calls.flatMap(callRecordings).map((r) => r.file)];
    const done: string[] = [];
    for (const file of files) {
      if (isReady(file, nowMs) || (wanted && !wanted.has(file.id))) continue;
      file.readyAtMs = 0;
      done.push(file.id);
    }
    return done;
  }

  async now(): Promise<string> {
    return this.state.clock.now().toISOString();
  }

  /** Whether the clock stands still between setClock/advanceClock calls (`freezeClock`). */
  async clockFrozen(): Promise<boolean> {
    return this.state.clock.frozen;
  }

  async setClock(iso: string | Date): Promise<string> {
    this.state.clock.set(iso);
    return this.now();
  }

  async advanceClock(ms: number): Promise<string> {
    this.state.clock.advance(ms);
    return this.now();
  }

  async setFaults(faults: Partial<FaultConfig>): Promise<FaultConfig> {
    return this.state.faults.set(faults);
  }

  async getFaults(): Promise<FaultConfig> {
    return { ...this.state.faults.config };
  }

  /** The network profile in force: its name, API latency and download cap. */
  async getNetwork(): Promise<NetworkProfile> {
    return this.state.network.profile;
  }

  /** Switches the network profile for requests from now on (a download under way keeps its pace). */
  async setNetwork(input: NetworkInput): Promise<NetworkProfile> {
    return this.state.network.set(input);
  }

  async setRateLimits(overrides: RateLimitOverrides): Promise<RateLimitConfig> {
    this.state.limiter.config = mergeRateLimits(this.state.limiter.config, overrides);
    return this.state.limiter.config;
  }

  /** Forgets per-second windows and daily usage (as if a new day began). */
  async resetRateLimits(): Promise<void> {
    this.state.limiter.reset();
  }

  async getCounters(): Promise<CounterSnapshot> {
    return this.state.counters.snapshot();
  }

  async resetCounters(): Promise<void> {
    this.state.counters.reset();
  }

  async groundTruth(accountId: string): Promise<GroundTruth> {
    return groundTruth(this.state, accountId);
  }

  /** Revokes every access token of the account (an app deactivated, or rotated credentials). */
  async revokeTokens(accountId: string): Promise<void> {
    this.state.tokens.revokeAccount(this.state.tenant(accountId).accountId);
  }

  /**
   * Regenerates the app's client secret, as a Zoom admin does in the Marketplace: the old secret
   * gets no new token and the tokens issued with it stop working. Returns the new credentials.
   */
  async rotateClientSecret(accountId: string): Promise<SimTenantCredentials> {
    const tenant = this.state.tenant(accountId);
    tenant.clientSecret = `${tenant.clientSecret.slice(0, 8)}${randomBytes(12).toString('hex')}`;
    this.state.tokens.revokeAccount(tenant.accountId);
    return this.credentials(tenant);
  }

  async setWebhookUrl(accountId: string, url: string | null): Promise<void> {
    this.state.tenant(accountId).webhookUrl = url;
  }

  async sendWebhook(accountId: string, event: string, payload?: WebhookInput): Promise<WebhookDelivery> {
    return this.webhooks.send(this.state.tenant(accountId), event, payload);
  }

  async validateWebhookUrl(accountId: string, url?: string): Promise<WebhookDelivery> {
    return this.webhooks.validateUrl(this.state.tenant(accountId), url);
  }

  async webhookDeliveries(): Promise<WebhookDelivery[]> {
    return this.webhooks.deliveries();
  }

  private findFile(accountId: string, fileId: string): SimFile {
    const tenant = this.state.tenant(accountId);
    const files = [...tenant.meetings.flatMap(meetingFiles), ...tenant.calls.flatMap(callRecordings).map((r) => r.file)];
    const file = files.find((f) => f.id === fileId);
    if (!file) throw new Error(`unknown file ${fileId} in account ${accountId}`);
    return file;
  }

  private ctx(): { seed: number; nowMs: number } {
    return { seed: this.state.seed, nowMs: this.state.clock.nowMs() };
  }

  private additionRng(tenant: SimTenant): ReturnType<typeof createRng> {
    return createRng('addition', this.state.seed, tenant.accountId, tenant.additions++);
  }
}

type Body = Record<string, unknown>;

const FILE_FAULTS: readonly FileFaultKind[] = ['html', 'not_found', 'slow', 'size_mismatch', 'json_body', 'empty_body'];

/** `/_sim/...` → SimulatorControl. JSON in, JSON out; errors are `{error}` with 400/404. */
export function controlHttpHandler(control: SimulatorControl): ControlHandler {
  return async (method, path, _query, rawBody) => {
    const body = (rawBody ?? {}) as Body;
    let parts: string[];
    try {
      parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      return { status: 400, body: { error: `malformed path /_sim${path}` } };
    }
    const [head, accountId, sub, item] = parts;
    // tenants/{accountId}/{sub}/{item}: e.g. `DELETE tenants/:id/users/:item`.
    const shape = [head ?? '', accountId !== undefined ? ':id' : null, sub ?? null, item !== undefined ? ':item' : null, parts.length > 4 ? ':more' : null];
    const key = `${method} ${shape.filter((p) => p !== null).join('/')}`;
    try {
      const result = await dispatch(control, key, accountId ?? '', body, item ?? '');
      if (result === NOT_FOUND) return { status: 404, body: { error: `no control operation ${method} /_sim${path}` } };
      return { status: 200, body: result ?? { ok: true } };
    } catch (error) {
      return { status: 400, body: { error: error instanceof Error ? error.message : String(error) } };
    }
  };
}

const NOT_FOUND = Symbol('not found');

async function dispatch(control: SimulatorControl, key: string, id: string, body: Body, item: string): Promise<unknown> {
  switch (key) {
    case 'GET tenants': return control.listTenants();
    case 'POST tenants': return control.addTenant(body as TenantSpec);
    case 'GET tenants/:id/ground-truth': return control.groundTruth(id);
    case 'POST tenants/:id/users': return control.addUser(id, body as UserInput);
    case 'DELETE tenants/:id/users/:item': return control.deleteUser(id, item);
    case 'PUT tenants/:id/file-faults/:item': return control.setFileFault(id, item, (body.fault ?? null) as FileFaultKind | null, body.slowMs as number | undefined);
    case 'DELETE tenants/:id/file-faults/:item': return control.setFileFault(id, item, null);
    case 'PUT tenants/:id/call-faults/:item': return control.setCallFault(id, item, (body.fault ?? null) as 'refused' | null);
    case 'DELETE tenants/:id/call-faults/:item': return control.setCallFault(id, item, null);
    case 'POST tenants/:id/meetings': return control.addMeeting(id, body as MeetingInput);
    case 'POST tenants/:id/calls': return control.addPhoneCall(id, body as PhoneCallInput);
    case 'POST tenants/:id/complete-processing': return { completed: await control.completeProcessing(id, body.fileIds as string[] | undefined) };
    case 'POST tenants/:id/revoke-tokens': return control.revokeTokens(id);
    case 'POST tenants/:id/rotate-client-secret': return control.rotateClientSecret(id);
    case 'PUT tenants/:id/webhook-url': return control.setWebhookUrl(id, (body.url as string | null | undefined) ?? null);
    case 'POST tenants/:id/webhooks': return control.sendWebhook(id, String(body.event), body.payload as WebhookInput | undefined);
    case 'POST tenants/:id/webhook-validation': return control.validateWebhookUrl(id, body.url as string | undefined);
    case 'GET webhooks': return control.webhookDeliveries();
    case 'GET clock': return { now: await control.now(), frozen: await control.clockFrozen() };
    case 'POST clock':
      if (typeof body.advanceMs === 'number') return { now: await control.advanceClock(body.advanceMs) };
      return { now: await control.setClock(String(body.now)) };
    case 'GET faults': return control.getFaults();
    case 'PUT faults': return control.setFaults(body as Partial<FaultConfig>);
    case 'GET network': return control.getNetwork();
    case 'PUT network': return control.setNetwork(body as NetworkInput);
    case 'PUT rate-limits': return control.setRateLimits(body as RateLimitOverrides);
    case 'DELETE rate-limits': return control.resetRateLimits();
    case 'GET counters': return control.getCounters();
    case 'DELETE counters': return control.resetCounters();
    default: return NOT_FOUND;
  }
}
