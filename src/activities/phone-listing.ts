import { Context, heartbeat } from '@temporalio/activity';
import { listCallsToArchive, upsertListedCalls, type CallCursor, type CallRef } from '../db/queries/phone-calls.js';
import { listRecordedUsers } from '../db/queries/recorded-users.js';
import { CallCollector, RecordedUserMatcher } from '../ingest/phone-recordings.js';
import { PHONE_WINDOW_MS } from '../zoom/windows.js';
import { timeWindows } from '../zoom/index.js';
import type { ActivityDeps } from './deps.js';
import { mappingFailures } from './failures.js';

// A tenant's Zoom Phone listing: the account's call recordings (GET /phone/recordings, medium,
// 300 a page) from the sync's start to its end, kept to the recordings of configured users and
// written to the database as it goes. Resumable like the archive listing: a retried attempt starts
// at the first window its predecessor had not finished.

/** Calls held in memory before they are written (a few statements per flush). */
const CALLS_PER_FLUSH = 500;

export interface ListPhoneCallsResult {
  /** Calls with a recording of a configured user (written with their recordings). */
  calls: number;
  /** Recording rows Zoom listed; those of users nobody configured are counted, never downloaded. */
  recordings: number;
  notConfigured: number;
}

export const createPhoneSyncActivities = (deps: ActivityDeps) => ({
  async listPhoneCalls({ tenantId, from, to }: { tenantId: string; from: string; to: string }): Promise<ListPhoneCallsResult> {
    return mappingFailures(async () => {
      const zoom = await deps.zoom.forTenant(tenantId);
      const users = new RecordedUserMatcher(await listRecordedUsers(deps.db, tenantId, { enabledOnly: true }));
      const collector = new CallCollector(tenantId, users);
      const previous = Context.current().info.heartbeatDetails as { windowsDone?: number } | undefined;
      const windowsDone = typeof previous?.windowsDone === 'number' ? previous.windowsDone : 0;
      const result: ListPhoneCallsResult = { calls: 0, recordings: 0, notConfigured: 0 };
      // A call whose legs straddle a flush is written twice (merged) and counted once.
      const written = new Set<string>();
      const flush = async () => {
        const calls = collector.take();
        await upsertListedCalls(deps.db, tenantId, calls);
        for (const c of calls) written.add(c.call.callId);
        result.calls = written.size;
      };
      try {
        for (const [index, window] of timeWindows(new Date(from), new Date(to), { maxMs: PHONE_WINDOW_MS }).entries()) {
          if (index < windowsDone) continue;
          for await (const recording of zoom.listPhoneRecordings({ from: window.from, to: window.to })) {
            collector.add(recording);
            if (++result.recordings % 300 === 0) heartbeat({ windowsDone: index, rows: result.recordings });
            if (collector.calls.size >= CALLS_PER_FLUSH) await flush();
          }
          await flush();
          heartbeat({ windowsDone: index + 1 });
        }
      } finally {
        await deps.zoom.flushUsage(tenantId);
      }
      result.notConfigured = collector.skipped;
      return result;
    });
  },

  /** One page of calls with a recording to archive (or archived without their CDRs), oldest first, after `after`. */
  async nextCallsToArchive(input: { tenantId: string; after?: CallCursor; limit: number }): Promise<CallRef[]> {
    return listCallsToArchive(deps.db, input.tenantId, { ...(input.after ? { after: input.after } : {}), limit: input.limit });
  },
});
