/** Starts the Zoom simulator and builds clients of its tenants (test support, not a test file). */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { startSimulator, type SimTenantCredentials } from '../../src/simulator/index.js';
import { createZoomClient, type ZoomClient, type ZoomClientDeps, type ZoomTenantConfigInput } from '../../src/zoom/index.js';

export type Simulator = Awaited<ReturnType<typeof startSimulator>>;
export { startSimulator };

export function clientFor(tenant: SimTenantCredentials, over: Partial<ZoomTenantConfigInput> = {}, deps: ZoomClientDeps = {}): ZoomClient {
  return createZoomClient(
    {
      tenantId: `sim-${tenant.accountId.slice(0, 8)}`,
      accountId: tenant.accountId,
      clientId: tenant.clientId,
      clientSecret: tenant.clientSecret,
      webhookSecretToken: tenant.webhookSecretToken,
      plan: tenant.plan,
      apiBaseUrl: tenant.apiBaseUrl,
      oauthTokenUrl: tenant.oauthTokenUrl,
      downloadHosts: [new URL(tenant.downloadBaseUrl).hostname],
      ...over,
    },
    { retry: { serverBackoffMs: 20 }, ...deps },
  );
}

export async function sha256Of(stream: Readable): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}
