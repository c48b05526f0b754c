import { and, asc, eq, gte, lt, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { conversations, type SourcePlatform } from '../schema/index.js';
import { forTenant, replaceIfChanged, wasInserted } from './upsert.js';

export type Conversation = typeof conversations.$inferSelect;
export type ConversationInput = Omit<typeof conversations.$inferInsert, 'id' | 'tenantId' | 'createdAt' | 'updatedAt'>;
export type UpsertOutcome = 'inserted' | 'updated' | 'unchanged';

const key = ['sourcePlatform', 'platformCallId', 'recordedUserZoomId'] as const;
// The voice quality is reconciliation's, scored after the import wrote the CDR: a CDR written again
// without one keeps it; one written with a score sets it.
const replaceOthers = replaceIfChanged(conversations, [...key, 'voiceQuality']);
const replace = {
  set: { ...replaceOthers.set, voiceQuality: sql`coalesce(excluded.voice_quality, ${conversations.voiceQuality})` },
  setWhere: sql`(${replaceOthers.setWhere} or (excluded.voice_quality is not null and excluded.voice_quality is distinct from ${conversations.voiceQuality}))`,
};

/**
 * Writes the CDR of one recorded user and conversation. The same CDR twice changes nothing; a
 * newer one replaces the old, except that a recording_failed CDR (reconciliation) never replaces
 * one of a conversation that was archived.
 */
export async function upsertConversation(db: Database, tenantId: string, cdr: ConversationInput): Promise<{ id: string; outcome: UpsertOutcome }> {
  const [written] = await forTenant(
    tenantId,
    db
      .insert(conversations)
      .values({ ...cdr, tenantId })
      .onConflictDoUpdate({
        target: [conversations.tenantId, ...key.map((k) => conversations[k])],
        set: replace.set,
        setWhere: sql`${replace.setWhere} and not (not ${conversations}.recording_failed and excluded.recording_failed)`,
      })
      .returning({ id: conversations.id, inserted: wasInserted }),
  );
  if (written) return { id: written.id, outcome: written.inserted ? 'inserted' : 'updated' };
  const [existing] = await db
    .select({ id: conversations.id })
    .from(conversations)
    .where(and(
      eq(conversations.tenantId, tenantId),
      eq(conversations.sourcePlatform, cdr.sourcePlatform),
      eq(conversations.platformCallId, cdr.platformCallId),
      eq(conversations.recordedUserZoomId, cdr.recordedUserZoomId),
    ));
  if (!existing) throw new Error(`CDR ${cdr.platformCallId} of tenant '${tenantId}' vanished while being written`);
  return { id: existing.id, outcome: 'unchanged' };
}

export interface ConversationFilter {
  sourcePlatform?: SourcePlatform;
  /** A meeting's UUID or a phone call's id. */
  platformCallId?: string;
  /** The numeric meeting id people type. */
  zoomMeetingId?: string;
  /** The recorded user's Zoom id. */
  recordedUserZoomId?: string;
  /** Only the recording_failed CDRs (reconciliation's), or only the others. */
  recordingFailed?: boolean;
  /** Started at or after. */
  from?: Date;
  /** Started before. */
  to?: Date;
  limit?: number;
  offset?: number;
}

/** Sets one user's voice quality (1–5, from Zoom's QoS) on a conversation's CDR. */
export async function setVoiceQuality(db: Database, tenantId: string, cdr: { sourcePlatform: SourcePlatform; platformCallId: string; recordedUserZoomId: string }, score: number): Promise<void> {
  await db
    .update(conversations)
    .set({ voiceQuality: score, updatedAt: sql`now()` })
    .where(and(
      eq(conversations.tenantId, tenantId),
      eq(conversations.sourcePlatform, cdr.sourcePlatform),
      eq(conversations.platformCallId, cdr.platformCallId),
      eq(conversations.recordedUserZoomId, cdr.recordedUserZoomId),
    ));
}

export async function listConversations(db: Database, tenantId: string, filter: ConversationFilter = {}): Promise<Conversation[]> {
  return db
    .select()
    .from(conversations)
    .where(and(
      eq(conversations.tenantId, tenantId),
      filter.sourcePlatform ? eq(conversations.sourcePlatform, filter.sourcePlatform) : undefined,
      filter.platformCallId ? eq(conversations.platformCallId, filter.platformCallId) : undefined,
      filter.zoomMeetingId ? eq(conversations.zoomMeetingId, filter.zoomMeetingId) : undefined,
      filter.recordedUserZoomId ? eq(conversations.recordedUserZoomId, filter.recordedUserZoomId) : undefined,
      filter.recordingFailed === undefined ? undefined : eq(conversations.recordingFailed, filter.recordingFailed),
      filter.from ? gte(conversations.startedAt, filter.from) : undefined,
      filter.to ? lt(conversations.startedAt, filter.to) : undefined,
    ))
    .orderBy(asc(conversations.startedAt), asc(conversations.platformCallId), asc(conversations.recordedUserZoomId))
    .limit(filter.limit ?? Number.MAX_SAFE_INTEGER)
    .offset(filter.offset ?? 0);
}
