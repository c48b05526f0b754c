import type { AddressInfo } from 'node:net';
import { SimClock } from './clock.js';
import { SimulatorControl, controlHttpHandler } from './control.js';
import type { SimTenantCredentials } from './control.js';
import type { Plan } from './model.js';
import { DEFAULT_RATE_LIMITS, mergeRateLimits } from './rate-limits.js';
import type { RateLimitOverrides } from './rate-limits.js';
import { archiveRoutes } from './routes/archive.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { phoneDownloadRoutes } from './routes/downloads.js';
import { pastMeetingRoutes } from './routes/past-meetings.js';
import { reportRoutes } from './routes/reports.js';
import { phoneRoutes } from './routes/phone.js';
import { recordingRoutes } from './routes/recordings.js';
import { userRoutes } from './routes/users.js';
import type { NetworkInput } from './network.js';
import { Router, createSimulatorServer } from './server.js';
import { SimState } from './state.js';
import type { TenantSpec } from './tenant-generator.js';
import { WebhookSender, ZOOM_RETRY_DELAYS_MS } from './webhooks.js';

export type { SimTenantCredentials } from './control.js';
export type { SimulatorControl } from './control.js';
export type { TenantSpec, MeetingInput, FileInput, ParticipantInput, PhoneCallInput, UserInput } from './tenant-generator.js';
export type { FileFaultKind } from './model.js';
export type { RateLimitConfig, RateLimitOverrides, PlanLimits } from './rate-limits.js';
export type { FaultConfig, FaultRates } from './faults.js';
export type { CounterSnapshot } from './counters.js';
export type { GroundTruth, GroundTruthMeeting, GroundTruthCall, GroundTruthFile, GroundTruthUser } from './ground-truth.js';
export type { WebhookDelivery, WebhookInput } from './webhooks.js';
export type { NetworkInput, NetworkProfile, NetworkProfileName } from './network.js';
export { NETWORK_PROFILES } from './network.js';
export { signWebhook } from './webhooks.js';

export interface SimulatorOptions {
  host?: string;
  port?: number;
  /** Everything generated is a pure function of the seed (default 1). */
  seed?: number;
  /** Default: one demo tenant generated from the seed. */
  tenants?: TenantSpec[];
  /** Initial simulated clock (default: real now); then advances with real time unless frozen. */
  now?: Date | string;
  /** The simulated clock stands still; only setClock/advanceClock move it (default false). */
  freezeClock?: boolean;
  tokenLifetimeSeconds?: number;
  /** Per plan and category; defaults from REFERENCE.md §8. */
  rateLimits?: RateLimitOverrides;
  /** Where webhooks go unless a tenant has its own URL. */
  webhookUrl?: string;
  /** Delays between webhook retries (default Zoom's 5, 20, 60 minutes). */
  webhookRetryDelaysMs?: number[];
  /** The wire: `loopback` (default, nothing added) or `zoom-like` (API latency, a download cap), or fields of one. */
  network?: NetworkInput;
}

export interface RunningSimulator {
  baseUrl: string;
  apiBaseUrl: string;
  oauthTokenUrl: string;
  tenants: SimTenantCredentials[];
  control: SimulatorControl;
  close(): Promise<void>;
}

export type { Plan };

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const clock = new SimClock(options.now, options.freezeClock ?? false);
  const state = new SimState(
    options.seed ?? 1,
    clock,
    options.tokenLifetimeSeconds ?? 3600,
    mergeRateLimits(DEFAULT_RATE_LIMITS, options.rateLimits),
    options.webhookUrl ?? null,
  );
  if (options.network !== undefined) state.network.set(options.network);
  const webhooks = new WebhookSender(state, options.webhookRetryDelaysMs ?? ZOOM_RETRY_DELAYS_MS);
  const control = new SimulatorControl(state, webhooks);
  const router = new Router([...userRoutes, ...recordingRoutes, ...archiveRoutes, ...dashboardRoutes, ...pastMeetingRoutes, ...reportRoutes, ...phoneRoutes, ...phoneDownloadRoutes]);
  const server = createSimulatorServer({ state, router, control: controlHttpHandler(control) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  state.baseUrl = `http://${host}:${address.port}`;
  for (const spec of options.tenants ?? [{}]) await control.addTenant(spec);
  const sweeper = setInterval(() => state.tokens.sweep(clock.nowMs()), 60_000);
  sweeper.unref();
  return {
    baseUrl: state.baseUrl,
    apiBaseUrl: `${state.baseUrl}/v2`,
    oauthTokenUrl: `${state.baseUrl}/oauth/token`,
    tenants: await control.listTenants(),
    control,
    close: async () => {
      clearInterval(sweeper);
      webhooks.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
