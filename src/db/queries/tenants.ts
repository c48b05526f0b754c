import { asc, eq, getTableColumns } from 'drizzle-orm';
import { z } from 'zod';
import type { SecretBox } from '../../security/secrets.js';
import type { Database } from '../client.js';
import { UnknownTenantError } from '../errors.js';
import { SYNC_SOURCES, TENANT_ID_PATTERN, ZOOM_PLANS, tenants, type SyncSource } from '../schema/index.js';
import { parseInput, replaceIfChanged } from './upsert.js';

const isRegExp = (pattern: string) => {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
};

/** The tenant's options (TenantOptions), shared by the database input and the tenants file (which is strict). */
export const tenantOptionsShape = {
  deleteAfterArchive: z.boolean().default(false),
  fileRetryHours: z.number().positive().max(168).optional(),
  deleteGraceHours: z.number().min(0).max(24 * 30).optional(),
  deleteDryRun: z.boolean().optional(),
  phoneRelistHours: z.number().min(0).max(24 * 30).optional(),
  zoomDailyQuota: z.strictObject({ meetings: z.number().int().positive().optional(), phone: z.number().int().positive().optional() }).optional(),
  reconciliation: z.strictObject({
    enabled: z.boolean().optional(),
    hourUtc: z.number().int().min(0).max(23).optional(),
    quotaShare: z.number().gt(0).max(1).optional(),
    phoneCallsExpected: z.enum(['marked', 'all']).optional(),
    meetingPlan: z.enum(['auto', 'dashboard', 'user_reports']).optional(),
    voiceQuality: z.boolean().optional(),
  }).optional(),
  recovery: z.strictObject({
    automatic: z.boolean().optional(),
    gapPolls: z.number().int().min(2).max(1000).optional(),
    csvIntake: z.boolean().optional(),
    csvPollSeconds: z.number().int().min(10).max(3600).optional(),
  }).optional(),
};

export const tenantInputSchema = z.object({
  id: z.string().regex(TENANT_ID_PATTERN, 'must be a slug: lower-case letters, digits and inner dashes, at most 63 characters'),
  name: z.string().min(1),
  zoomAccountId: z.string().min(1),
  zoomClientId: z.string().min(1),
  zoomClientSecret: z.string().min(1),
  webhookSecretToken: z.string().min(1).optional(),
  plan: z.enum(ZOOM_PLANS).default('pro'),
  zoomApiBaseUrl: z.url().default('https://api.zoom.us/v2'),
  zoomOauthTokenUrl: z.url().default('https://zoom.us/oauth/token'),
  proxyUrl: z.url().optional(),
  allowedDownloadHosts: z.array(z.string().min(1)).default([]),
  archivingEnabled: z.boolean().default(true),
  cloudRecordingsEnabled: z.boolean().default(false),
  phoneEnabled: z.boolean().default(false),
  pollIntervalSeconds: z.number().int().positive().default(300),
  internalNumberPatterns: z.array(z.string().refine(isRegExp, 'must be a valid regular expression')).default([]),
  options: z.object(tenantOptionsShape).default({ deleteAfterArchive: false }),
});
export type TenantInput = z.input<typeof tenantInputSchema>;

// Sealed secrets never leave this module except through getTenantCredentials.
const { zoomClientSecretSealed: _secret, webhookSecretTokenSealed: _token, ...publicColumns } = getTableColumns(tenants);
type TenantRow = typeof tenants.$inferSelect;
export type Tenant = Omit<TenantRow, 'zoomClientSecretSealed' | 'webhookSecretTokenSealed'>;

type SourceSwitches = Pick<Tenant, 'archivingEnabled' | 'cloudRecordingsEnabled' | 'phoneEnabled'>;

/** The sources a tenant imports, in a fixed order (archiving, cloud recordings, phone). */
export function enabledSources(tenant: SourceSwitches): SyncSource[] {
  return SYNC_SOURCES.filter((s) => ({ archiving: tenant.archivingEnabled, cloud_recordings: tenant.cloudRecordingsEnabled, phone: tenant.phoneEnabled })[s]);
}

/** The meeting sources a tenant imports: archiving first, then cloud recordings. */
export function enabledMeetingSources(tenant: SourceSwitches): ('archiving' | 'cloud_recordings')[] {
  return enabledSources(tenant).filter((s): s is 'archiving' | 'cloud_recordings' => s !== 'phone');
}

export interface TenantCredentials {
  zoomAccountId: string;
  zoomClientId: string;
  zoomClientSecret: string;
  webhookSecretToken?: string;
}

const secretContext = (tenantId: string, column: 'client_secret' | 'webhook_secret_token') => `tenant:${tenantId}:${column}`;

/** The sealed value already stored when it still opens to `plaintext` (so re-applying a config changes nothing), else a fresh seal. */
function sealUnlessUnchanged(secrets: SecretBox, plaintext: string, context: string, stored: string | null | undefined): string {
  if (stored) {
    try {
      if (secrets.open(stored, context) === plaintext) return stored;
    } catch {
      // Sealed under another key: seal again under the current one.
    }
  }
  return secrets.seal(plaintext, context);
}

/** Creates or updates a tenant from configuration; applying the same input again changes nothing. */
export async function upsertTenant(db: Database, secrets: SecretBox, input: TenantInput): Promise<Tenant> {
  const { zoomClientSecret, webhookSecretToken, ...fields } = parseInput(tenantInputSchema, input, `tenant '${String((input as { id?: unknown }).id)}'`);
  const [stored] = await db
    .select({ secret: tenants.zoomClientSecretSealed, token: tenants.webhookSecretTokenSealed })
    .from(tenants)
    .where(eq(tenants.id, fields.id));
  const row = {
    ...fields,
    proxyUrl: fields.proxyUrl ?? null,
    zoomClientSecretSealed: sealUnlessUnchanged(secrets, zoomClientSecret, secretContext(fields.id, 'client_secret'), stored?.secret),
    webhookSecretTokenSealed: webhookSecretToken === undefined
      ? null
      : sealUnlessUnchanged(secrets, webhookSecretToken, secretContext(fields.id, 'webhook_secret_token'), stored?.token),
  };
  await db.insert(tenants).values(row).onConflictDoUpdate({ target: tenants.id, ...replaceIfChanged(tenants, ['id']) });
  return requireTenant(db, fields.id);
}

export async function getTenant(db: Database, tenantId: string): Promise<Tenant | undefined> {
  const [tenant] = await db.select(publicColumns).from(tenants).where(eq(tenants.id, tenantId));
  return tenant;
}

export async function requireTenant(db: Database, tenantId: string): Promise<Tenant> {
  const tenant = await getTenant(db, tenantId);
  if (!tenant) throw new UnknownTenantError(tenantId);
  return tenant;
}

/**
 * When the tenant's row last changed (any field, a rotated secret included): a worker compares it
 * with the one its Zoom client was built from, and rebuilds the client when it moved.
 */
export async function getTenantVersion(db: Database, tenantId: string): Promise<Date> {
  const [row] = await db.select({ updatedAt: tenants.updatedAt }).from(tenants).where(eq(tenants.id, tenantId));
  if (!row) throw new UnknownTenantError(tenantId);
  return row.updatedAt;
}

/** Every tenant: the one query not scoped to a tenant, since it is how the tenants are found. */
export async function listTenants(db: Database): Promise<Tenant[]> {
  return db.select(publicColumns).from(tenants).orderBy(asc(tenants.id));
}

/** The tenant's Zoom credentials in clear, for the Zoom client and webhook verification only: never log the result. */
export async function getTenantCredentials(db: Database, secrets: SecretBox, tenantId: string): Promise<TenantCredentials> {
  const [row] = await db
    .select({
      zoomAccountId: tenants.zoomAccountId,
      zoomClientId: tenants.zoomClientId,
      secret: tenants.zoomClientSecretSealed,
      token: tenants.webhookSecretTokenSealed,
    })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  if (!row) throw new UnknownTenantError(tenantId);
  return {
    zoomAccountId: row.zoomAccountId,
    zoomClientId: row.zoomClientId,
    zoomClientSecret: secrets.open(row.secret, secretContext(tenantId, 'client_secret')),
    ...(row.token ? { webhookSecretToken: secrets.open(row.token, secretContext(tenantId, 'webhook_secret_token')) } : {}),
  };
}
