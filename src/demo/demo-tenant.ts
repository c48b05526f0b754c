import type { Database } from '../db/client.js';
import { upsertRecordedUser } from '../db/queries/recorded-users.js';
import { upsertTenant, type Tenant, type TenantInput } from '../db/queries/tenants.js';
import type { SecretBox } from '../security/secrets.js';
import { startSimulator, type RunningSimulator, type SimTenantCredentials } from '../simulator/index.js';

export const DEMO_TENANT_ID = 'demo';
/** Fixed, so a second start regenerates the same meetings and files: nothing is archived twice. */
const DEMO_SEED = 20261121;

export interface DemoZoom {
  simulator: RunningSimulator;
  tenant: Tenant;
  configuredUsers: number;
  unconfiguredUsers: number;
}

/** A tenant of a simulated Zoom account: its credentials, its hosts, the cloud-recordings source. */
export function simulatedTenantInput(id: string, name: string, credentials: SimTenantCredentials, overrides: Partial<TenantInput> = {}): TenantInput {
  return {
    id,
    name,
    zoomAccountId: credentials.accountId,
    zoomClientId: credentials.clientId,
    zoomClientSecret: credentials.clientSecret,
    webhookSecretToken: credentials.webhookSecretToken,
    plan: credentials.plan,
    zoomApiBaseUrl: credentials.apiBaseUrl,
    zoomOauthTokenUrl: credentials.oauthTokenUrl,
    allowedDownloadHosts: [new URL(credentials.downloadBaseUrl).hostname],
    archivingEnabled: false,
    cloudRecordingsEnabled: true,
    ...overrides,
  };
}

/**
 * The embedded default: a simulated Zoom account and a tenant configured for all of its users but
 * one (whose recordings must not be archived: only configured users are).
 */
export async function startDemoZoom(db: Database, secrets: SecretBox, port: number): Promise<DemoZoom> {
  const simulator = await startSimulator({ seed: DEMO_SEED, port });
  const credentials = simulator.tenants[0]!;
  const truth = await simulator.control.groundTruth(credentials.accountId);
  // Meetings and Zoom Phone; extensions (4 digits) and the account's numbers (+1555) are internal.
  const tenant = await upsertTenant(db, secrets, simulatedTenantInput(DEMO_TENANT_ID, 'Demo (simulated Zoom account)', credentials, {
    pollIntervalSeconds: 60,
    phoneEnabled: true,
    internalNumberPatterns: ['^\\d{4}$', '^\\+1555'],
  }));
  const users = truth.users.slice(0, -1);
  for (const user of users) {
    await upsertRecordedUser(db, DEMO_TENANT_ID, {
      zoomUserId: user.id,
      email: user.email,
      name: user.display_name,
      ...(user.phone_extension !== null ? { phoneExtension: String(user.phone_extension) } : {}),
      modality: user.modality,
      individualAudio: user.modality !== 'voice',
    });
  }
  return { simulator, tenant, configuredUsers: users.length, unconfiguredUsers: truth.users.length - users.length };
}
