import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../client.js';
import { conversations, mediaFiles } from '../schema/index.js';

export interface ArchiveSummary {
  /** Conversations (meetings and calls) with at least one CDR. */
  conversations: number;
  /** Of those, meetings and Zoom Phone calls. */
  meetings: number;
  calls: number;
  cdrs: number;
  filesStored: number;
  bytesStored: number;
  filesPending: number;
  /** Files that could not be archived: listed with their reasons by GET /api/tenants/:tenant/files?state=failed. */
  filesFailed: number;
  /** Files deliberately not archived, each with its reason (not wanted by the users' modalities, no download URL, ...). */
  filesSkipped: number;
}

/** What the archive holds for a tenant: the start-up summary and the status API. */
export async function archiveSummary(db: Database, tenantId: string): Promise<ArchiveSummary> {
  const [cdrs] = await db
    .select({
      cdrs: sql<number>`count(*)::int`,
      conversations: sql<number>`count(distinct (${conversations.sourcePlatform}, ${conversations.platformCallId}))::int`,
      meetings: sql<number>`count(distinct ${conversations.platformCallId}) filter (where ${conversations.sourcePlatform} = 'Zoom Meeting')::int`,
      calls: sql<number>`count(distinct ${conversations.platformCallId}) filter (where ${conversations.sourcePlatform} = 'Zoom Phone')::int`,
    })
    .from(conversations)
    .where(eq(conversations.tenantId, tenantId));
  const [files] = await db
    .select({
      stored: sql<number>`count(*) filter (where ${mediaFiles.state} = 'stored')::int`,
      bytes: sql<number>`coalesce(sum(${mediaFiles.storedSize}) filter (where ${mediaFiles.state} = 'stored'), 0)::bigint`,
      pending: sql<number>`count(*) filter (where ${mediaFiles.state} = 'pending')::int`,
      failed: sql<number>`count(*) filter (where ${mediaFiles.state} = 'failed')::int`,
      skipped: sql<number>`count(*) filter (where ${mediaFiles.state} = 'skipped')::int`,
    })
    .from(mediaFiles)
    .where(and(eq(mediaFiles.tenantId, tenantId)));
  return {
    conversations: cdrs?.conversations ?? 0,
    meetings: cdrs?.meetings ?? 0,
    calls: cdrs?.calls ?? 0,
    cdrs: cdrs?.cdrs ?? 0,
    filesStored: files?.stored ?? 0,
    bytesStored: Number(files?.bytes ?? 0),
    filesPending: files?.pending ?? 0,
    filesFailed: files?.failed ?? 0,
    filesSkipped: files?.skipped ?? 0,
  };
}
