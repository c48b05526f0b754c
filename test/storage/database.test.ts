import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addRecordedUser,
  cancelRecoveryRequest,
  fileRecoveryRequest,
  recoveryCounts,
  DuplicateRecordedUserError,
  getApiUsage,
  getMediaFile,
  getRecoveryRequest,
  getSyncState,
  getTenant,
  getTenantCredentials,
  InvalidInputError,
  listConversations,
  listMediaFiles,
  listReconciliationRuns,
  listRecordedUsers,
  listRecoveryItems,
  listSyncStates,
  listTenants,
  markMediaFileFailed,
  markMediaFileStored,
  markSyncFailed,
  markSyncFinished,
  markSyncRunning,
  openDatabase,
  recordApiUsage,
  updateRecoveryItem,
  beginReconciliationRun,
  listReconciliationItems,
  reconciliationCounts,
  setItemOutcome,
  upsertReconciliationItems,
  trackMediaFile,
  UnknownTenantError,
  updateReconciliationRun,
  upsertConversation,
  upsertRecordedUser,
  upsertTenant,
  type ConversationInput,
  type Database,
  type MediaFileInput,
  type OpenDatabase,
  type TenantInput,
} from '../../src/db/index.js';
import { createSecretBox } from '../../src/security/secrets.js';
import { createTestDatabase } from '../harness/index.js';

/** Rows of a raw query: postgres-js answers an array, PGlite an object with `rows`. */
const rowsOf = <T>(result: unknown): T[] => (result as { rows?: T[] }).rows ?? (result as T[]);

interface Backend {
  open(): Promise<OpenDatabase>;
  cleanup(): Promise<void>;
}

// Each backend opens the same fresh, empty database every time `open` is called.
const backends: Array<[string, () => Promise<Backend>]> = [
  ['PostgreSQL', async () => {
    const database = await createTestDatabase();
    return { open: () => openDatabase({ url: database.url }), cleanup: () => database.drop() };
  }],
  ['PGlite', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'za-pglite-'));
    return { open: () => openDatabase({ dataDir }), cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }],
];

const secrets = createSecretBox(randomBytes(32).toString('base64'));

const tenantInput = (id: string): TenantInput => ({
  id,
  name: `Tenant ${id}`,
  zoomAccountId: `acct-${id}`,
  zoomClientId: `client-${id}`,
  zoomClientSecret: `client-secret-of-${id}-Zx9`,
  webhookSecretToken: `webhook-token-of-${id}-Qw7`,
  plan: 'business',
  internalNumberPatterns: ['^\\+4930'],
});

const cdr = (overrides: Partial<ConversationInput> = {}): ConversationInput => ({
  sourcePlatform: 'Zoom Meeting',
  platformCallId: '/ajXp112QmuoKj4854875==',
  zoomMeetingId: '85746065432',
  recordedUserZoomId: 'u-alice',
  recordedUserName: 'Alice',
  startedAt: new Date('2024-03-09T10:00:00Z'),
  endedAt: new Date('2024-03-09T10:30:00Z'),
  durationSeconds: 1800,
  from: 'u-alice',
  fromInfo: 'Alice',
  to: 'Conference',
  toInfo: 'Weekly sync',
  direction: 'conference',
  userDirection: 'outgoing',
  conversationType: 'video',
  participants: [{ name: 'Alice', zoomUserId: 'u-alice', joinedAt: '2024-03-09T10:00:00Z', leftAt: '2024-03-09T10:30:00Z' }],
  location: 'worker-1',
  ...overrides,
});

const mediaFile = (zoomFileId: string): MediaFileInput => ({
  zoomFileId,
  sourcePlatform: 'Zoom Meeting',
  platformCallId: '/ajXp112QmuoKj4854875==',
  fileType: 'MP4',
  fileExtension: 'MP4',
  recordingType: 'shared_screen_with_speaker_view',
  recordingStartedAt: new Date('2024-03-09T10:00:00Z'),
  zoomSize: 1234,
  storageKey: `acme/meetings/2024/03/09/x/${zoomFileId}.mp4`,
});

describe.each(backends)('database on %s', (_name, makeBackend) => {
  let backend: Backend;
  let opened: OpenDatabase;
  let db: Database;

  beforeAll(async () => {
    backend = await makeBackend();
    opened = await backend.open();
    db = opened.db;
    await upsertTenant(db, secrets, tenantInput('acme'));
    await upsertTenant(db, secrets, tenantInput('globex'));
  });
  afterAll(async () => {
    await opened?.close();
    await backend?.cleanup();
  });

  it('migrates an empty database to every table, and opening again changes nothing', async () => {
    const names = rowsOf<{ table_name: string }>(await db.execute(sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`));
    expect(names.map((r) => r.table_name)).toEqual([
      'api_daily_quotas', 'api_keys', 'api_pacing', 'api_usage', 'audit_log', 'conversations', 'listed_calls', 'listed_meetings', 'media_files', 'meeting_people',
      'phone_recordings', 'reconciliation_items', 'reconciliation_runs', 'recorded_users', 'recovery_items', 'recovery_requests', 'sync_states', 'tenants', 'user_listing_states',
    ]);
    await opened.close();
    opened = await backend.open();
    db = opened.db;
    expect((await listTenants(db)).map((t) => t.id)).toEqual(['acme', 'globex']);
  });

  it('stores tenant secrets sealed: the clear text is nowhere in the row', async () => {
    const raw = await db.execute(sql`select * from tenants where id = 'acme'`);
    const text = JSON.stringify(raw);
    expect(text).toContain('acct-acme');
    expect(text).not.toContain('client-secret-of-acme');
    expect(text).not.toContain('webhook-token-of-acme');
    const tenant = await getTenant(db, 'acme');
    expect(tenant).toBeDefined();
    expect(Object.keys(tenant!)).not.toContain('zoomClientSecretSealed');
    expect(JSON.stringify(tenant)).not.toContain('client-secret-of-acme');
    expect(await getTenantCredentials(db, secrets, 'acme')).toEqual({
      zoomAccountId: 'acct-acme',
      zoomClientId: 'client-acme',
      zoomClientSecret: 'client-secret-of-acme-Zx9',
      webhookSecretToken: 'webhook-token-of-acme-Qw7',
    });
    await expect(getTenantCredentials(db, secrets, 'nobody')).rejects.toBeInstanceOf(UnknownTenantError);
  });

  it('applies the same tenant twice without a change, and a changed one with it', async () => {
    const before = await getTenant(db, 'acme');
    // updated_at to the microsecond (a Date keeps milliseconds): workers rebuild a tenant's Zoom
    // client when it moves, so it must stay put on no change and move on a change.
    const updatedAt = async () => rowsOf<{ t: string }>(await db.execute(sql`select updated_at::text as t from tenants where id = 'acme'`))[0]!.t;
    const stamp = await updatedAt();
    const again = await upsertTenant(db, secrets, tenantInput('acme'));
    expect(again).toEqual(before);
    expect(await updatedAt()).toBe(stamp);
    const changed = await upsertTenant(db, secrets, { ...tenantInput('acme'), zoomClientSecret: 'rotated', pollIntervalSeconds: 60 });
    expect(changed.pollIntervalSeconds).toBe(60);
    const moved = rowsOf<{ moved: boolean }>(await db.execute(sql`select updated_at > ${stamp}::timestamptz as moved from tenants where id = 'acme'`));
    expect(moved).toEqual([{ moved: true }]);
    expect((await getTenantCredentials(db, secrets, 'acme')).zoomClientSecret).toBe('rotated');
    await upsertTenant(db, secrets, tenantInput('acme'));
  });

  it('rejects tenant input that is not valid, naming the problem', async () => {
    await expect(upsertTenant(db, secrets, { ...tenantInput('acme'), id: '../Acme' })).rejects.toThrow(/id: must be a slug/);
    await expect(upsertTenant(db, secrets, { ...tenantInput('acme'), internalNumberPatterns: ['('] })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(upsertTenant(db, secrets, { ...tenantInput('acme'), plan: 'enterprise' as 'pro' })).rejects.toThrow(/plan/);
  });

  // addRecordedUser has no caller in src/ (the tenants file applies users with upsertRecordedUser);
  // its duplicate check is kept covered until it is used or removed.
  it('keeps recorded users per tenant: duplicates, unknown tenants and bad modalities are errors', async () => {
    const alice = { zoomUserId: 'u-alice', email: 'alice@acme.test', name: 'Alice', modality: 'video' as const };
    await addRecordedUser(db, 'acme', alice);
    await expect(addRecordedUser(db, 'acme', alice)).rejects.toBeInstanceOf(DuplicateRecordedUserError);
    await expect(addRecordedUser(db, 'nobody', alice)).rejects.toBeInstanceOf(UnknownTenantError);
    await expect(addRecordedUser(db, 'acme', { ...alice, zoomUserId: 'u-x', modality: 'hologram' as 'voice' })).rejects.toThrow(/modality/);
    await addRecordedUser(db, 'globex', { ...alice, email: 'alice@globex.test' });

    const first = await upsertRecordedUser(db, 'acme', { zoomUserId: 'u-bob', email: 'bob@acme.test', name: 'Bob', modality: 'voice', phoneExtension: '101' });
    expect(await upsertRecordedUser(db, 'acme', { zoomUserId: 'u-bob', email: 'bob@acme.test', name: 'Bob', modality: 'voice', phoneExtension: '101' })).toEqual(first);
    const disabled = await upsertRecordedUser(db, 'acme', { zoomUserId: 'u-bob', email: 'bob@acme.test', name: 'Bob', modality: 'screen', enabled: false });
    expect(disabled).toMatchObject({ id: first.id, modality: 'screen', enabled: false, phoneExtension: null });

    expect((await listRecordedUsers(db, 'acme')).map((u) => u.email)).toEqual(['alice@acme.test', 'bob@acme.test']);
    expect((await listRecordedUsers(db, 'acme', { enabledOnly: true })).map((u) => u.email)).toEqual(['alice@acme.test']);
    expect((await listRecordedUsers(db, 'globex')).map((u) => u.email)).toEqual(['alice@globex.test']);
  });

  it('writes a CDR once: the same CDR again changes nothing, a newer one replaces it', async () => {
    const first = await upsertConversation(db, 'acme', cdr());
    expect(first.outcome).toBe('inserted');
    const [stored] = await listConversations(db, 'acme');
    expect(await upsertConversation(db, 'acme', cdr())).toEqual({ id: first.id, outcome: 'unchanged' });
    expect((await listConversations(db, 'acme'))[0]).toEqual(stored);

    expect(await upsertConversation(db, 'acme', cdr({ voiceQuality: 4.2 }))).toEqual({ id: first.id, outcome: 'updated' });
    // A recording_failed CDR (the ingest writes one for a user none of whose files were stored)
    // never replaces the CDR of an archived conversation.
    expect((await upsertConversation(db, 'acme', cdr({ recordingFailed: true, recordingFailedReason: 'not recorded' }))).outcome).toBe('unchanged');
    const [after] = await listConversations(db, 'acme');
    expect(after).toMatchObject({ recordingFailed: false, voiceQuality: expect.closeTo(4.2, 5), participants: cdr().participants });
    // The import writing the CDR again (it knows no score) keeps the score reconciliation gave it.
    expect(await upsertConversation(db, 'acme', cdr({ mediaLengthSeconds: 61 }))).toEqual({ id: first.id, outcome: 'updated' });
    expect((await listConversations(db, 'acme'))[0]).toMatchObject({ mediaLengthSeconds: 61, voiceQuality: expect.closeTo(4.2, 5) });

    // A second recorded user of the same meeting has a CDR of their own.
    expect((await upsertConversation(db, 'acme', cdr({ recordedUserZoomId: 'u-bob', recordedUserName: 'Bob', conversationType: 'voice' }))).outcome).toBe('inserted');
    expect(await listConversations(db, 'acme', { platformCallId: cdr().platformCallId })).toHaveLength(2);
  });

  it('turns a recording_failed CDR into an archived one when a later run stores the recording', async () => {
    const failed = cdr({ platformCallId: 'missing-1', recordingFailed: true, recordingFailedReason: 'no recording in Zoom' });
    expect((await upsertConversation(db, 'acme', failed)).outcome).toBe('inserted');
    expect((await upsertConversation(db, 'acme', cdr({ platformCallId: 'missing-1' }))).outcome).toBe('updated');
    const [row] = await listConversations(db, 'acme', { platformCallId: 'missing-1' });
    expect(row).toMatchObject({ recordingFailed: false, recordingFailedReason: null });
  });

  it('stores phone CDRs with caller and callee', async () => {
    await upsertConversation(db, 'acme', cdr({
      sourcePlatform: 'Zoom Phone',
      platformCallId: 'call-77',
      zoomMeetingId: null,
      recordedUserExtension: '101',
      from: '+493012345',
      to: '+14155550100',
      direction: 'outbound',
      userDirection: 'outgoing',
      conversationType: 'voice',
      callerNumber: '+493012345',
      callerName: 'Alice',
      calleeNumber: '+14155550100',
      calleeName: 'Customer',
      mediaLengthSeconds: 95,
      mediaError: null,
    }));
    const [call] = await listConversations(db, 'acme', { sourcePlatform: 'Zoom Phone' });
    expect(call).toMatchObject({ callerNumber: '+493012345', calleeName: 'Customer', mediaLengthSeconds: 95, recordType: 'standard' });
  });

  it('never shows tenant A what belongs to tenant B', async () => {
    await upsertConversation(db, 'globex', cdr({ recordedUserName: 'Alice at Globex' }));
    const acme = await listConversations(db, 'acme');
    const globex = await listConversations(db, 'globex');
    expect(acme.every((c) => c.tenantId === 'acme')).toBe(true);
    expect(globex.map((c) => c.recordedUserName)).toEqual(['Alice at Globex']);
    expect(acme.find((c) => c.recordedUserName === 'Alice at Globex')).toBeUndefined();

    await trackMediaFile(db, 'globex', mediaFile('shared-file-id'));
    expect(await getMediaFile(db, 'acme', 'shared-file-id')).toBeUndefined();
    expect(await listMediaFiles(db, 'acme', { platformCallId: '/ajXp112QmuoKj4854875==' })).toEqual([]);
    await markSyncRunning(db, 'globex', 'archiving');
    expect(await getSyncState(db, 'acme', 'archiving')).toBeUndefined();
    await expect(upsertConversation(db, 'nobody', cdr())).rejects.toBeInstanceOf(UnknownTenantError);
  });

  // trackMediaFile is set-up here only: the ingest tracks files with trackListedFiles, which the
  // e2e tests exercise through the sync.
  it('tracks media files per Zoom file id; a stored file stays stored', async () => {
    const tracked = await trackMediaFile(db, 'acme', mediaFile('f-1'));
    expect(tracked).toMatchObject({ state: 'pending', zoomSize: 1234, sha256: null });
    expect((await trackMediaFile(db, 'acme', { ...mediaFile('f-1'), zoomSize: 999 })).id).toBe(tracked.id);
    const stored = await markMediaFileStored(db, 'acme', 'f-1', { size: 1234, sha256: 'ab'.repeat(32) });
    expect(stored).toMatchObject({ state: 'stored', storedSize: 1234, sha256: 'ab'.repeat(32) });
    expect(stored.storedAt).toBeInstanceOf(Date);
    await markMediaFileFailed(db, 'acme', 'f-1', 'late failure');
    expect(await getMediaFile(db, 'acme', 'f-1')).toMatchObject({ state: 'stored', lastError: null });

    await trackMediaFile(db, 'acme', mediaFile('f-2'));
    await markMediaFileFailed(db, 'acme', 'f-2', 'Zoom answered 200 with an HTML page');
    expect((await listMediaFiles(db, 'acme', { state: 'failed' })).map((f) => [f.zoomFileId, f.lastError])).toEqual([['f-2', 'Zoom answered 200 with an HTML page']]);
    await expect(markMediaFileStored(db, 'globex', 'f-2', { size: 1, sha256: 'x' })).rejects.toThrow(/not tracked/);
  });

  it('keeps sync state per tenant and source with a watermark that only moves forward', async () => {
    const running = await markSyncRunning(db, 'acme', 'cloud_recordings', new Date('2024-03-10T00:00:00Z'));
    expect(running).toMatchObject({ status: 'running', authorizationStatus: 'unknown', watermark: null });
    await markSyncFinished(db, 'acme', 'cloud_recordings', { watermark: new Date('2024-03-09T12:00:00Z'), at: new Date('2024-03-10T00:01:00Z') });
    const late = await markSyncFinished(db, 'acme', 'cloud_recordings', { watermark: new Date('2024-03-08T00:00:00Z'), at: new Date('2024-03-10T00:02:00Z') });
    expect(late.watermark).toEqual(new Date('2024-03-09T12:00:00Z'));
    const failed = await markSyncFailed(db, 'acme', 'cloud_recordings', { error: 'invalid client secret', authorizationStatus: 'unauthorized' });
    expect(failed).toMatchObject({ status: 'failed', lastError: 'invalid client secret', authorizationStatus: 'unauthorized', watermark: new Date('2024-03-09T12:00:00Z') });
    expect(failed.lastSuccessAt).toEqual(new Date('2024-03-10T00:02:00Z'));
    expect((await listSyncStates(db, 'acme')).map((s) => s.source)).toEqual(['cloud_recordings']);
  });

  // recordApiUsage is the workers'; getApiUsage, the reader, has no caller in src/ yet.
  it('adds API usage per tenant, category and UTC day', async () => {
    await recordApiUsage(db, 'acme', [
      { day: '2024-03-09', family: 'meetings', category: 'heavy', calls: 3, rateLimited: 1 },
      { day: '2024-03-09', family: 'meetings', category: 'light', calls: 10, rateLimited: 0 },
    ]);
    await recordApiUsage(db, 'acme', [
      { day: '2024-03-09', family: 'meetings', category: 'heavy', calls: 2, rateLimited: 0 },
      { day: '2024-03-09', family: 'meetings', category: 'heavy', calls: 1, rateLimited: 1 },
    ]);
    await recordApiUsage(db, 'globex', [{ day: '2024-03-09', family: 'meetings', category: 'heavy', calls: 100, rateLimited: 0 }]);
    expect(await getApiUsage(db, 'acme', '2024-03-09')).toEqual([
      { day: '2024-03-09', family: 'meetings', category: 'light', calls: 10, rateLimited: 0 },
      { day: '2024-03-09', family: 'meetings', category: 'heavy', calls: 6, rateLimited: 2 },
    ]);
    await expect(recordApiUsage(db, 'nobody', [{ day: '2024-03-09', family: 'phone', category: 'light', calls: 1, rateLimited: 0 }])).rejects.toBeInstanceOf(UnknownTenantError);
  });

  it('recovery requests are filed once by their id, with their items, and read per tenant; reconciliation runs keep a cursor', async () => {
    const id = '6f1c1e36-7d0e-4a8e-9a43-3d3c35f1a001';
    const input = {
      id,
      kind: 'meetings' as const,
      source: 'cloud_recordings' as const,
      requestedBy: 'csv:2024-03-10-missing.csv',
      items: ['85746065432', '/ajXp112QmuoKj4854875==', '85746065432'].map((meetingRef) => ({ meetingRef })),
    };
    const { request, created } = await fileRecoveryRequest(db, 'acme', input);
    expect(created).toBe(true);
    expect(request).toMatchObject({ status: 'queued', itemsTotal: 2 });
    // Filed again (a retried activity, a CSV submitted twice): the same request, nothing added.
    expect(await fileRecoveryRequest(db, 'acme', { ...input, items: [{ meetingRef: '98765432101' }] })).toMatchObject({ created: false, request: { itemsTotal: 2 } });
    await expect(fileRecoveryRequest(db, 'globex', input)).rejects.toThrow(/another tenant/);
    const items = await listRecoveryItems(db, 'acme', request.id);
    expect(items.map((i) => [i.meetingRef, i.state])).toEqual([['/ajXp112QmuoKj4854875==', 'pending'], ['85746065432', 'pending']]);
    await updateRecoveryItem(db, 'acme', items[1]!.id, { state: 'already_archived', meetingUuid: 'uuid-1' });
    expect((await listRecoveryItems(db, 'acme', request.id, { state: 'already_archived' })).map((i) => i.meetingUuid)).toEqual(['uuid-1']);
    expect((await recoveryCounts(db, 'acme', [request.id])).get(request.id)).toMatchObject({ total: 2, pending: 1, alreadyArchived: 1 });
    expect(await getRecoveryRequest(db, 'globex', request.id)).toBeUndefined();
    expect(await listRecoveryItems(db, 'globex', request.id)).toEqual([]);
    expect(await updateRecoveryItem(db, 'globex', items[0]!.id, { state: 'failed' })).toBeUndefined();
    expect(await cancelRecoveryRequest(db, 'acme', request.id)).toMatchObject({ status: 'cancelled' });
    expect((await listRecoveryItems(db, 'acme', request.id, { state: 'cancelled' })).map((i) => i.meetingRef)).toEqual(['/ajXp112QmuoKj4854875==']);

    const day = { family: 'meetings' as const, day: '2024-03-09' };
    await beginReconciliationRun(db, 'acme', day);
    await upsertReconciliationItems(db, 'acme', day, [
      { platformCallId: 'uuid-a', facts: { zoomId: '1', startTime: '2024-03-09T10:00:00Z', knownUserIds: ['u1'] } },
      { platformCallId: 'uuid-a', facts: { zoomId: '1', startTime: '2024-03-09T10:00:00Z', knownUserIds: ['u2'] } },
      { platformCallId: 'uuid-b', facts: { zoomId: '2', startTime: '2024-03-09T11:00:00Z' } },
    ]);
    // Found again by another user's report: the users Zoom named are merged, nothing is added twice.
    await upsertReconciliationItems(db, 'acme', day, [{ platformCallId: 'uuid-a', facts: { zoomId: '1', startTime: '2024-03-09T10:00:00Z', knownUserIds: ['u3', 'u1'] } }]);
    const found = await listReconciliationItems(db, 'acme', day);
    expect(found.map((i) => [i.platformCallId, [...(i.facts.knownUserIds ?? [])].sort()])).toEqual([['uuid-a', ['u1', 'u2', 'u3']], ['uuid-b', []]]);
    await setItemOutcome(db, 'acme', day, 'uuid-a', { outcome: 'not_recorded', reason: 'not recorded', failedCdrs: 2 });
    await updateReconciliationRun(db, 'acme', day, { status: 'waiting_for_quota', cursor: { listingsDone: 1 } }, { pages: 3, heavyCalls: 3 });
    expect(await updateReconciliationRun(db, 'globex', day, { status: 'failed' })).toBeUndefined();
    const [saved] = await listReconciliationRuns(db, 'acme');
    expect(saved).toMatchObject({ status: 'waiting_for_quota', cursor: { listingsDone: 1 }, pagesWalked: 3, heavyCalls: 3, runs: 1 });
    expect(await reconciliationCounts(db, 'acme', day)).toMatchObject({ found: 2, checked: 1, notRecorded: 1, failedCdrs: 2 });
    // A re-run of the day checks again what was not archived, and counts the run.
    expect(await beginReconciliationRun(db, 'acme', day)).toMatchObject({ status: 'running', runs: 2, cursor: { listingsDone: 0 } });
    expect(await reconciliationCounts(db, 'acme', day)).toMatchObject({ found: 2, checked: 0, failedCdrs: 0 });
    expect(await reconciliationCounts(db, 'globex', day)).toMatchObject({ found: 0 });
    expect(await listReconciliationRuns(db, 'globex')).toEqual([]);
  });
});

describe('migrations on PostgreSQL', () => {
  it('lets several processes open an empty database at once: one migrates, the others wait', async () => {
    const database = await createTestDatabase();
    try {
      const opened = await Promise.all([1, 2, 3].map(() => openDatabase({ url: database.url })));
      await upsertTenant(opened[0]!.db, secrets, tenantInput('acme'));
      for (const { db } of opened) expect((await listTenants(db)).map((t) => t.id)).toEqual(['acme']);
      await Promise.all(opened.map((o) => o.close()));
    } finally {
      await database.drop();
    }
  });
});
