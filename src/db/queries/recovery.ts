import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { recoveryItems, recoveryRequests, type RecoveryItemState, type RecoveryKind, type SyncSource } from '../schema/index.js';
import { forTenant } from './upsert.js';

export type RecoveryRequest = typeof recoveryRequests.$inferSelect;
export type RecoveryItem = typeof recoveryItems.$inferSelect;
export type RecoveryProgress = Partial<Pick<
  RecoveryRequest,
  'status' | 'cursor' | 'itemsMissing' | 'itemsArchived' | 'itemsFailed' | 'finishedAt' | 'lastError'
>>;

export interface RecoveryRequestInput {
  kind: RecoveryKind;
  source: SyncSource;
  requestedBy: string;
  windowFrom?: Date;
  windowTo?: Date;
  /** Meeting ids or UUIDs (a CSV's rows); repeats are kept once. */
  meetingRefs?: readonly string[];
}

/** Records a request and its meetings in one transaction: a request is never half-written. */
export async function createRecoveryRequest(db: Database, tenantId: string, input: RecoveryRequestInput): Promise<RecoveryRequest> {
  const refs = [...new Set((input.meetingRefs ?? []).map((r) => r.trim()).filter((r) => r.length > 0))];
  return forTenant(tenantId, db.transaction(async (tx) => {
    const [request] = await tx
      .insert(recoveryRequests)
      .values({
        tenantId,
        kind: input.kind,
        source: input.source,
        requestedBy: input.requestedBy,
        windowFrom: input.windowFrom,
        windowTo: input.windowTo,
        itemsTotal: refs.length,
      })
      .returning();
    if (refs.length > 0) await tx.insert(recoveryItems).values(refs.map((meetingRef) => ({ requestId: request!.id, tenantId, meetingRef })));
    return request!;
  }));
}

export async function getRecoveryRequest(db: Database, tenantId: string, requestId: string): Promise<RecoveryRequest | undefined> {
  const [request] = await db
    .select()
    .from(recoveryRequests)
    .where(and(eq(recoveryRequests.tenantId, tenantId), eq(recoveryRequests.id, requestId)));
  return request;
}

export async function updateRecoveryRequest(db: Database, tenantId: string, requestId: string, progress: RecoveryProgress): Promise<RecoveryRequest | undefined> {
  const [request] = await db
    .update(recoveryRequests)
    .set({ ...progress, updatedAt: sql`now()` })
    .where(and(eq(recoveryRequests.tenantId, tenantId), eq(recoveryRequests.id, requestId)))
    .returning();
  return request;
}

export async function listRecoveryItems(db: Database, tenantId: string, requestId: string, filter: { state?: RecoveryItemState } = {}): Promise<RecoveryItem[]> {
  return db
    .select()
    .from(recoveryItems)
    .where(and(
      eq(recoveryItems.tenantId, tenantId),
      eq(recoveryItems.requestId, requestId),
      filter.state ? eq(recoveryItems.state, filter.state) : undefined,
    ))
    .orderBy(asc(recoveryItems.meetingRef));
}

export async function setRecoveryItemState(
  db: Database,
  tenantId: string,
  itemId: string,
  update: { state: RecoveryItemState; zoomMeetingId?: string; meetingUuid?: string; error?: string },
): Promise<RecoveryItem | undefined> {
  const [item] = await db
    .update(recoveryItems)
    .set({ ...update, error: update.error ?? null, updatedAt: sql`now()` })
    .where(and(eq(recoveryItems.tenantId, tenantId), eq(recoveryItems.id, itemId)))
    .returning();
  return item;
}
