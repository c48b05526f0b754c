// Plain data between the reconcile workflow and its activities (kept in histories: small, no secrets).
import type { ReconciliationStatus, ReconciliationUserError } from '../db/schema/reconciliation.js';
import type { MeetingRef, MeetingSource } from '../ingest/types.js';

export type ReconcileFamily = 'meetings' | 'phone';

export interface ReconcileKey {
  tenantId: string;
  family: ReconcileFamily;
  /** The UTC day compared, yyyy-mm-dd. */
  day: string;
}

/** What the `progress` query answers; every count comes from the database, so none is counted twice. */
export interface ReconcileProgress {
  day: string;
  family: ReconcileFamily;
  status: ReconciliationStatus;
  /** walk: reading Zoom's logs; check: comparing with the archive (and handing what is missing to the ingest); quality: voice quality; done. */
  phase: string;
  /** Meetings: 'dashboard' or 'user_reports'. */
  plan: string | null;
  pagesWalked: number;
  heavyCallsUsed: number;
  /** Meetings or calls of the day found in Zoom's logs. */
  found: number;
  checked: number;
  missingFound: number;
  failedCdrsWritten: number;
  /** ISO 8601: the run sleeps until then for Zoom's daily quota. */
  pausedUntil: string | null;
  /** Configured users Zoom refused (deleted, not in the account), with Zoom's answer: the day is reconciled without them. */
  userErrors: ReconciliationUserError[];
  /** The tenant asks for voice quality on meeting CDRs: a last phase, after everything else. */
  rateVoiceQuality?: boolean;
  /** CDRs given a voice quality score so far. */
  voiceQualityScored?: number;
}

/** A step of the walk or the check: done, or waiting for the daily quota until `waitingUntil`. */
export interface ReconcileStep {
  done: boolean;
  /** ISO 8601, when the daily quota (or reconciliation's share of it) opens again. */
  waitingUntil?: string;
  progress: ReconcileProgress;
}

/**
 * One page of what the check found missing, read back from the database for the workflow to hand
 * to the ingest: a check step that died after marking an item missing loses nothing.
 */
export interface MissingPage {
  /** Meetings Zoom holds a recording of that the archive lacks: for the meeting ingest. */
  meetings: { source: MeetingSource; meeting: MeetingRef }[];
  /** Calls with a recording of a configured user the archive lacks: for the phone ingest. */
  callIds: string[];
  /** The last platform call id of the page: where the next page starts. */
  last: string | null;
}
