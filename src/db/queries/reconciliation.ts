import { and, asc, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import {
  conversations,
  listedCalls,
  mediaFiles,
  reconciliationItems,
  reconciliationRuns,
  type ReconciliationFamily,
  type ReconciliationItemFacts,
  type ReconciliationOutcome,
  type ReconciliationUserError,
} from '../schema/index.js';
import { forTenant } from './upsert.js';

// A reconciliation run per tenant, family and UTC day, and the meetings or calls it found in Zoom's
// logs. Every count support sees is worked out from the items' outcomes, so a run resumed after a
// crash, a sleep or a re-run of the day never counts anything twice.

export type ReconciliationRun = typeof reconciliationRuns.$inferSelect;
export type ReconciliationItem = typeof reconciliationItems.$inferSelect;
export type ReconciliationRunPatch = Partial<Pick<
  ReconciliationRun,
  'status' | 'phase' | 'plan' | 'planEstimate' | 'cursor' | 'pausedUntil' | 'finishedAt' | 'lastError' | 'userErrors'
>>;

export interface RunKey {
  family: ReconciliationFamily;
  /** yyyy-mm-dd (UTC). */
  day: string;
}

/**
 * Starts the day's run afresh (a first run, or the re-check of a day already reconciled): the walk
 * starts over, and what was found missing, unrecorded or not expected is checked again (a recording
 * may have arrived since). Archived and not-ours items stay as they were.
 */
export async function beginReconciliationRun(db: Database, tenantId: string, key: RunKey): Promise<ReconciliationRun> {
  return db.transaction(async (tx) => {
    const [run] = await forTenant(
      tenantId,
      tx
        .insert(reconciliationRuns)
        .values({ tenantId, ...key })
        .onConflictDoUpdate({
          target: [reconciliationRuns.tenantId, reconciliationRuns.family, reconciliationRuns.day],
          set: {
            status: 'running', phase: 'walk', cursor: { listingsDone: 0 }, pausedUntil: null, finishedAt: null, lastError: null, userErrors: [],
            runs: sql`${reconciliationRuns.runs} + 1`, startedAt: sql`now()`, updatedAt: sql`now()`,
          },
        })
        .returning(),
    );
    await tx
      .update(reconciliationItems)
      .set({ outcome: 'unchecked', updatedAt: sql`now()` })
      .where(and(
        eq(reconciliationItems.tenantId, tenantId),
        eq(reconciliationItems.family, key.family),
        eq(reconciliationItems.day, key.day),
        inArray(reconciliationItems.outcome, ['missing', 'not_recorded', 'not_expected']),
      ));
    return run!;
  });
}

export async function getReconciliationRun(db: Database, tenantId: string, key: RunKey): Promise<ReconciliationRun | undefined> {
  const [run] = await db
    .select()
    .from(reconciliationRuns)
    .where(and(eq(reconciliationRuns.tenantId, tenantId), eq(reconciliationRuns.family, key.family), eq(reconciliationRuns.day, key.day)));
  return run;
}

/** Saves where the run stands; `usage` adds the pages and heavy calls a step spent. */
export async function updateReconciliationRun(
  db: Database,
  tenantId: string,
  key: RunKey,
  patch: ReconciliationRunPatch,
  usage: { pages?: number; heavyCalls?: number } = {},
): Promise<ReconciliationRun | undefined> {
  const [run] = await db
    .update(reconciliationRuns)
    .set({
      ...patch,
      pagesWalked: sql`${reconciliationRuns.pagesWalked} + ${usage.pages ?? 0}`,
      heavyCalls: sql`${reconciliationRuns.heavyCalls} + ${usage.heavyCalls ?? 0}`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(reconciliationRuns.tenantId, tenantId), eq(reconciliationRuns.family, key.family), eq(reconciliationRuns.day, key.day)))
    .returning();
  return run;
}

/** Records a configured user Zoom refused in this run's walk (once per user: a retried step may meet them again). */
export async function addRunUserError(db: Database, tenantId: string, key: RunKey, userError: ReconciliationUserError): Promise<void> {
  await db
    .update(reconciliationRuns)
    .set({
      userErrors: sql`(select coalesce(jsonb_agg(e), '[]'::jsonb) from jsonb_array_elements(${reconciliationRuns.userErrors}) e where e->>'zoomUserId' <> ${userError.zoomUserId}) || ${JSON.stringify([userError])}::jsonb`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(reconciliationRuns.tenantId, tenantId), eq(reconciliationRuns.family, key.family), eq(reconciliationRuns.day, key.day)));
}

export async function listReconciliationRuns(db: Database, tenantId: string, limit = 20): Promise<ReconciliationRun[]> {
  return db
    .select()
    .from(reconciliationRuns)
    .where(eq(reconciliationRuns.tenantId, tenantId))
    .orderBy(desc(reconciliationRuns.day), asc(reconciliationRuns.family))
    .limit(limit);
}

export interface FoundItem {
  platformCallId: string;
  facts: ReconciliationItemFacts;
}

/**
 * Writes what a walk found. A meeting or call found again (another user's report, another leg of
 * the call, a re-walk) keeps its outcome; what each listing said of it is merged (a `pastJoined`
 * report says whether it was recorded, the host's `past` report does not; a call is recorded when
 * one of its legs is), and so are the configured users and legs they named.
 */
export async function upsertReconciliationItems(db: Database, tenantId: string, key: RunKey, items: readonly FoundItem[]): Promise<void> {
  if (items.length === 0) return;
  // One statement cannot update the same row twice: merge the batch's duplicates first.
  const merged = new Map<string, FoundItem>();
  for (const item of items) {
    const seen = merged.get(item.platformCallId);
    merged.set(item.platformCallId, seen ? { platformCallId: item.platformCallId, facts: mergeFacts(seen.facts, item.facts) } : item);
  }
  const old = reconciliationItems.facts;
  const union = (field: 'knownUserIds' | 'legUuids') => sql`(select coalesce(jsonb_agg(distinct v), '[]'::jsonb) from jsonb_array_elements(coalesce(${old}->${field}, '[]'::jsonb) || coalesce(excluded.facts->${field}, '[]'::jsonb)) v)`;
  const recorded = sql`case when ${old} ? 'recorded' and excluded.facts ? 'recorded' then to_jsonb((${old}->>'recorded')::boolean or (excluded.facts->>'recorded')::boolean) else coalesce(excluded.facts->'recorded', ${old}->'recorded') end`;
  await forTenant(
    tenantId,
    db
      .insert(reconciliationItems)
      .values([...merged.values()].map((i) => ({ tenantId, family: key.family, day: key.day, platformCallId: i.platformCallId, facts: i.facts })))
      .onConflictDoUpdate({
        target: [reconciliationItems.tenantId, reconciliationItems.family, reconciliationItems.day, reconciliationItems.platformCallId],
        set: {
          // The first leg's history row stays the call's; the rest is what the listings added.
          facts: sql`${old} || (excluded.facts - 'call') || jsonb_build_object('knownUserIds', ${union('knownUserIds')}, 'legUuids', ${union('legUuids')})
            || case when ${recorded} is null then '{}'::jsonb else jsonb_build_object('recorded', ${recorded}) end`,
          updatedAt: sql`now()`,
        },
      }),
  );
}

/** What two listings said of one meeting or call, as the upsert merges it. */
function mergeFacts(a: ReconciliationItemFacts, b: ReconciliationItemFacts): ReconciliationItemFacts {
  const recorded = a.recorded !== undefined && b.recorded !== undefined ? a.recorded || b.recorded : b.recorded ?? a.recorded;
  return {
    ...a, ...b,
    ...(a.call ? { call: a.call } : {}),
    knownUserIds: unionOf(a.knownUserIds, b.knownUserIds),
    ...(a.legUuids || b.legUuids ? { legUuids: unionOf(a.legUuids, b.legUuids) } : {}),
    ...(recorded !== undefined ? { recorded } : {}),
  };
}

const unionOf = (a: string[] | undefined, b: string[] | undefined): string[] => [...new Set([...(a ?? []), ...(b ?? [])])];

export async function setItemOutcome(
  db: Database,
  tenantId: string,
  key: RunKey,
  platformCallId: string,
  outcome: { outcome: ReconciliationOutcome; reason?: string | null; failedCdrs?: number; handoff?: ReconciliationItemFacts['handoff'] },
): Promise<void> {
  await db
    .update(reconciliationItems)
    .set({
      outcome: outcome.outcome,
      reason: outcome.reason ?? null,
      ...(outcome.failedCdrs !== undefined ? { failedCdrs: outcome.failedCdrs } : {}),
      ...(outcome.handoff ? { facts: sql`${reconciliationItems.facts} || ${JSON.stringify({ handoff: outcome.handoff })}::jsonb` } : {}),
      updatedAt: sql`now()`,
    })
    .where(and(
      eq(reconciliationItems.tenantId, tenantId),
      eq(reconciliationItems.family, key.family),
      eq(reconciliationItems.day, key.day),
      eq(reconciliationItems.platformCallId, platformCallId),
    ));
}

/**
 * The day's items in a stable order (by platform call id), of one outcome if asked: `unchecked` for
 * the check, `missing` for the hand-off to the ingest; `after` and `limit` page through them.
 */
export async function listReconciliationItems(
  db: Database,
  tenantId: string,
  key: RunKey,
  filter: { outcome?: ReconciliationOutcome; after?: string; limit?: number } = {},
): Promise<ReconciliationItem[]> {
  const query = db
    .select()
    .from(reconciliationItems)
    .where(and(
      eq(reconciliationItems.tenantId, tenantId),
      eq(reconciliationItems.family, key.family),
      eq(reconciliationItems.day, key.day),
      filter.outcome ? eq(reconciliationItems.outcome, filter.outcome) : undefined,
      filter.after !== undefined ? gt(reconciliationItems.platformCallId, filter.after) : undefined,
    ))
    .orderBy(asc(reconciliationItems.platformCallId));
  return filter.limit === undefined ? query : query.limit(filter.limit);
}

export interface ReconciliationCounts {
  /** Meetings or calls found in Zoom's logs. */
  found: number;
  checked: number;
  archived: number;
  missing: number;
  notRecorded: number;
  notOurs: number;
  notExpected: number;
  skipped: number;
  failedCdrs: number;
}

export async function reconciliationCounts(db: Database, tenantId: string, key: RunKey): Promise<ReconciliationCounts> {
  const rows = await db
    .select({ outcome: reconciliationItems.outcome, n: sql<number>`count(*)::int`, cdrs: sql<number>`coalesce(sum(${reconciliationItems.failedCdrs}), 0)::int` })
    .from(reconciliationItems)
    .where(and(eq(reconciliationItems.tenantId, tenantId), eq(reconciliationItems.family, key.family), eq(reconciliationItems.day, key.day)))
    .groupBy(reconciliationItems.outcome);
  const n = (o: ReconciliationOutcome) => rows.find((r) => r.outcome === o)?.n ?? 0;
  const found = rows.reduce((s, r) => s + r.n, 0);
  return {
    found,
    checked: found - n('unchecked'),
    archived: n('archived'),
    missing: n('missing'),
    notRecorded: n('not_recorded'),
    notOurs: n('not_ours'),
    notExpected: n('not_expected'),
    skipped: n('skipped'),
    failedCdrs: rows.find((r) => r.outcome === 'not_recorded')?.cdrs ?? 0,
  };
}

/** What the archive holds of one meeting or call: its files by state. */
export interface ArchiveEvidence {
  /** Files stored and verified (a SHA-256 of the bytes written). */
  stored: number;
  /** Files still waiting, and when the oldest of them was first listed. */
  pending: number;
  oldestPendingSince: Date | null;
  /** Failed files, each as "<file type>: <why>". */
  failed: string[];
  /** Deliberately skipped files, each as "<file type>: <skip reason>". */
  skipped: string[];
}

/**
 * The archive's files of these meetings or calls, by state. A CDR alone proves nothing: the ingest
 * writes one while files are still pending, or when every file was skipped.
 */
export async function archiveEvidence(db: Database, tenantId: string, platformCallIds: readonly string[]): Promise<Map<string, ArchiveEvidence>> {
  const out = new Map<string, ArchiveEvidence>();
  if (platformCallIds.length === 0) return out;
  const rows = await db
    .select({ id: mediaFiles.platformCallId, state: mediaFiles.state, sha256: mediaFiles.sha256, fileType: mediaFiles.fileType, lastError: mediaFiles.lastError, skipReason: mediaFiles.skipReason, createdAt: mediaFiles.createdAt })
    .from(mediaFiles)
    .where(and(eq(mediaFiles.tenantId, tenantId), inArray(mediaFiles.platformCallId, [...platformCallIds])));
  for (const row of rows) {
    const e = out.get(row.id) ?? { stored: 0, pending: 0, oldestPendingSince: null, failed: [], skipped: [] };
    if (row.state === 'stored' && row.sha256) e.stored += 1;
    else if (row.state === 'pending') {
      e.pending += 1;
      if (!e.oldestPendingSince || row.createdAt < e.oldestPendingSince) e.oldestPendingSince = row.createdAt;
    } else if (row.state === 'failed') e.failed.push(`${row.fileType}: ${row.lastError ?? 'failed'}`);
    else if (row.state === 'skipped') e.skipped.push(`${row.fileType}: ${row.skipReason ?? 'skipped'}`);
    out.set(row.id, e);
  }
  return out;
}

/**
 * Turns the CDRs the ingest wrote of a meeting or call into recording failures with their reason,
 * unless a file of it is stored by now (a failure CDR written later never overwrites an archived
 * one, so the ingest's own CDR has to be marked here).
 */
export async function markCdrsRecordingFailed(db: Database, tenantId: string, platformCallId: string, reason: string): Promise<void> {
  await db
    .update(conversations)
    .set({ recordingFailed: true, recordingFailedReason: reason, updatedAt: sql`now()` })
    .where(and(
      eq(conversations.tenantId, tenantId),
      eq(conversations.platformCallId, platformCallId),
      eq(conversations.recordingFailed, false),
      sql`not exists (select 1 from ${mediaFiles} where ${mediaFiles.tenantId} = ${tenantId} and ${mediaFiles.platformCallId} = ${platformCallId} and ${mediaFiles.state} = 'stored')`,
    ));
}

/**
 * How many meetings the account likely held on `day`, for the plan's cost estimate: the most recent
 * reconciled day's count, else the meetings the archive holds for that day (a lower bound).
 */
export async function expectedMeetingsOn(db: Database, tenantId: string, day: string): Promise<number> {
  const [last] = await db
    .select({ day: reconciliationRuns.day })
    .from(reconciliationRuns)
    .where(and(eq(reconciliationRuns.tenantId, tenantId), eq(reconciliationRuns.family, 'meetings'), eq(reconciliationRuns.phase, 'done')))
    .orderBy(desc(reconciliationRuns.day))
    .limit(1);
  if (last) {
    const counts = await reconciliationCounts(db, tenantId, { family: 'meetings', day: last.day });
    if (counts.found > 0) return counts.found;
  }
  const [archived] = await db
    .select({ n: sql<number>`count(distinct ${conversations.platformCallId})::int` })
    .from(conversations)
    .where(and(
      eq(conversations.tenantId, tenantId),
      eq(conversations.sourcePlatform, 'Zoom Meeting'),
      sql`${conversations.startedAt} >= ${day}::date and ${conversations.startedAt} < ${day}::date + 1`,
    ));
  return archived?.n ?? 0;
}

/** Which of these calls the phone listing wrote (a recording of a configured user, or one only its legs can attribute). */
export async function listedCallIds(db: Database, tenantId: string, callIds: readonly string[]): Promise<Set<string>> {
  if (callIds.length === 0) return new Set();
  const rows = await db
    .select({ id: listedCalls.callId })
    .from(listedCalls)
    .where(and(eq(listedCalls.tenantId, tenantId), inArray(listedCalls.callId, [...callIds])));
  return new Set(rows.map((r) => r.id));
}

/** CDRs of the day's meetings that carry a voice quality score. */
export async function voiceQualityScored(db: Database, tenantId: string, key: RunKey): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(conversations)
    .innerJoin(reconciliationItems, and(eq(reconciliationItems.tenantId, conversations.tenantId), eq(reconciliationItems.platformCallId, conversations.platformCallId)))
    .where(and(
      eq(conversations.tenantId, tenantId),
      eq(reconciliationItems.family, key.family),
      eq(reconciliationItems.day, key.day),
      sql`${conversations.voiceQuality} is not null`,
    ));
  return row?.n ?? 0;
}
