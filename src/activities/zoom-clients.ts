import type { Dispatcher } from 'undici';
import type { Database } from '../db/client.js';
import { recordApiUsage } from '../db/queries/api-usage.js';
import { getTenantCredentials, requireTenant } from '../db/queries/tenants.js';
import type { SecretBox } from '../security/secrets.js';
import { createZoomClient, type ZoomClient } from '../zoom/index.js';

/**
 * One Zoom client per tenant and worker process: its token cache and rate limiter are shared by
 * every activity of the tenant that runs here. Built from the tenant's row on first use.
 */
export interface ZoomClients {
  forTenant(tenantId: string): Promise<ZoomClient>;
  /** Adds the calls counted since the last flush to the tenant's stored API usage. */
  flushUsage(tenantId: string): Promise<void>;
  /** Drops a tenant's client (its configuration changed). */
  forget(tenantId: string): Promise<void>;
  close(): Promise<void>;
}

export function createZoomClients(db: Database, secrets: SecretBox, options: { dispatcher?: Dispatcher } = {}): ZoomClients {
  const clients = new Map<string, Promise<ZoomClient>>();

  const build = async (tenantId: string): Promise<ZoomClient> => {
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
      options.dispatcher ? { dispatcher: options.dispatcher } : {},
    );
  };

  return {
    forTenant(tenantId) {
      let client = clients.get(tenantId);
      if (!client) {
        client = build(tenantId);
        clients.set(tenantId, client);
        client.catch(() => clients.delete(tenantId));
      }
      return client;
    },
    async flushUsage(tenantId) {
      const client = clients.get(tenantId);
      if (client) await recordApiUsage(db, tenantId, (await client).usage.drain());
    },
    async forget(tenantId) {
      const client = clients.get(tenantId);
      clients.delete(tenantId);
      if (client) await (await client).close();
    },
    async close() {
      for (const tenantId of [...clients.keys()]) await this.forget(tenantId);
    },
  };
}
