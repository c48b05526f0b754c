import type { ArchiveEvidence } from '../db/queries/reconciliation.js';

// What reconciliation calls archived: a stored file whose bytes were verified (SHA-256), not a
// CDR (the ingest writes one while files are still pending, or when every file was skipped).
// A compliance user reads the recording_failed CDRs of a day, so a recording the archive will not
// get by itself (its files failed, or are still pending after the tenant's fileRetryHours, the
// same window the ingest retries a download for) is reported there, with the reason. A meeting
// whose files were all skipped on purpose is neither: its item says why.

export type ArchiveVerdict =
  | { outcome: 'archived' }
  | { outcome: 'skipped'; reason: string }
  /** Reported: recording_failed CDRs with the reason. */
  | { outcome: 'not_archived'; reason: string };

const HOUR_MS = 3_600_000;

/** The verdict the archive alone gives; undefined when only Zoom can tell (nothing tracked, or files still in their retry window). */
export function archiveVerdict(evidence: ArchiveEvidence | undefined, fileRetryHours: number, now: Date): ArchiveVerdict | undefined {
  if (!evidence) return undefined;
  if (evidence.stored > 0) return { outcome: 'archived' };
  if (evidence.pending > 0) {
    const since = evidence.oldestPendingSince;
    if (!since || now.getTime() - since.getTime() < fileRetryHours * HOUR_MS) return undefined;
    const hours = Math.floor((now.getTime() - since.getTime()) / HOUR_MS);
    return { outcome: 'not_archived', reason: `recording not archived: ${evidence.pending} file(s) still not downloadable ${hours} h after Zoom listed them (the tenant retries for ${fileRetryHours} h)` };
  }
  if (evidence.failed.length > 0) return { outcome: 'not_archived', reason: `recording not archived: its files failed (${evidence.failed.join('; ')})` };
  if (evidence.skipped.length > 0) return { outcome: 'skipped', reason: `every file deliberately not archived (${evidence.skipped.join('; ')})` };
  return undefined;
}
