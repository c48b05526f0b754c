import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { eq } from 'drizzle-orm';
import type { Database } from '../src/db/client.js';
import { conversations, mediaFiles, reconciliationRuns, recoveryRequests } from '../src/db/schema/index.js';
import type { GroundTruth, GroundTruthCall, GroundTruthFile, GroundTruthMeeting } from '../src/simulator/index.js';
import { decodeKeySegment } from '../src/storage/keys.js';
import { s3ObjectSha256 } from '../test/harness/stored-bytes.js';

// What the chaos run counts at the end, from the simulator's ground truth and the bytes in the
// bucket alone: the product's own bookkeeping is read only to name a file Zoom lists without an id
// (CC, TIMELINE) and to read the statuses it reports. The expected set follows DESIGN's rules, as
// test/e2e/helpers.ts's expectedArchive does (that module pulls vitest in, so it is not imported).

export interface ConfiguredUser {
  zoomUserId: string;
  email: string;
  modality: 'voice' | 'video' | 'screen';
}

/** A file the archive must hold, under a key that names it without the archiver's ids. */
interface ExpectedFile {
  key: string;
  file: GroundTruthFile;
  what: string;
}

const idlessKey = (conversationId: string, fileType: string, recordingStart: string | Date) =>
  `${conversationId}|${fileType}|${new Date(recordingStart).toISOString()}`;
const truthKey = (conversationId: string, file: GroundTruthFile) => (file.idless ? idlessKey(conversationId, file.file_type, file.recording_start) : file.id);

const configuredIn = (m: GroundTruthMeeting, users: readonly ConfiguredUser[]) => users.filter((u) => u.zoomUserId === m.host_id
  || m.participants.some((p) => p.internal && (p.id === u.zoomUserId || p.user_id === u.zoomUserId || p.email.toLowerCase() === u.email.toLowerCase())));

/** Cloud recordings of configured hosts and phone recordings of configured users' legs, ready now and not deleted. */
function expectedFiles(truth: GroundTruth, users: readonly ConfiguredUser[]): { expected: ExpectedFile[]; known: Map<string, ExpectedFile> } {
  const now = Date.parse(truth.now);
  const hosts = new Set(users.map((u) => u.zoomUserId));
  const expected: ExpectedFile[] = [];
  // Every file the simulator ever held for the account, deleted ones included: an object of one is not "unexpected".
  const known = new Map<string, ExpectedFile>();
  for (const m of truth.meetings) {
    const recordedUsers = configuredIn(m, users);
    const video = recordedUsers.some((u) => u.modality !== 'voice');
    for (const file of m.files) {
      const entry = { key: truthKey(m.uuid, file), file, what: `meeting ${m.uuid} ${file.file_type}` };
      known.set(entry.key, entry);
      if (!m.recorded || !hosts.has(m.host_id) || Date.parse(m.end_time) > now) continue;
      // Individual audio is configured for nobody, so per-participant files are not wanted.
      if (file.kind === 'archive' || file.kind === 'participant_audio' || file.deletion !== 'none' || file.status === 'processing') continue;
      if (file.file_type === 'MP4' && !video) continue;
      expected.push(entry);
    }
  }
  for (const c of truth.calls) {
    for (const leg of c.legs) {
      const rec = leg.recording;
      if (!rec) continue;
      // Zoom Phone names a recording by its own id (the download's file id is another).
      const entry = { key: rec.id, file: rec.file, what: `call ${c.call_id} recording` };
      known.set(entry.key, entry);
      if (rec.file.deletion === 'none' && Date.parse(rec.ready_at) <= now && hosts.has(leg.owner_user_id ?? '')) expected.push(entry);
    }
  }
  return { expected, known };
}

async function bucketKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

export interface ArchiveCount {
  expected: number;
  expectedMeetingFiles: number;
  expectedPhoneFiles: number;
  /** Expected files with at least one object. */
  stored: number;
  /** Expected files with an object whose bytes (read back with GetObject) hash to the simulator's SHA-256 and size. */
  sha256Exact: number;
  /** Expected files with no exact object. */
  lost: number;
  lostExamples: string[];
  /** Expected files with more than one object (each must map to one key). */
  duplicatedObjects: number;
  /** Objects that match no file the simulator ever held for the account. */
  unexpectedObjects: number;
  /** Objects of files Zoom deleted later (the deleted user's, archived before): allowed. */
  storedThenDeletedInZoom: number;
  /** The product's own view: media_files rows by state. */
  rowsByState: Record<string, number>;
  /** Rows `failed`, with their reasons (first few). */
  failedRowExamples: string[];
}

/** Every object of the tenant hashed and matched to the ground truth. */
export async function countArchive(db: Database, s3: S3Client, bucket: string, tenantId: string, truth: GroundTruth, users: readonly ConfiguredUser[]): Promise<ArchiveCount> {
  const { expected, known } = expectedFiles(truth, users);
  const rows = await db.select().from(mediaFiles).where(eq(mediaFiles.tenantId, tenantId));
  const rowByKey = new Map(rows.map((r) => [r.storageKey, r]));
  const keys = await bucketKeys(s3, bucket, `${tenantId}/`);
  const hashed = await mapLimit(keys, 8, async (key) => ({ key, ...(await s3ObjectSha256(s3, bucket, key)) }));
  const objectsOf = new Map<string, { sha256: string; size: number }[]>();
  let unexpectedObjects = 0;
  for (const o of hashed) {
    // <tenant>/<source>/<yyyy>/<mm>/<dd>/<conversation>/<file id>.<ext> (src/storage/keys.ts).
    const segments = o.key.split('/');
    const fileId = decodeKeySegment(segments.at(-1)!.replace(/\.[a-z0-9]+$/, ''));
    let truthKeyOf: string | undefined = known.has(fileId) ? fileId : undefined;
    if (!truthKeyOf) {
      // A derived id (a file Zoom lists without one): its row says which meeting, type and start.
      const row = rowByKey.get(o.key);
      if (row) truthKeyOf = idlessKey(row.platformCallId, row.fileType, row.recordingStartedAt);
    }
    if (!truthKeyOf || !known.has(truthKeyOf)) {
      unexpectedObjects += 1;
      continue;
    }
    objectsOf.set(truthKeyOf, [...(objectsOf.get(truthKeyOf) ?? []), o]);
  }
  const expectedKeys = new Set(expected.map((e) => e.key));
  let stored = 0;
  let exact = 0;
  let duplicated = 0;
  const lostExamples: string[] = [];
  for (const e of expected) {
    const objects = objectsOf.get(e.key) ?? [];
    if (objects.length > 0) stored += 1;
    if (objects.length > 1) duplicated += 1;
    if (objects.some((o) => o.sha256 === e.file.sha256 && o.size === e.file.file_size)) exact += 1;
    else if (lostExamples.length < 8) {
      const row = rows.find((r) => r.zoomFileId === e.key);
      lostExamples.push(`${e.what} (${e.key}): ${objects.length} object(s); row ${row ? `${row.state}${row.lastError ? `: ${row.lastError.slice(0, 160)}` : ''}` : 'none'}`);
    }
  }
  let storedThenDeleted = 0;
  for (const [key, objects] of objectsOf) {
    if (expectedKeys.has(key)) continue;
    const entry = known.get(key)!;
    if (entry.file.deletion !== 'none') storedThenDeleted += objects.length;
    else unexpectedObjects += objects.length;
    if (objects.length > 1) duplicated += 1;
  }
  const rowsByState: Record<string, number> = {};
  for (const r of rows) rowsByState[r.state] = (rowsByState[r.state] ?? 0) + 1;
  return {
    expected: expected.length,
    expectedMeetingFiles: expected.filter((e) => e.what.startsWith('meeting')).length,
    expectedPhoneFiles: expected.filter((e) => e.what.startsWith('call')).length,
    stored,
    sha256Exact: exact,
    lost: expected.length - exact,
    lostExamples,
    duplicatedObjects: duplicated,
    unexpectedObjects,
    storedThenDeletedInZoom: storedThenDeleted,
    rowsByState,
    failedRowExamples: rows.filter((r) => r.state === 'failed').slice(0, 5).map((r) => `${r.zoomFileId}: ${r.lastError ?? '(no reason)'}`.slice(0, 200)),
  };
}

export interface CdrCount {
  cdrs: number;
  /** (platform, conversation, user) pairs with more than one CDR. */
  duplicated: number;
  recordingFailedWritten: number;
  /** One per configured (not deleted) user in each unrecorded meeting and unrecorded connected call of the reconciled day. */
  recordingFailedExpected: number;
  recordingFailedMissing: number;
  recordingFailedExtra: number;
  /** Of the extra ones, those of the configured user deleted at Zoom or of meetings they hosted (their files went with them). */
  recordingFailedExtraOfDeletedUser: number;
  missingExamples: string[];
  extraExamples: string[];
}

const callParties = (c: GroundTruthCall) => [c.caller.user_id, c.callee.user_id, ...c.legs.map((l) => l.owner_user_id)];

export async function countCdrs(db: Database, tenantId: string, truth: GroundTruth, users: readonly ConfiguredUser[], day: string): Promise<CdrCount> {
  const rows = await db.select().from(conversations).where(eq(conversations.tenantId, tenantId));
  const per = new Map<string, number>();
  for (const r of rows) {
    const key = `${r.sourcePlatform}|${r.platformCallId}|${r.recordedUserZoomId}`;
    per.set(key, (per.get(key) ?? 0) + 1);
  }
  const deleted = new Set(truth.users.filter((u) => u.status === 'deleted').map((u) => u.id));
  const living = users.filter((u) => !deleted.has(u.zoomUserId));
  const expected = new Set<string>();
  for (const m of truth.meetings) {
    if (m.recorded || m.external_host || !m.start_time.startsWith(day)) continue;
    for (const u of configuredIn(m, living)) expected.add(`Zoom Meeting|${m.uuid}|${u.zoomUserId}`);
  }
  // The tenant expects every connected call to be recorded (reconciliation.phoneCallsExpected = 'all').
  for (const c of truth.calls) {
    if (c.result !== 'answered' || !c.start_time.startsWith(day)) continue;
    // A recording on any configured user's leg (a deleted user's too: Zoom keeps phone recordings) means the call was recorded.
    if (c.legs.some((l) => l.recording && users.some((u) => u.zoomUserId === l.owner_user_id))) continue;
    for (const u of living.filter((u) => callParties(c).includes(u.zoomUserId))) expected.add(`Zoom Phone|${c.call_id}|${u.zoomUserId}`);
  }
  // Meetings whose host was deleted at Zoom mid-run: their files went with the host, so a
  // recording_failed CDR for their configured participants is the archive telling the truth.
  const hostDeleted = new Set(truth.meetings.filter((m) => m.host_deleted).map((m) => m.uuid));
  const byDeletion = (k: string) => deleted.has(k.split('|')[2]!) || hostDeleted.has(k.split('|')[1]!);
  const failed = new Set(rows.filter((r) => r.recordingFailed).map((r) => `${r.sourcePlatform}|${r.platformCallId}|${r.recordedUserZoomId}`));
  return {
    cdrs: rows.length,
    duplicated: [...per.values()].filter((n) => n > 1).length,
    recordingFailedWritten: failed.size,
    recordingFailedExpected: expected.size,
    recordingFailedMissing: [...expected].filter((k) => !failed.has(k)).length,
    recordingFailedExtra: [...failed].filter((k) => !expected.has(k)).length,
    recordingFailedExtraOfDeletedUser: [...failed].filter((k) => !expected.has(k) && byDeletion(k)).length,
    missingExamples: [...expected].filter((k) => !failed.has(k)).slice(0, 5),
    extraExamples: [...failed].filter((k) => !expected.has(k) && !byDeletion(k)).slice(0, 5)
      .map((k) => `${k}: ${rows.find((r) => `${r.sourcePlatform}|${r.platformCallId}|${r.recordedUserZoomId}` === k)?.recordingFailedReason ?? ''}`.slice(0, 250)),
  };
}

export interface WorkCount {
  recoveryByStatus: Record<string, number>;
  recoveryErrors: string[];
  reconciliationByStatus: Record<string, number>;
  reconciliationErrors: string[];
}

const TERMINAL = new Set(['finished', 'finished_with_errors', 'failed', 'cancelled']);
export const isTerminal = (status: string) => TERMINAL.has(status);

/** Recovery requests and reconciliation days by status, with the reasons of those not finished cleanly. */
export async function countWork(db: Database, tenantId: string): Promise<WorkCount> {
  const requests = await db.select().from(recoveryRequests).where(eq(recoveryRequests.tenantId, tenantId));
  const runs = await db.select().from(reconciliationRuns).where(eq(reconciliationRuns.tenantId, tenantId));
  const byStatus = (statuses: string[]) => statuses.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});
  return {
    recoveryByStatus: byStatus(requests.map((r) => r.status)),
    recoveryErrors: requests.filter((r) => r.status !== 'finished').map((r) => `${r.kind} ${r.id} (${r.requestedBy}) ${r.status}${r.lastError ? `: ${r.lastError}` : ''}`.slice(0, 300)),
    reconciliationByStatus: byStatus(runs.map((r) => r.status)),
    reconciliationErrors: runs.filter((r) => r.status !== 'finished').map((r) => `${r.family} ${r.day} ${r.status} phase ${r.phase}${r.lastError ? `: ${r.lastError}` : ''}${r.userErrors.length ? ` (users refused: ${r.userErrors.map((e) => e.zoomUserId).join(', ')})` : ''}`.slice(0, 300)),
  };
}
