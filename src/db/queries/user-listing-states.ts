import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { userListingStates, type SyncSource } from '../schema/index.js';
import { forTenant } from './upsert.js';

export type UserListingState = typeof userListingStates.$inferSelect;

const target = [userListingStates.tenantId, userListingStates.source, userListingStates.zoomUserId];

export async function listUserListingStates(db: Database, tenantId: string, source: SyncSource): Promise<UserListingState[]> {
  return db
    .select()
    .from(userListingStates)
    .where(and(eq(userListingStates.tenantId, tenantId), eq(userListingStates.source, source)))
    .orderBy(asc(userListingStates.zoomUserId));
}

/** The user's listing reached `until`; an earlier error is cleared. */
export async function markUserListed(db: Database, tenantId: string, source: SyncSource, zoomUserId: string, until: Date): Promise<void> {
  await markUsersListed(db, tenantId, source, [zoomUserId], until);
}

/** `markUserListed` for many users in one statement. */
export async function markUsersListed(db: Database, tenantId: string, source: SyncSource, zoomUserIds: readonly string[], until: Date): Promise<void> {
  const unique = [...new Set(zoomUserIds)];
  if (unique.length === 0) return;
  const done = { listedUntil: until, lastListedAt: new Date(), lastError: null, lastErrorAt: null };
  await forTenant(
    tenantId,
    db.insert(userListingStates).values(unique.map((zoomUserId) => ({ tenantId, source, zoomUserId, ...done })))
      .onConflictDoUpdate({
        target,
        set: {
          listedUntil: sql`greatest(${userListingStates.listedUntil}, excluded.listed_until)`,
          lastListedAt: sql`excluded.last_listed_at`, lastError: sql`null`, lastErrorAt: sql`null`, updatedAt: sql`now()`,
        },
      }),
  );
}

/** The user could not be listed: kept with Zoom's answer; `listedUntil` stays where it was. */
export async function markUserListingFailed(db: Database, tenantId: string, source: SyncSource, zoomUserId: string, error: string): Promise<void> {
  const failed = { lastError: error, lastErrorAt: new Date() };
  await forTenant(
    tenantId,
    db.insert(userListingStates).values({ tenantId, source, zoomUserId, ...failed })
      .onConflictDoUpdate({ target, set: { ...failed, updatedAt: sql`now()` } }),
  );
}
