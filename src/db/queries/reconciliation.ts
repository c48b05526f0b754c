import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { reconciliationRuns, type SyncSource } from '../schema/index.js';
import { forTenant } from './upsert.js';

export type ReconciliationRun = typeof reconciliationRuns.$inferSelect;
export type ReconciliationProgress = Partial<Pick<
  ReconciliationRun,
  'status' | 'cursor' | 'conversationsChecked' | 'missingFound' | 'failedCdrsWritten' | 'apiCalls' | 'finishedAt' | 'lastError'
>>;

export async function startReconciliationRun(
  db: Database,
  tenantId: string,
  run: { source: SyncSource; fromDay: string; toDay: string },
): Promise<ReconciliationRun> {
  const [started] = await forTenant(tenantId, db.insert(reconciliationRuns).values({ ...run, tenantId }).returning());
  return started!;
}

/** Saves where the run stands, so a run that sleeps until 00:00 UTC resumes from its cursor. */
export async function updateReconciliationRun(db: Database, tenantId: string, runId: string, progress: ReconciliationProgress): Promise<ReconciliationRun | undefined> {
  const [run] = await db
    .update(reconciliationRuns)
    .set({ ...progress, updatedAt: sql`now()` })
    .where(and(eq(reconciliationRuns.tenantId, tenantId), eq(reconciliationRuns.id, runId)))
    .returning();
  return run;
}

export async function listReconciliationRuns(db: Database, tenantId: string, limit = 20): Promise<ReconciliationRun[]> {
  return db
    .select()
    .from(reconciliationRuns)
    .where(eq(reconciliationRuns.tenantId, tenantId))
    .orderBy(desc(reconciliationRuns.startedAt))
    .limit(limit);
}
