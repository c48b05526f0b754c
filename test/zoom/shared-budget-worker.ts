/**
 * One worker process of shared-budget.sim.test.ts (test support, not a test file). It builds the
 * tenant's Zoom client from the tenant's row, prints `ready`, waits for `go` on stdin, makes CALLS
 * medium calls (GET /users, one page each) CONCURRENCY at a time, and prints `result {json}`.
 *
 * PACING=shared: the client exactly as a worker builds it (createZoomClients: pacing shared through
 * the database). PACING=local: the same client with a pacer of its own, as every worker had before.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createZoomClients } from '../../src/activities/zoom-clients.js';
import { openDatabase } from '../../src/db/client.js';
import { getTenantCredentials, requireTenant } from '../../src/db/queries/tenants.js';
import { createSecretBox } from '../../src/security/secrets.js';
import { createZoomClient, type ZoomClient } from '../../src/zoom/index.js';

const { DATABASE_URL, ARCHIVER_SECRET_KEY, TENANT_ID, PACING, CALLS, CONCURRENCY } = process.env;
if (!DATABASE_URL || !TENANT_ID || (PACING !== 'shared' && PACING !== 'local')) throw new Error('DATABASE_URL, TENANT_ID and PACING=shared|local are required');

const database = await openDatabase({ url: DATABASE_URL });
const secrets = createSecretBox(ARCHIVER_SECRET_KEY);
const clients = createZoomClients(database.db, secrets);

async function localClient(tenantId: string): Promise<ZoomClient> {
  const tenant = await requireTenant(database.db, tenantId);
  const credentials = await getTenantCredentials(database.db, secrets, tenantId);
  return createZoomClient({
    tenantId,
    accountId: credentials.zoomAccountId,
    clientId: credentials.zoomClientId,
    clientSecret: credentials.zoomClientSecret,
    plan: tenant.plan,
    apiBaseUrl: tenant.zoomApiBaseUrl,
    oauthTokenUrl: tenant.zoomOauthTokenUrl,
  });
}

const client = PACING === 'shared' ? await clients.forTenant(TENANT_ID) : await localClient(TENANT_ID);
// The token first, so that only the calls under test go out after `go`.
await client.tokens.getToken();

const lines = createInterface({ input: process.stdin });
const go = once(lines, 'line');
process.stdout.write('ready\n');
await go;

const calls = Number(CALLS);
let started = 0;
let ok = 0;
const errors: string[] = [];
await Promise.all(
  Array.from({ length: Number(CONCURRENCY) }, async () => {
    while (started < calls) {
      started++;
      try {
        await client.listUsers().toArray();
        ok++;
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
  }),
);
process.stdout.write(`result ${JSON.stringify({ ok, errors })}\n`);

lines.close();
if (PACING === 'local') await client.close();
await clients.close();
await database.close();
