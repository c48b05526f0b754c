import type { Dispatcher } from 'undici';
import type { Database } from '../db/client.js';
import { pacingStore } from '../db/queries/api-pacing.js';
import { recordApiUsage } from '../db/queries/api-usage.js';
import { getTenantCredentials, getTenantVersion, requireTenant } from '../db/queries/tenants.js';
import type { SecretBox } from '../security/secrets.js';
import { createZoomClient, resolveRateLimits, SharedRateLimiter, type Clock, type ZoomClient } from '../zoom/index.js';

/**
 * One Zoom client per tenant and worker process: its token cache is shared by every activity of the
 * tenant that runs here, and its pacing by every worker process (SharedRateLimiter on the database:
 * Zoom's limits are per account). Built from the tenant's row on first use, and built again when the
 * row changes (a rotated secret, another plan, new hosts or proxy), so a running worker follows
 * `tenants apply` within `freshnessMs` without a restart.
 */
export interface ZoomClients {
  /**
   * `dailyQuotaShare`: a client whose heavy calls stop once the account's count of the day reaches
   * that share of the daily quota (reconciliation's; src/zoom/shared-rate-limiter.ts).
   */
  forTenant(tenantId: string, options?: { dailyQuotaShare?: number }): Promise<ZoomClient>;
  /** Adds the calls counted since the last flush to the tenant's stored API usage. */
  flushUsage(tenantId: string): Promise<void>;
  close(): Promise<void>;
}

export interface ZoomClientsOptions {
  dispatcher?: Dispatcher;
  /** How long a client is used before the tenant's row is checked for changes again. */
  freshnessMs?: number;
  now?: () => number;
  /** The clock the shared pacer counts the UTC day by (tests that move Zoom's day move this too). */
  limiterClock?: Clock;
}

/** 15 s: a changed secret is used within seconds, at the cost of one indexed read per tenant per 15 s. */
const DEFAULT_FRESHNESS_MS = 15_000;

interface Entry {
  tenantId: string;
  client: ZoomClient;
  /** The tenant row's updated_at the client was built from. */
  version: number;
  checkedAt: number;
}

export function createZoomClients(db: Database, secrets: SecretBox, options: ZoomClientsOptions = {}): ZoomClients {
  const freshnessMs = options.freshnessMs ?? DEFAULT_FRESHNESS_MS;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  // One refresh per tenant at a time: concurrent activities wait for the same one.
  const refreshing = new Map<string, Promise<ZoomClient>>();

  const build = async (tenantId: string, dailyQuotaShare: number | undefined): Promise<ZoomClient> => {
    const tenant = await requireTenant(db, tenantId);
    const credentials = await getTenantCredentials(db, secrets, tenantId);
    return createZoomClient(
      {
        tenantId,
        accountId: credentials.zoomAccountId,
        clientId: credentials.zoomClientId,
        clientSecret: credentials.zoomClientSecret,
        ...(credentials.webhookSecretToken ? { webhookSecretToken: credentials.webhookSecretToken } : {}),
        plan: tenant.plan,
        apiBaseUrl: tenant.zoomApiBaseUrl,
        oauthTokenUrl: tenant.zoomOauthTokenUrl,
        ...(tenant.proxyUrl ? { proxyUrl: tenant.proxyUrl } : {}),
        ...(tenant.allowedDownloadHosts.length > 0 ? { downloadHosts: tenant.allowedDownloadHosts } : {}),
      },
      {
        ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
        rateLimiter: new SharedRateLimiter({
          store: pacingStore(db, tenantId),
          profile: resolveRateLimits(tenant.plan, tenant.options.zoomDailyQuota ? { dailyHeavy: tenant.options.zoomDailyQuota } : undefined),
          ...(options.limiterClock ? { clock: options.limiterClock } : {}),
          ...(dailyQuotaShare !== undefined ? { dailyQuotaShare } : {}),
        }),
        // A secret rotated while this client is cached (up to freshnessMs) is picked up at Zoom's first refusal.
        reloadCredentials: async () => {
          const current = await getTenantCredentials(db, secrets, tenantId);
          return { clientId: current.zoomClientId, clientSecret: current.zoomClientSecret };
        },
      },
    );
  };

  /** Keeps the old client's counted calls, then lets its in-flight requests (a long download) finish before it closes. */
  const retire = async (tenantId: string, client: ZoomClient) => {
    await recordApiUsage(db, tenantId, client.usage.drain());
    void client.close().catch(() => undefined);
  };

  const refresh = async (tenantId: string, dailyQuotaShare: number | undefined, key: string): Promise<ZoomClient> => {
    const version = (await getTenantVersion(db, tenantId)).getTime();
    const current = entries.get(key);
    if (current && current.version === version) {
      current.checkedAt = now();
      return current.client;
    }
    const client = await build(tenantId, dailyQuotaShare);
    entries.set(key, { tenantId, client, version, checkedAt: now() });
    if (current) await retire(tenantId, current.client);
    return client;
  };

  return {
    forTenant(tenantId, options = {}) {
      const share = options.dailyQuotaShare;
      const key = share === undefined ? tenantId : `${tenantId}#share=${share}`;
      const current = entries.get(key);
      if (current && now() - current.checkedAt < freshnessMs) return Promise.resolve(current.client);
      let pending = refreshing.get(key);
      if (!pending) {
        pending = refresh(tenantId, share, key).finally(() => refreshing.delete(key));
        refreshing.set(key, pending);
      }
      return pending;
    },
    async flushUsage(tenantId) {
      for (const entry of entries.values()) {
        if (entry.tenantId === tenantId) await recordApiUsage(db, tenantId, entry.client.usage.drain());
      }
    },
    async close() {
      await Promise.allSettled(refreshing.values());
      for (const [key, entry] of entries) {
        entries.delete(key);
        await recordApiUsage(db, entry.tenantId, entry.client.usage.drain()).catch(() => undefined);
        await entry.client.close();
      }
    },
  };
}
