import { heartbeat } from '@temporalio/activity';
import { listConversations, setVoiceQuality } from '../db/queries/conversations.js';
import { listReconciliationItems, updateReconciliationRun } from '../db/queries/reconciliation.js';
import type { ReconcileKey, ReconcileStep } from '../reconciliation/types.js';
import { participantVoiceQuality } from '../reconciliation/voice-quality.js';
import { ZoomNotFoundError, type ZoomClient } from '../zoom/index.js';
import type { ActivityDeps } from './deps.js';
import { progressOf, reconcileStep, requireRun, runKey } from './reconciliation.js';

// Voice quality, reconciliation's last and optional phase: each meeting of the day with CDRs of
// ours gets its participants' QoS (GET /metrics/meetings/{uuid}/participants/qos: heavy, at most
// 10 participants a page) folded into a 1–5 score on those CDRs. Best effort, within the quota
// share: the cursor is the last meeting scored, so a sleep until 00:00 UTC resumes after it.

/** Meetings one step scores. */
const MEETINGS_PER_STEP = 20;

async function scoreMeeting(deps: ActivityDeps, zoom: ZoomClient, tenantId: string, uuid: string): Promise<number> {
  const cdrs = await listConversations(deps.db, tenantId, { sourcePlatform: 'Zoom Meeting', platformCallId: uuid });
  if (cdrs.length === 0) return 0;
  const listing = zoom.listDashboardParticipantsQos(uuid);
  let participants;
  try {
    participants = await listing.toArray();
  } catch (err) {
    // Zoom keeps dashboard data for a limited time: such a meeting simply gets no score.
    if (err instanceof ZoomNotFoundError) return listing.stats.pages;
    throw err;
  }
  for (const cdr of cdrs) {
    const theirs = participants.filter((p) => p.id === cdr.recordedUserZoomId);
    const scores = theirs.map(participantVoiceQuality).filter((s): s is number => s !== undefined);
    if (scores.length > 0) await setVoiceQuality(deps.db, tenantId, cdr, Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 100) / 100);
  }
  return listing.stats.pages;
}

export const createVoiceQualityActivities = (deps: ActivityDeps) => ({
  /** Scores the next meetings of the day; `done` once every meeting with CDRs of ours is scored. */
  async rateVoiceQuality(key: ReconcileKey): Promise<ReconcileStep> {
    return reconcileStep(deps, key, async (zoom) => {
      const run = await requireRun(deps, key);
      const after = run.cursor.qualityThrough;
      const items = await listReconciliationItems(deps.db, key.tenantId, runKey(key), { ...(after !== undefined ? { after } : {}), limit: MEETINGS_PER_STEP });
      let saved = run;
      for (const item of items) {
        // Archived and unrecorded meetings have their CDRs; a meeting just handed to the ingest gets
        // them later (the next day's re-check scores it), and nobody's meeting has none of ours.
        const scored = item.outcome === 'archived' || item.outcome === 'not_recorded';
        const pages = scored ? await scoreMeeting(deps, zoom, key.tenantId, item.platformCallId) : 0;
        saved = (await updateReconciliationRun(deps.db, key.tenantId, runKey(key), { phase: 'quality', cursor: { ...saved.cursor, qualityThrough: item.platformCallId } }, { pages, heavyCalls: pages })) ?? saved;
        heartbeat();
      }
      return { done: items.length < MEETINGS_PER_STEP, progress: await progressOf(deps, key, saved) };
    });
  },
});
