import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { apiKeys, auditLog, type ApiRole } from '../schema/index.js';

// The support API's keys (stored as the SHA-256 of their secret) and its audit log.

export type ApiKey = typeof apiKeys.$inferSelect;
export type AuditEntry = typeof auditLog.$inferSelect;

export async function insertApiKey(db: Database, key: { id: string; name: string; role: ApiRole; tenants: string[] | null; secretSha256: string }): Promise<ApiKey> {
  const [row] = await db.insert(apiKeys).values(key).returning();
  return row!;
}

/** A key that is not revoked, by its public id. */
export async function findActiveApiKey(db: Database, id: string): Promise<ApiKey | undefined> {
  const [row] = await db.select().from(apiKeys).where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
  return row;
}

export async function listApiKeys(db: Database): Promise<ApiKey[]> {
  return db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
}

export async function revokeApiKey(db: Database, id: string): Promise<ApiKey | undefined> {
  const [row] = await db.update(apiKeys).set({ revokedAt: sql`now()` }).where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).returning();
  return row;
}

/** At most once a minute per key: a busy key does not write a row per request. */
export async function touchApiKey(db: Database, id: string): Promise<void> {
  await db.update(apiKeys).set({ lastUsedAt: sql`now()` })
    .where(and(eq(apiKeys.id, id), sql`(${apiKeys.lastUsedAt} is null or ${apiKeys.lastUsedAt} < now() - interval '1 minute')`));
}

export async function recordAudit(db: Database, entry: Omit<typeof auditLog.$inferInsert, 'id' | 'at'>): Promise<void> {
  await db.insert(auditLog).values(entry);
}

/** The audit log, newest first; of one tenant when given. */
export async function listAudit(db: Database, options: { tenantId?: string; limit: number; offset?: number }): Promise<AuditEntry[]> {
  return db.select().from(auditLog)
    .where(options.tenantId ? eq(auditLog.tenantId, options.tenantId) : undefined)
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(options.limit)
    .offset(options.offset ?? 0);
}
