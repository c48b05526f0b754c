import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { syncStates, type AuthorizationStatus, type SyncSource } from '../schema/index.js';
import { forTenant } from './upsert.js';

export type SyncState = typeof syncStates.$inferSelect;

const target = [syncStates.tenantId, syncStates.source];

export async function getSyncState(db: Database, tenantId: string, source: SyncSource): Promise<SyncState | undefined> {
  const [state] = await db
    .select()
    .from(syncStates)
    .where(and(eq(syncStates.tenantId, tenantId), eq(syncStates.source, source)));
  return state;
}

export async function listSyncStates(db: Database, tenantId: string): Promise<SyncState[]> {
  return db.select().from(syncStates).where(eq(syncStates.tenantId, tenantId)).orderBy(asc(syncStates.source));
}

export async function markSyncRunning(db: Database, tenantId: string, source: SyncSource, at: Date = new Date()): Promise<SyncState> {
  const [state] = await forTenant(
    tenantId,
    db
      .insert(syncStates)
      .values({ tenantId, source, status: 'running', lastAttemptAt: at })
      .onConflictDoUpdate({ target, set: { status: 'running', lastAttemptAt: at, updatedAt: sql`now()` } })
      .returning(),
  );
  return state!;
}

/**
 * Ends a sync; with `error`, as finished with errors (some users could not be listed). The
 * watermark only moves forward: a slow sync that finishes after a faster, later one cannot pull it
 * back and make the next sync list everything again.
 */
export async function markSyncFinished(
  db: Database,
  tenantId: string,
  source: SyncSource,
  result: { watermark: Date; at?: Date; error?: string },
): Promise<SyncState> {
  const at = result.at ?? new Date();
  const done = {
    status: result.error ? 'finished_with_errors' as const : 'finished' as const,
    lastAttemptAt: at, lastSuccessAt: at, authorizationStatus: 'authorized' as const, lastError: result.error ?? null,
  };
  const [state] = await forTenant(
    tenantId,
    db
      .insert(syncStates)
      .values({ tenantId, source, ...done, watermark: result.watermark })
      .onConflictDoUpdate({
        target,
        set: { ...done, watermark: sql`greatest(${syncStates.watermark}, excluded.watermark)`, updatedAt: sql`now()` },
      })
      .returning(),
  );
  return state!;
}

/** Ends a sync with an error; `authorizationStatus: 'unauthorized'` when Zoom refused the credentials. */
export async function markSyncFailed(
  db: Database,
  tenantId: string,
  source: SyncSource,
  failure: { error: string; authorizationStatus?: AuthorizationStatus; at?: Date },
): Promise<SyncState> {
  const failed = {
    status: 'failed' as const,
    lastAttemptAt: failure.at ?? new Date(),
    lastError: failure.error,
    ...(failure.authorizationStatus ? { authorizationStatus: failure.authorizationStatus } : {}),
  };
  const [state] = await forTenant(
    tenantId,
    db
      .insert(syncStates)
      .values({ tenantId, source, ...failed })
      .onConflictDoUpdate({ target, set: { ...failed, updatedAt: sql`now()` } })
      .returning(),
  );
  return state!;
}
