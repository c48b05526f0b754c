import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../src/db/client.js';
import { beginReconciliationRun, listReconciliationItems, reconciliationCounts, setItemOutcome, upsertReconciliationItems, type FoundItem } from '../../src/db/queries/reconciliation.js';
import { upsertTenant } from '../../src/db/queries/tenants.js';
import { createSecretBox } from '../../src/security/secrets.js';
import { createTestDatabase, type TestDatabase } from '../harness/index.js';

// Phone reconciliation items on PostgreSQL (storage layer only): a call is an item of each day it
// is reconciled for, and the legs Zoom lists as separate history rows of one call id are merged
// into that day's item instead of overwriting one another.

let database: TestDatabase;
let db: OpenDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  db = await openDatabase({ url: database.url });
  await upsertTenant(db.db, createSecretBox(randomBytes(32).toString('base64')), {
    id: 'acme', name: 'Acme', zoomAccountId: 'acct-acme', zoomClientId: 'client-acme', zoomClientSecret: 'client-secret-of-acme-Zx9', plan: 'business', internalNumberPatterns: [],
  });
}, 60_000);

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

const leg = (historyUuid: string, startTime: string, recorded: boolean): FoundItem => ({
  platformCallId: 'call-1',
  facts: { zoomId: historyUuid, startTime, recorded, knownUserIds: [], legUuids: [historyUuid], call: { call_id: 'call-1', call_history_uuid: historyUuid } },
});

describe('phone reconciliation items (storage layer only)', () => {
  it('keeps a call across midnight as an item of each day, with its own outcome', async () => {
    const before = { family: 'phone' as const, day: '2026-06-13' };
    const after = { family: 'phone' as const, day: '2026-06-14' };
    await beginReconciliationRun(db.db, 'acme', before);
    await beginReconciliationRun(db.db, 'acme', after);
    await upsertReconciliationItems(db.db, 'acme', before, [leg('20260613-a', '2026-06-13T23:55:00Z', false)]);
    await upsertReconciliationItems(db.db, 'acme', after, [leg('20260614-b', '2026-06-14T00:05:00Z', true)]);
    await setItemOutcome(db.db, 'acme', before, 'call-1', { outcome: 'not_recorded', reason: 'not recorded', failedCdrs: 1 });

    const first = await listReconciliationItems(db.db, 'acme', before);
    const second = await listReconciliationItems(db.db, 'acme', after);
    expect(first.map((i) => [i.day, i.outcome, i.facts.legUuids])).toEqual([['2026-06-13', 'not_recorded', ['20260613-a']]]);
    expect(second.map((i) => [i.day, i.outcome, i.facts.legUuids])).toEqual([['2026-06-14', 'unchecked', ['20260614-b']]]);
    expect(await reconciliationCounts(db.db, 'acme', before)).toMatchObject({ found: 1, notRecorded: 1, failedCdrs: 1 });
    expect(await reconciliationCounts(db.db, 'acme', after)).toMatchObject({ found: 1, checked: 0 });
  });

  it('merges the legs of one call on a day: every history uuid kept, recorded when one leg is, the first leg\'s row stays', async () => {
    const day = { family: 'phone' as const, day: '2026-06-12' };
    await beginReconciliationRun(db.db, 'acme', day);
    // Two legs in one batch, a third found by the next listing (recording_status=non_recorded).
    await upsertReconciliationItems(db.db, 'acme', day, [leg('20260612-a', '2026-06-12T10:00:00Z', false), leg('20260612-b', '2026-06-12T10:02:00Z', true)]);
    await upsertReconciliationItems(db.db, 'acme', day, [leg('20260612-c', '2026-06-12T10:05:00Z', false)]);
    const [item, ...rest] = await listReconciliationItems(db.db, 'acme', day);
    expect(rest).toEqual([]);
    expect([...(item!.facts.legUuids ?? [])].sort()).toEqual(['20260612-a', '20260612-b', '20260612-c']);
    expect(item!.facts.recorded).toBe(true);
    expect(item!.facts.call).toEqual({ call_id: 'call-1', call_history_uuid: '20260612-a' });
  });
});
