import { sql } from 'drizzle-orm';
import { boolean, check, integer, jsonb, pgEnum, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { lifecycleDates } from './columns.js';

export const ZOOM_PLANS = ['pro', 'business'] as const;
export const zoomPlan = pgEnum('zoom_plan', ZOOM_PLANS);

/** What a recorded user's recordings are archived as (DESIGN "CDR fields"). */
export const MODALITIES = ['voice', 'video', 'screen'] as const;
export type Modality = (typeof MODALITIES)[number];
export const modality = pgEnum('modality', MODALITIES);

/** Per-tenant switches that are not worth a column each. */
export interface TenantOptions {
  /** Move a meeting's recordings to Zoom's trash once every file is verified in storage. */
  deleteAfterArchive: boolean;
  /** How long a file is retried before it is marked failed (default: DEFAULT_FILE_RETRY_HOURS). */
  fileRetryHours?: number;
  /** Delete-after-archive waits this long after a meeting ends, so late files are still archived (default 24). */
  deleteGraceHours?: number;
  /** Delete-after-archive only logs what it would trash. */
  deleteDryRun?: boolean;
  /** How far before its watermark each Zoom Phone sync lists again, for recordings Zoom lists late (default 24). */
  phoneRelistHours?: number;
  /**
   * Zoom's daily quota of heavy calls for the account, per API family, when it is not the plan's
   * (Zoom raised it, or other apps of the account need part of it). Default: the plan's.
   */
  zoomDailyQuota?: { meetings?: number; phone?: number };
  /** The daily reconciliation of Zoom's logs with the archive (src/workflows/reconcile.ts). */
  reconciliation?: ReconciliationOptions;
  /** Support's recovery (src/workflows/recovery.ts) and its CSV drop folder. */
  recovery?: RecoveryOptions;
}

export interface RecoveryOptions {
  /** A sync that starts after a gap files a recovery of the gap itself (default on). */
  automatic?: boolean;
  /** How many poll intervals without a finished sync make a gap (default 3). */
  gapPolls?: number;
  /** Off: no schedule reads the tenant's CSV drop folder (default on). */
  csvIntake?: boolean;
  /** How often the drop folder is read (default 60 s). */
  csvPollSeconds?: number;
}

export interface ReconciliationOptions {
  /** Off: no daily schedule (on-demand runs still work). Default on. */
  enabled?: boolean;
  /** The UTC hour the daily run starts; it reconciles the day before and re-checks the one before that (default 2). */
  hourUtc?: number;
  /**
   * How much of Zoom's daily quota of heavy calls may be spent by the time reconciliation makes one,
   * the import's calls included (default 0.8: at least 20% stays for everything else).
   */
  quotaShare?: number;
  /** Which calls must have a recording: those Zoom marks as recorded (default), or every connected call. */
  phoneCallsExpected?: 'marked' | 'all';
  /** How meetings are found: by cost estimate (default), the account's dashboard, or each configured user's reports. */
  meetingPlan?: 'auto' | 'dashboard' | 'user_reports';
  /**
   * Fold the participants' QoS (heavy, 10 a page; Business+ dashboards only) into a 1–5 voice
   * quality on the meetings' CDRs, after everything else and within the quota share. Default off.
   */
  voiceQuality?: boolean;
}

/** A tenant slug: also the first segment of every storage key, so it must be path-safe. */
export const TENANT_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const tenants = pgTable(
  'tenants',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    zoomAccountId: text('zoom_account_id').notNull(),
    zoomClientId: text('zoom_client_id').notNull(),
    // Sealed by src/security/secrets.ts; never selected except by getTenantCredentials.
    zoomClientSecretSealed: text('zoom_client_secret_sealed').notNull(),
    webhookSecretTokenSealed: text('webhook_secret_token_sealed'),
    plan: zoomPlan('plan').notNull().default('pro'),
    // Zoom's hosts, or the simulator's: the same code talks to either by configuration alone.
    zoomApiBaseUrl: text('zoom_api_base_url').notNull().default('https://api.zoom.us/v2'),
    zoomOauthTokenUrl: text('zoom_oauth_token_url').notNull().default('https://zoom.us/oauth/token'),
    proxyUrl: text('proxy_url'),
    allowedDownloadHosts: text('allowed_download_hosts').array().notNull().default(sql`'{}'::text[]`),
    archivingEnabled: boolean('archiving_enabled').notNull().default(true),
    cloudRecordingsEnabled: boolean('cloud_recordings_enabled').notNull().default(false),
    phoneEnabled: boolean('phone_enabled').notNull().default(false),
    pollIntervalSeconds: integer('poll_interval_seconds').notNull().default(300),
    // Regular expressions over E.164 numbers or extensions: a call between two internal numbers is internal.
    internalNumberPatterns: text('internal_number_patterns').array().notNull().default(sql`'{}'::text[]`),
    options: jsonb('options').$type<TenantOptions>().notNull().default({ deleteAfterArchive: false }),
    ...lifecycleDates,
  },
  (t) => [
    check('tenants_id_is_slug', sql`${t.id} ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'`),
    check('tenants_poll_interval_positive', sql`${t.pollIntervalSeconds} > 0`),
  ],
);

/** The owning tenant; deleting a tenant removes everything it owns. */
export const tenantColumn = () =>
  text('tenant_id').notNull().references(() => tenants.id, { onDelete: 'cascade' });

export const recordedUsers = pgTable(
  'recorded_users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    zoomUserId: text('zoom_user_id').notNull(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    phoneExtension: text('phone_extension'),
    modality: modality('modality').notNull(),
    // Zoom's "record a separate audio file of each participant": archive the per-participant audio too.
    individualAudio: boolean('individual_audio').notNull().default(false),
    enabled: boolean('enabled').notNull().default(true),
    ...lifecycleDates,
  },
  (t) => [unique('recorded_users_tenant_zoom_user').on(t.tenantId, t.zoomUserId)],
);
