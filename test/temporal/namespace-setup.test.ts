import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../src/db/client.js';
import { upsertTenant, type TenantInput } from '../../src/db/queries/tenants.js';
import { tenants } from '../../src/db/schema/index.js';
import { startDevServer, type RunningDevServer } from '../../src/local/temporal-dev-server.js';
import { applyTenantSchedules, syncSchedules, type ScheduleChanges } from '../../src/schedules/tenant-schedules.js';
import { createSecretBox } from '../../src/security/secrets.js';
import { ensureSearchAttributes, SearchAttributesError } from '../../src/temporal/search-attributes-setup.js';
import { allSearchAttributes } from '../../src/workflows/search-attributes.js';
import { eq } from 'drizzle-orm';
import { createTestDatabase, uniqueSuffix, type TestDatabase } from '../harness/index.js';

// The start-up step every process runs (worker, API, CLI, npm start) on a Temporal server of this
// file's own that starts as a fresh cluster does: no search attributes, no schedules.

let server: RunningDevServer;
let connection: Connection;
let client: Client;
let database: TestDatabase;
let db: OpenDatabase;
const secrets = createSecretBox(randomBytes(32).toString('base64'));
const taskQueue = `schedules-${uniqueSuffix()}`;

beforeAll(async () => {
  server = await startDevServer({ registerSearchAttributes: false });
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection, namespace: server.namespace });
  database = await createTestDatabase();
  db = await openDatabase({ url: database.url });
});

afterAll(async () => {
  await connection?.close();
  await db?.close();
  await database?.drop();
  await server?.stop();
});

const customAttributes = async (namespace: string) => (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};

describe('search attributes', () => {
  it('registers the missing ones once, even when several processes start at the same time', async () => {
    const wanted = allSearchAttributes.map((k) => k.name);
    expect(Object.keys(await customAttributes(server.namespace))).not.toContain('ZoomTenant');
    const added = await Promise.all([1, 2, 3].map(() => ensureSearchAttributes(connection, server.namespace)));
    expect(added.flat().every((name) => wanted.includes(name))).toBe(true);
    expect(added.flat().length).toBeGreaterThanOrEqual(wanted.length);
    const present = await customAttributes(server.namespace);
    for (const name of wanted) expect(present[name], name).toBeDefined();
    expect(await ensureSearchAttributes(connection, server.namespace)).toEqual([]);
  });

  it('refuses an attribute of the wrong type and names it', async () => {
    const namespace = `wrong-type-${uniqueSuffix()}`;
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    // TEXT (1) where the archiver needs KEYWORD.
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: { ZoomTenant: 1 } });
    const attempt = ensureSearchAttributes(connection, namespace);
    await expect(attempt).rejects.toThrow(SearchAttributesError);
    await expect(attempt).rejects.toThrow(/ZoomTenant.*another type.*ZoomTenant=KEYWORD/);
  });

  it('fails with the attributes, their types and how to add them when the namespace does not exist or refuses', async () => {
    const namespace = `missing-${uniqueSuffix()}`;
    await expect(ensureSearchAttributes(connection, namespace)).rejects.toThrow(
      new RegExp(`ZoomTenant=KEYWORD, ZoomSource=KEYWORD, ZoomMeetingUuid=KEYWORD, ZoomCallId=KEYWORD, ZoomState=KEYWORD on namespace '${namespace}'.*tcld namespace search-attributes add`),
    );
  });
});

describe('schedules follow the database', () => {
  const tenant = (id: string, overrides: Partial<TenantInput> = {}): TenantInput => ({
    id, name: id, zoomAccountId: 'acc', zoomClientId: 'cid', zoomClientSecret: 'secret',
    archivingEnabled: true, cloudRecordingsEnabled: false, pollIntervalSeconds: 300,
    // The daily reconciliation's and the CSV drop folder's schedules have their own tests below.
    options: { deleteAfterArchive: false, reconciliation: { enabled: false }, recovery: { csvIntake: false } }, ...overrides,
  });
  const sorted = (c: ScheduleChanges) => ({ created: c.created.sort(), updated: c.updated.sort(), deleted: c.deleted.sort(), unchanged: c.unchanged.sort() });
  const ids = { acmeArchiving: 'sync:acme:archiving', acmeCloud: 'sync:acme:cloud_recordings', betaArchiving: 'sync:beta:archiving' };

  it('creates, leaves alone, updates (a paused one stays paused) and deletes, and concurrent callers agree', async () => {
    await upsertTenant(db.db, secrets, tenant('acme'));
    await upsertTenant(db.db, secrets, tenant('beta'));

    // Two processes starting at once (a worker and the API): one creates, the other finds it made.
    const first = await Promise.all([syncSchedules(client, db.db, { taskQueue }), syncSchedules(client, db.db, { taskQueue })]);
    const created = first.flatMap((c) => c.created).sort();
    const unchanged = first.flatMap((c) => c.unchanged).sort();
    expect([...created, ...unchanged].sort()).toEqual([ids.acmeArchiving, ids.acmeArchiving, ids.betaArchiving, ids.betaArchiving]);
    expect(created).toEqual([ids.acmeArchiving, ids.betaArchiving]);
    expect(first.flatMap((c) => [...c.updated, ...c.deleted])).toEqual([]);

    expect(sorted(await syncSchedules(client, db.db, { taskQueue }))).toEqual({ created: [], updated: [], deleted: [], unchanged: [ids.acmeArchiving, ids.betaArchiving] });

    // Ops paused acme's; the tenant's interval changes and cloud recordings are turned on.
    await client.schedule.getHandle(ids.acmeArchiving).pause('ops: Zoom maintenance');
    await upsertTenant(db.db, secrets, tenant('acme', { pollIntervalSeconds: 120, cloudRecordingsEnabled: true }));
    expect(sorted(await syncSchedules(client, db.db, { taskQueue }))).toEqual({ created: [ids.acmeCloud], updated: [ids.acmeArchiving], deleted: [], unchanged: [ids.betaArchiving] });
    const acme = await client.schedule.getHandle(ids.acmeArchiving).describe();
    expect(acme.spec.intervals?.[0]?.every).toBe(120_000);
    expect(acme.state.paused).toBe(true);
    expect(acme.state.note).toBe('ops: Zoom maintenance');
    expect((await client.schedule.getHandle(ids.acmeCloud).describe()).spec.intervals?.[0]?.every).toBe(120_000);

    // Archiving turned off for acme; beta removed from the database.
    await upsertTenant(db.db, secrets, tenant('acme', { pollIntervalSeconds: 120, cloudRecordingsEnabled: true, archivingEnabled: false }));
    await db.db.delete(tenants).where(eq(tenants.id, 'beta'));
    // Another deployment's schedule of a tenant this database does not know, on its own task queue: not ours.
    await applyTenantSchedules(client, await upsertTenant(db.db, secrets, tenant('gamma')), { taskQueue: `${taskQueue}-staging` });
    await db.db.delete(tenants).where(eq(tenants.id, 'gamma'));
    // Schedules are listed through visibility, which lags a little behind.
    await expect.poll(async () => {
      const listed: string[] = [];
      for await (const s of client.schedule.list()) listed.push(s.scheduleId);
      return listed.sort();
    }, { timeout: 15_000 }).toEqual([ids.acmeArchiving, ids.acmeCloud, ids.betaArchiving, 'sync:gamma:archiving']);

    expect(sorted(await syncSchedules(client, db.db, { taskQueue }))).toEqual({ created: [], updated: [], deleted: [ids.acmeArchiving, ids.betaArchiving], unchanged: [ids.acmeCloud] });
    await expect(client.schedule.getHandle('sync:gamma:archiving').describe()).resolves.toBeDefined();
  });

  it('gives Zoom Phone its own schedule, sync:<tenant>:phone, running phoneSync; turning phone off deletes it', async () => {
    const delta = await upsertTenant(db.db, secrets, tenant('delta', { archivingEnabled: false, phoneEnabled: true, pollIntervalSeconds: 600 }));
    const changes = await applyTenantSchedules(client, delta, { taskQueue });
    expect(changes.created).toEqual(['sync:delta:phone']);
    const phone = await client.schedule.getHandle('sync:delta:phone').describe();
    expect(phone.action).toMatchObject({ type: 'startWorkflow', workflowType: 'phoneSync', taskQueue, args: [{ tenantId: 'delta' }] });
    expect(phone.spec.intervals?.[0]?.every).toBe(600_000);

    const off = await applyTenantSchedules(client, await upsertTenant(db.db, secrets, tenant('delta', { archivingEnabled: false, phoneEnabled: false })), { taskQueue });
    expect(off.deleted).toEqual(['sync:delta:phone']);
    await expect(client.schedule.getHandle('sync:delta:phone').describe()).rejects.toThrow();
  });

  it('gives each importing tenant a daily reconciliation, reconcile:<tenant>, at its UTC hour; it follows the options and the tenant', async () => {
    const options = (reconciliation: object) => ({ options: { deleteAfterArchive: false, reconciliation, recovery: { csvIntake: false } } });
    const epsilon = await upsertTenant(db.db, secrets, tenant('epsilon', options({ hourUtc: 3 })));
    expect((await applyTenantSchedules(client, epsilon, { taskQueue })).created).toEqual(['sync:epsilon:archiving', 'reconcile:epsilon']);
    const daily = await client.schedule.getHandle('reconcile:epsilon').describe();
    expect(daily.action).toMatchObject({ type: 'startWorkflow', workflowType: 'reconcileDays', taskQueue, args: [{ tenantId: 'epsilon' }] });
    expect(daily.spec.calendars?.[0]).toMatchObject({ hour: [{ start: 3, end: 3, step: 1 }], minute: [{ start: 0, end: 0, step: 1 }] });

    // Another hour updates it; turned off, it goes; a tenant that imports nothing has none.
    expect((await applyTenantSchedules(client, await upsertTenant(db.db, secrets, tenant('epsilon', options({ hourUtc: 5 }))), { taskQueue })).updated).toEqual(['reconcile:epsilon']);
    expect((await client.schedule.getHandle('reconcile:epsilon').describe()).spec.calendars?.[0]?.hour).toEqual([{ start: 5, end: 5, step: 1 }]);
    expect((await applyTenantSchedules(client, await upsertTenant(db.db, secrets, tenant('epsilon', options({ enabled: false }))), { taskQueue })).deleted).toEqual(['reconcile:epsilon']);
    const silent = await applyTenantSchedules(client, await upsertTenant(db.db, secrets, tenant('zeta', { archivingEnabled: false, ...options({}) })), { taskQueue });
    expect(silent.created).toEqual([]);
  });

  it('gives each tenant importing meetings a CSV drop-folder reader, csv:<tenant>, every minute; it follows the options', async () => {
    const options = (recovery: object) => ({ options: { deleteAfterArchive: false, reconciliation: { enabled: false }, recovery } });
    const eta = await upsertTenant(db.db, secrets, tenant('eta', options({})));
    expect((await applyTenantSchedules(client, eta, { taskQueue })).created).toEqual(['sync:eta:archiving', 'csv:eta']);
    const reader = await client.schedule.getHandle('csv:eta').describe();
    expect(reader.action).toMatchObject({ type: 'startWorkflow', workflowType: 'csvIntake', taskQueue, args: [{ tenantId: 'eta' }] });
    expect(reader.spec.intervals?.[0]?.every).toBe(60_000);

    expect((await applyTenantSchedules(client, await upsertTenant(db.db, secrets, tenant('eta', options({ csvPollSeconds: 30 }))), { taskQueue })).updated).toEqual(['csv:eta']);
    expect((await client.schedule.getHandle('csv:eta').describe()).spec.intervals?.[0]?.every).toBe(30_000);
    expect((await applyTenantSchedules(client, await upsertTenant(db.db, secrets, tenant('eta', options({ csvIntake: false }))), { taskQueue })).deleted).toEqual(['csv:eta']);
    // CSV files list meetings: a phone-only tenant has no reader.
    const theta = await applyTenantSchedules(client, await upsertTenant(db.db, secrets, tenant('theta', { archivingEnabled: false, phoneEnabled: true, ...options({}) })), { taskQueue });
    expect(theta.created).toEqual(['sync:theta:phone']);
  });
});
