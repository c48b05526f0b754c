import { and, asc, count, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import {
  recoveryItems,
  recoveryRequests,
  type RecoveryItemState,
  type RecoveryKind,
  type RecoveryStatus,
  type SyncSource,
} from '../schema/index.js';
import { forTenant } from './upsert.js';

// The recovery workflow's queue and progress (see schema/recovery.ts). Every query names its tenant.

export type RecoveryRequest = typeof recoveryRequests.$inferSelect;
export type RecoveryItem = typeof recoveryItems.$inferSelect;

/** An item as it enters a request: what support gave, or what a listing found. */
export interface RecoveryItemInput {
  meetingRef: string;
  zoomFileId?: string | null;
  source?: SyncSource | null;
  meetingUuid?: string | null;
  zoomMeetingId?: string | null;
}

export interface RecoveryRequestInput {
  /** The request's id, chosen by the caller: filing the same id twice files it once. */
  id: string;
  kind: RecoveryKind;
  /** Null or absent: every meeting source the tenant imports. */
  source?: SyncSource | null;
  requestedBy: string;
  reason?: string | null;
  windowFrom?: Date;
  windowTo?: Date;
  items?: readonly RecoveryItemInput[];
}

/** A request id (the caller chooses it) that another tenant's request already has. */
export class RecoveryRequestIdTakenError extends Error {
  constructor(readonly requestId: string) {
    super(`recovery request id ${requestId} is already used by another tenant: send the request with another requestId, or none`);
    this.name = 'RecoveryRequestIdTakenError';
  }
}

/** Rows per statement: well under PostgreSQL's bind-parameter limit. */
const ITEMS_PER_STATEMENT = 2000;

/**
 * Files a request with its items in one transaction (never half-written). A request whose id is
 * already filed is left as it is: `created` says which happened.
 */
export async function fileRecoveryRequest(db: Database, tenantId: string, input: RecoveryRequestInput): Promise<{ request: RecoveryRequest; created: boolean }> {
  return forTenant(tenantId, db.transaction(async (tx) => {
    const [created] = await tx
      .insert(recoveryRequests)
      .values({
        id: input.id,
        tenantId,
        kind: input.kind,
        source: input.source ?? null,
        requestedBy: input.requestedBy,
        reason: input.reason ?? null,
        windowFrom: input.windowFrom,
        windowTo: input.windowTo,
      })
      .onConflictDoNothing({ target: recoveryRequests.id })
      .returning();
    if (!created) {
      const [existing] = await tx.select().from(recoveryRequests).where(and(eq(recoveryRequests.tenantId, tenantId), eq(recoveryRequests.id, input.id)));
      // A uuid another tenant holds: refused rather than touched.
      if (!existing) throw new RecoveryRequestIdTakenError(input.id);
      return { request: existing, created: false };
    }
    const added = await addRecoveryItems(tx as unknown as Database, tenantId, input.id, input.items ?? []);
    return { request: added === 0 ? created : (await getRecoveryRequest(tx as unknown as Database, tenantId, input.id))!, created: true };
  }));
}

async function insertItems(db: Database, tenantId: string, requestId: string, items: readonly RecoveryItemInput[]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < items.length; i += ITEMS_PER_STATEMENT) {
    const rows = await db
      .insert(recoveryItems)
      .values(items.slice(i, i + ITEMS_PER_STATEMENT).map((item) => ({
        requestId, tenantId,
        meetingRef: item.meetingRef,
        zoomFileId: item.zoomFileId ?? null,
        source: item.source ?? null,
        meetingUuid: item.meetingUuid ?? null,
        zoomMeetingId: item.zoomMeetingId ?? null,
      })))
      .onConflictDoNothing()
      .returning({ id: recoveryItems.id });
    inserted += rows.length;
  }
  return inserted;
}

/** Adds items to a request (a time frame's listing, a meeting number's instances); repeats are kept once. */
export async function addRecoveryItems(db: Database, tenantId: string, requestId: string, items: readonly RecoveryItemInput[]): Promise<number> {
  const added = await insertItems(db, tenantId, requestId, items);
  if (added > 0) {
    await db.update(recoveryRequests)
      .set({ itemsTotal: sql`${recoveryRequests.itemsTotal} + ${added}`, updatedAt: sql`now()` })
      .where(and(eq(recoveryRequests.tenantId, tenantId), eq(recoveryRequests.id, requestId)));
  }
  return added;
}

/**
 * Whether a request id is taken by another tenant's request. The one query that looks past its
 * tenant, and answers only yes or no: ids are global, so a caller-chosen one can collide.
 */
export async function requestIdTakenElsewhere(db: Database, tenantId: string, requestId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: recoveryRequests.id })
    .from(recoveryRequests)
    .where(and(eq(recoveryRequests.id, requestId), ne(recoveryRequests.tenantId, tenantId)))
    .limit(1);
  return row !== undefined;
}

export async function getRecoveryRequest(db: Database, tenantId: string, requestId: string): Promise<RecoveryRequest | undefined> {
  const [request] = await db
    .select()
    .from(recoveryRequests)
    .where(and(eq(recoveryRequests.tenantId, tenantId), eq(recoveryRequests.id, requestId)));
  return request;
}

/** The oldest request not yet done: the recovery workflow works through them in order. */
export async function nextActiveRecoveryRequest(db: Database, tenantId: string): Promise<RecoveryRequest | undefined> {
  const [request] = await db
    .select()
    .from(recoveryRequests)
    .where(and(eq(recoveryRequests.tenantId, tenantId), inArray(recoveryRequests.status, ['queued', 'running'])))
    .orderBy(asc(recoveryRequests.createdAt), asc(recoveryRequests.id))
    .limit(1);
  return request;
}

export async function listRecoveryRequests(
  db: Database,
  tenantId: string,
  options: { status?: RecoveryStatus; limit: number; offset?: number },
): Promise<RecoveryRequest[]> {
  return db
    .select()
    .from(recoveryRequests)
    .where(and(eq(recoveryRequests.tenantId, tenantId), options.status ? eq(recoveryRequests.status, options.status) : undefined))
    .orderBy(desc(recoveryRequests.createdAt), desc(recoveryRequests.id))
    .limit(options.limit)
    .offset(options.offset ?? 0);
}

export async function updateRecoveryRequest(
  db: Database,
  tenantId: string,
  requestId: string,
  update: Partial<Pick<RecoveryRequest, 'status' | 'listed' | 'lastError' | 'finishedAt'>>,
): Promise<RecoveryRequest | undefined> {
  const [request] = await db
    .update(recoveryRequests)
    .set({ ...update, updatedAt: sql`now()` })
    .where(and(eq(recoveryRequests.tenantId, tenantId), eq(recoveryRequests.id, requestId)))
    .returning();
  return request;
}

/**
 * Cancels a request that is not done: its waiting items are cancelled; ingests already started
 * finish (they archive what Zoom holds, which is never wrong). Undefined when there is no such request.
 */
export async function cancelRecoveryRequest(db: Database, tenantId: string, requestId: string): Promise<RecoveryRequest | undefined> {
  return db.transaction(async (tx) => {
    const [request] = await tx
      .update(recoveryRequests)
      .set({ status: sql`case when ${recoveryRequests.status} in ('queued', 'running') then 'cancelled'::recovery_status else ${recoveryRequests.status} end`, updatedAt: sql`now()` })
      .where(and(eq(recoveryRequests.tenantId, tenantId), eq(recoveryRequests.id, requestId)))
      .returning();
    if (request?.status === 'cancelled') {
      await tx.update(recoveryItems)
        .set({ state: 'cancelled', updatedAt: sql`now()` })
        .where(and(eq(recoveryItems.tenantId, tenantId), eq(recoveryItems.requestId, requestId), eq(recoveryItems.state, 'pending')));
    }
    return request;
  });
}

export async function listRecoveryItems(
  db: Database,
  tenantId: string,
  requestId: string,
  filter: { state?: RecoveryItemState; limit?: number; offset?: number } = {},
): Promise<RecoveryItem[]> {
  return db
    .select()
    .from(recoveryItems)
    .where(and(
      eq(recoveryItems.tenantId, tenantId),
      eq(recoveryItems.requestId, requestId),
      filter.state ? eq(recoveryItems.state, filter.state) : undefined,
    ))
    .orderBy(asc(recoveryItems.meetingRef), asc(recoveryItems.zoomFileId))
    .limit(filter.limit ?? 10_000)
    .offset(filter.offset ?? 0);
}

export async function updateRecoveryItem(
  db: Database,
  tenantId: string,
  itemId: string,
  update: Partial<Pick<RecoveryItem, 'state' | 'source' | 'zoomMeetingId' | 'meetingUuid' | 'foundMissing' | 'workflowId' | 'error'>>,
): Promise<RecoveryItem | undefined> {
  const [item] = await db
    .update(recoveryItems)
    .set({ ...update, updatedAt: sql`now()` })
    .where(and(eq(recoveryItems.tenantId, tenantId), eq(recoveryItems.id, itemId)))
    .returning();
  return item;
}

/** What support reads of a request: how many items ended each way. */
export interface RecoveryCounts {
  /** Items to look at (a meeting number expanded into its instances counts as those instances). */
  total: number;
  pending: number;
  alreadyArchived: number;
  /** Items the archive lacked something of, for which an ingest was started. */
  missing: number;
  inProgress: number;
  archived: number;
  notFound: number;
  notOurs: number;
  failed: number;
  cancelled: number;
}

const emptyCounts = (): RecoveryCounts => ({ total: 0, pending: 0, alreadyArchived: 0, missing: 0, inProgress: 0, archived: 0, notFound: 0, notOurs: 0, failed: 0, cancelled: 0 });

const COUNT_OF_STATE: Record<RecoveryItemState, keyof RecoveryCounts | null> = {
  pending: 'pending', expanded: null, already_archived: 'alreadyArchived', not_found: 'notFound', not_ours: 'notOurs',
  started: 'inProgress', archived: 'archived', failed: 'failed', cancelled: 'cancelled',
};

export async function recoveryCounts(db: Database, tenantId: string, requestIds: readonly string[]): Promise<Map<string, RecoveryCounts>> {
  const counts = new Map(requestIds.map((id) => [id, emptyCounts()]));
  if (requestIds.length === 0) return counts;
  const rows = await db
    .select({ requestId: recoveryItems.requestId, state: recoveryItems.state, foundMissing: recoveryItems.foundMissing, n: count() })
    .from(recoveryItems)
    .where(and(eq(recoveryItems.tenantId, tenantId), inArray(recoveryItems.requestId, [...requestIds])))
    .groupBy(recoveryItems.requestId, recoveryItems.state, recoveryItems.foundMissing);
  for (const row of rows) {
    const c = counts.get(row.requestId)!;
    const key = COUNT_OF_STATE[row.state];
    if (!key) continue;
    c[key] += row.n;
    c.total += row.n;
    if (row.foundMissing) c.missing += row.n;
  }
  return counts;
}
