import { and, asc, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../client.js';
import { DuplicateRecordedUserError } from '../errors.js';
import { MODALITIES, recordedUsers } from '../schema/index.js';
import { forTenant, parseInput, replaceIfChanged } from './upsert.js';

export const recordedUserInputSchema = z.object({
  zoomUserId: z.string().min(1),
  email: z.email(),
  name: z.string().min(1),
  phoneExtension: z.string().min(1).optional(),
  modality: z.enum(MODALITIES),
  individualAudio: z.boolean().default(false),
  enabled: z.boolean().default(true),
});
export type RecordedUserInput = z.input<typeof recordedUserInputSchema>;
export type RecordedUser = typeof recordedUsers.$inferSelect;

const parseUser = (tenantId: string, input: RecordedUserInput) => {
  const user = parseInput(recordedUserInputSchema, input, `recorded user of tenant '${tenantId}'`);
  return { ...user, tenantId, phoneExtension: user.phoneExtension ?? null };
};

/** Adds a user to record; a second user with the same Zoom user id is an error. */
export async function addRecordedUser(db: Database, tenantId: string, input: RecordedUserInput): Promise<RecordedUser> {
  const row = parseUser(tenantId, input);
  const [added] = await forTenant(tenantId, db.insert(recordedUsers).values(row).onConflictDoNothing().returning());
  if (!added) throw new DuplicateRecordedUserError(tenantId, row.zoomUserId);
  return added;
}

/** Creates or updates a user from configuration; applying the same input again changes nothing. */
export async function upsertRecordedUser(db: Database, tenantId: string, input: RecordedUserInput): Promise<RecordedUser> {
  const row = parseUser(tenantId, input);
  await forTenant(
    tenantId,
    db.insert(recordedUsers).values(row).onConflictDoUpdate({
      target: [recordedUsers.tenantId, recordedUsers.zoomUserId],
      ...replaceIfChanged(recordedUsers, ['zoomUserId']),
    }),
  );
  const user = await getRecordedUser(db, tenantId, row.zoomUserId);
  if (!user) throw new Error(`recorded user '${row.zoomUserId}' of tenant '${tenantId}' vanished while being written`);
  return user;
}

export async function getRecordedUser(db: Database, tenantId: string, zoomUserId: string): Promise<RecordedUser | undefined> {
  const [user] = await db
    .select()
    .from(recordedUsers)
    .where(and(eq(recordedUsers.tenantId, tenantId), eq(recordedUsers.zoomUserId, zoomUserId)));
  return user;
}

export async function listRecordedUsers(db: Database, tenantId: string, filter: { enabledOnly?: boolean } = {}): Promise<RecordedUser[]> {
  return db
    .select()
    .from(recordedUsers)
    .where(and(eq(recordedUsers.tenantId, tenantId), filter.enabledOnly ? eq(recordedUsers.enabled, true) : undefined))
    .orderBy(asc(recordedUsers.email));
}

/** The next enabled users by Zoom user id after `after`: a walk over thousands of users, a page at a time. */
export async function nextRecordedUsers(db: Database, tenantId: string, page: { after?: string; limit: number }): Promise<RecordedUser[]> {
  return db
    .select()
    .from(recordedUsers)
    .where(and(
      eq(recordedUsers.tenantId, tenantId),
      eq(recordedUsers.enabled, true),
      page.after !== undefined ? gt(recordedUsers.zoomUserId, page.after) : undefined,
    ))
    .orderBy(asc(recordedUsers.zoomUserId))
    .limit(page.limit);
}

/**
 * The tenant's recorded users among one meeting's or call's people (Zoom user ids, emails matched
 * case-insensitively, phone extensions), instead of every user of a tenant that may have thousands.
 */
export async function findRecordedUsers(
  db: Database,
  tenantId: string,
  who: { zoomUserIds?: readonly string[]; emails?: readonly string[]; extensions?: readonly string[] },
  filter: { enabledOnly?: boolean } = {},
): Promise<RecordedUser[]> {
  const ids = [...new Set(who.zoomUserIds ?? [])].filter((id) => id !== '');
  const emails = [...new Set((who.emails ?? []).map((e) => e.toLowerCase()))].filter((e) => e !== '');
  const extensions = [...new Set(who.extensions ?? [])].filter((e) => e !== '');
  if (ids.length === 0 && emails.length === 0 && extensions.length === 0) return [];
  return db
    .select()
    .from(recordedUsers)
    .where(and(
      eq(recordedUsers.tenantId, tenantId),
      filter.enabledOnly ? eq(recordedUsers.enabled, true) : undefined,
      or(
        ids.length > 0 ? inArray(recordedUsers.zoomUserId, ids) : undefined,
        emails.length > 0 ? inArray(sql`lower(${recordedUsers.email})`, emails) : undefined,
        extensions.length > 0 ? inArray(recordedUsers.phoneExtension, extensions) : undefined,
      ),
    ))
    .orderBy(asc(recordedUsers.email));
}

/** Whether some enabled user has no phone extension configured (they are then only recognised on a call's legs). */
export async function hasRecordedUserWithoutExtension(db: Database, tenantId: string): Promise<boolean> {
  const [row] = await db
    .select({ one: sql`1` })
    .from(recordedUsers)
    .where(and(eq(recordedUsers.tenantId, tenantId), eq(recordedUsers.enabled, true), isNull(recordedUsers.phoneExtension)))
    .limit(1);
  return row !== undefined;
}
