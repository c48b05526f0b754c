import type { ActivityDeps } from './deps.js';
import { createArchiveFileActivities } from './archive-file.js';
import { createConsoleActivities } from './console.js';
import { createCsvIntakeActivities } from './csv-intake.js';
import { createSmallFilesActivities } from './archive-small-files.js';
import { createDeleteAfterArchiveActivities } from './delete-after-archive.js';
import { createMeetingActivities } from './meeting.js';
import { createPhoneCallActivities } from './phone-call.js';
import { createPhoneSyncActivities } from './phone-listing.js';
import { createCallReconciliationActivities } from './reconcile-calls.js';
import { createMeetingReconciliationActivities } from './reconcile-meetings.js';
import { createVoiceQualityActivities } from './reconcile-voice-quality.js';
import { createReconciliationActivities } from './reconciliation.js';
import { createRecoveryActivities } from './recovery.js';
import { createSyncActivities } from './sync.js';

// Activities are built by a factory that receives their dependencies (database, media store,
// Zoom clients), so the worker hands in the real ones and tests hand in what they need.
export const createActivities = (deps: ActivityDeps) => ({
  ...createSyncActivities(deps),
  ...createMeetingActivities(deps),
  ...createArchiveFileActivities(deps),
  ...createSmallFilesActivities(deps),
  ...createDeleteAfterArchiveActivities(deps),
  ...createPhoneSyncActivities(deps),
  ...createPhoneCallActivities(deps),
  ...createReconciliationActivities(deps),
  ...createMeetingReconciliationActivities(deps),
  ...createCallReconciliationActivities(deps),
  ...createVoiceQualityActivities(deps),
  ...createRecoveryActivities(deps),
  ...createCsvIntakeActivities(deps),
  ...createConsoleActivities(deps),
});

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps.js';
