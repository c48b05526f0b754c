import { describe, expect, it } from 'vitest';
import type { ArchiveEvidence } from '../../src/db/queries/reconciliation.js';
import { archiveVerdict } from '../../src/reconciliation/archived.js';

// What reconciliation calls archived (docs/operations.md, "What counts as archived"): a stored,
// verified file; every file skipped on purpose is `skipped`; files failed, or pending past the
// tenant's fileRetryHours, are reported; otherwise only Zoom can tell.

const NOW = new Date('2026-06-15T12:00:00Z');
const hoursBefore = (h: number) => new Date(NOW.getTime() - h * 3_600_000);
const evidence = (e: Partial<ArchiveEvidence>): ArchiveEvidence => ({ stored: 0, pending: 0, oldestPendingSince: null, failed: [], skipped: [], ...e });

describe('the archive\'s verdict on a meeting or call', () => {
  it('is archived with one stored file, whatever else failed, waits or was skipped', () => {
    expect(archiveVerdict(evidence({ stored: 1, pending: 2, oldestPendingSince: hoursBefore(100), failed: ['MP4: 404'], skipped: ['CHAT: not wanted'] }), 8, NOW))
      .toEqual({ outcome: 'archived' });
  });

  it('leaves it to Zoom when nothing is tracked, or nothing at all is known of its files', () => {
    expect(archiveVerdict(undefined, 8, NOW)).toBeUndefined();
    expect(archiveVerdict(evidence({}), 8, NOW)).toBeUndefined();
  });

  it('waits for pending files within fileRetryHours, and reports them from that hour on', () => {
    expect(archiveVerdict(evidence({ pending: 2, oldestPendingSince: hoursBefore(7.99) }), 8, NOW)).toBeUndefined();
    // A pending file whose listing time is unknown is still in its window.
    expect(archiveVerdict(evidence({ pending: 1, oldestPendingSince: null }), 8, NOW)).toBeUndefined();
    expect(archiveVerdict(evidence({ pending: 2, oldestPendingSince: hoursBefore(8) }), 8, NOW)).toEqual({
      outcome: 'not_archived', reason: 'recording not archived: 2 file(s) still not downloadable 8 h after Zoom listed them (the tenant retries for 8 h)',
    });
    // Whole hours, rounded down; pending outranks failed files in the reason.
    expect(archiveVerdict(evidence({ pending: 1, oldestPendingSince: hoursBefore(30.9), failed: ['MP4: 404'] }), 24, NOW)).toEqual({
      outcome: 'not_archived', reason: 'recording not archived: 1 file(s) still not downloadable 30 h after Zoom listed them (the tenant retries for 24 h)',
    });
  });

  it('reports failed files with each one\'s reason, and calls a meeting whose every file was skipped skipped', () => {
    expect(archiveVerdict(evidence({ failed: ['MP4: HTTP 404', 'M4A: truncated'], skipped: ['CHAT: not wanted'] }), 8, NOW)).toEqual({
      outcome: 'not_archived', reason: 'recording not archived: its files failed (MP4: HTTP 404; M4A: truncated)',
    });
    expect(archiveVerdict(evidence({ skipped: ['MP4: not_wanted_by_modality', 'CHAT: no_recorded_user'] }), 8, NOW)).toEqual({
      outcome: 'skipped', reason: 'every file deliberately not archived (MP4: not_wanted_by_modality; CHAT: no_recorded_user)',
    });
  });
});
