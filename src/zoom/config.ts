/**
 * Per-tenant configuration of the Zoom client, validated once at the edge.
 * Rate limits are configuration (Zoom changes them per plan and over time): the plan picks a profile
 * from REFERENCE §8 and `rateLimits` overrides any part of it.
 */
import { z } from 'zod';

export const RATE_CATEGORIES = ['light', 'medium', 'heavy', 'resource-intensive'] as const;
export type RateCategory = (typeof RATE_CATEGORIES)[number];

/** Zoom publishes one limit table for Meetings/Users/Accounts/Dashboards and another for Phone. */
export const API_FAMILIES = ['meetings', 'phone'] as const;
export type ApiFamily = (typeof API_FAMILIES)[number];

export type ZoomPlan = 'pro' | 'business';

/** `limit` requests per `intervalMs`. */
export interface RateRule {
  limit: number;
  intervalMs: number;
}

export interface RateLimitProfile {
  meetings: Record<RateCategory, RateRule>;
  phone: Record<RateCategory, RateRule>;
  /** Heavy + resource-intensive share one daily quota per family (reset 00:00 UTC). */
  dailyHeavy: Record<ApiFamily, number>;
  /** Pace at this share of the published limits so the steady state never draws a 429. */
  share: number;
}

const perSecond = (limit: number): RateRule => ({ limit, intervalMs: 1000 });
const perMinute = (limit: number): RateRule => ({ limit, intervalMs: 60_000 });

/** REFERENCE §8.1 / §8.2 (Zoom "Rate limits" page, snapshot 2026-02). */
export const PLAN_RATE_LIMITS: Record<ZoomPlan, RateLimitProfile> = {
  pro: {
    meetings: { light: perSecond(30), medium: perSecond(20), heavy: perSecond(10), 'resource-intensive': perMinute(10) },
    phone: { light: perSecond(20), medium: perSecond(10), heavy: perSecond(5), 'resource-intensive': perMinute(5) },
    dailyHeavy: { meetings: 30_000, phone: 15_000 },
    share: 0.8,
  },
  business: {
    meetings: { light: perSecond(80), medium: perSecond(60), heavy: perSecond(40), 'resource-intensive': perMinute(20) },
    phone: { light: perSecond(40), medium: perSecond(20), heavy: perSecond(10), 'resource-intensive': perMinute(10) },
    dailyHeavy: { meetings: 60_000, phone: 30_000 },
    share: 0.8,
  },
};

const rateRuleSchema = z.object({ limit: z.number().positive(), intervalMs: z.number().int().positive() });
const categoryOverridesSchema = z
  .object({ light: rateRuleSchema, medium: rateRuleSchema, heavy: rateRuleSchema, 'resource-intensive': rateRuleSchema })
  .partial();

export const rateLimitOverridesSchema = z.object({
  meetings: categoryOverridesSchema.optional(),
  phone: categoryOverridesSchema.optional(),
  dailyHeavy: z.object({ meetings: z.number().int().positive(), phone: z.number().int().positive() }).partial().optional(),
  share: z.number().gt(0).max(1).optional(),
});
export type RateLimitOverrides = z.infer<typeof rateLimitOverridesSchema>;

/** Zoom serves downloads from zoom.us and its subdomains (zoomgov.com for government accounts). */
export const DEFAULT_DOWNLOAD_HOSTS = ['zoom.us', '*.zoom.us', 'zoomgov.com', '*.zoomgov.com'];

export const zoomTenantConfigSchema = z.object({
  /** Our slug of the tenant: names it in errors, logs and counters. */
  tenantId: z.string().min(1),
  accountId: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  webhookSecretToken: z.string().min(1).optional(),
  plan: z.enum(['pro', 'business']),
  apiBaseUrl: z.url().default('https://api.zoom.us/v2'),
  oauthTokenUrl: z.url().default('https://zoom.us/oauth/token'),
  proxyUrl: z.url().optional(),
  /** Host patterns a download URL (and its redirects) may point to; `*.` matches any subdomain. */
  downloadHosts: z.array(z.string().min(1)).min(1).optional(),
  rateLimits: rateLimitOverridesSchema.optional(),
});

export type ZoomTenantConfigInput = z.input<typeof zoomTenantConfigSchema>;
export type ZoomTenantConfig = z.output<typeof zoomTenantConfigSchema>;

/** Parses a tenant configuration; the error lists fields, never values (secrets stay out of logs). */
export function parseZoomTenantConfig(input: unknown): ZoomTenantConfig {
  const result = zoomTenantConfigSchema.safeParse(input);
  if (!result.success) {
    const fields = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`Invalid Zoom tenant configuration: ${fields}`);
  }
  return result.data;
}

export function resolveRateLimits(plan: ZoomPlan, overrides: RateLimitOverrides | undefined): RateLimitProfile {
  const base = PLAN_RATE_LIMITS[plan];
  return {
    meetings: { ...base.meetings, ...overrides?.meetings },
    phone: { ...base.phone, ...overrides?.phone },
    dailyHeavy: { ...base.dailyHeavy, ...overrides?.dailyHeavy },
    share: overrides?.share ?? base.share,
  };
}

export function hostAllowed(host: string, patterns: readonly string[]): boolean {
  const h = host.toLowerCase();
  return patterns.some((raw) => {
    const p = raw.toLowerCase();
    return p.startsWith('*.') ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : h === p;
  });
}
