import type { ActivityDeps } from './deps.js';
import { createDeleteAfterArchiveActivities } from './delete-after-archive.js';
import { createMeetingActivities } from './meeting.js';
import { createSyncActivities } from './sync.js';

// Activities are built by a factory that receives their dependencies (database, media store,
// Zoom clients), so the worker hands in the real ones and tests hand in what they need.
export const createActivities = (deps: ActivityDeps) => ({
  ...createSyncActivities(deps),
  ...createMeetingActivities(deps),
  ...createDeleteAfterArchiveActivities(deps),
});

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps.js';
