import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createZoomClients } from '../../src/activities/zoom-clients.js';
import { openDatabase, type OpenDatabase } from '../../src/db/client.js';
import { UnknownTenantError } from '../../src/db/errors.js';
import { upsertTenant, type TenantInput } from '../../src/db/queries/tenants.js';
import { createSecretBox } from '../../src/security/secrets.js';
import { createTestDatabase, type TestDatabase } from '../harness/index.js';

// A worker's Zoom clients follow the tenant's row (a rotated secret, another plan) within the
// freshness window, on a real PostgreSQL database and a controlled clock.

let database: TestDatabase;
let db: OpenDatabase;
const secrets = createSecretBox(randomBytes(32).toString('base64'));
const acme: TenantInput = { id: 'acme', name: 'Acme', zoomAccountId: 'acc', zoomClientId: 'cid', zoomClientSecret: 'first-secret', plan: 'pro' };

beforeAll(async () => {
  database = await createTestDatabase();
  db = await openDatabase({ url: database.url });
  await upsertTenant(db.db, secrets, acme);
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

describe('Zoom clients per tenant', () => {
  it('reuses a client within the freshness window, and builds a new one once the row changed', async () => {
    let now = 1_000_000;
    const clients = createZoomClients(db.db, secrets, { freshnessMs: 15_000, now: () => now });
    const first = await clients.forTenant('acme');
    expect(await clients.forTenant('acme')).toBe(first);

    // Checked again after the window, nothing changed: the same client (its token cache and pacing kept).
    now += 15_000;
    expect(await clients.forTenant('acme')).toBe(first);

    // A rotated secret and another plan: still the old client inside the window, a new one after it.
    await upsertTenant(db.db, secrets, { ...acme, zoomClientSecret: 'second-secret', plan: 'business' });
    now += 14_999;
    expect(await clients.forTenant('acme')).toBe(first);
    now += 2;
    const second = await clients.forTenant('acme');
    expect(second).not.toBe(first);
    expect(second.config.plan).toBe('business');

    // Concurrent activities after the window share one refresh.
    await upsertTenant(db.db, secrets, { ...acme, zoomClientSecret: 'third-secret' });
    now += 15_000;
    const [a, b, c] = await Promise.all([clients.forTenant('acme'), clients.forTenant('acme'), clients.forTenant('acme')]);
    expect(a).not.toBe(second);
    expect(b).toBe(a);
    expect(c).toBe(a);
    await clients.close();
  });

  it('refuses a tenant that is not in the database', async () => {
    const clients = createZoomClients(db.db, secrets);
    await expect(clients.forTenant('nobody')).rejects.toThrow(UnknownTenantError);
    await clients.close();
  });
});
