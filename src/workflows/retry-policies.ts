import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

// Retry policies follow the Zoom client's error types. Activities already mark a failure
// non-retryable when retrying cannot help (they map every error in activities/failures.ts); the
// types that are never retryable are listed here too so a policy reads on its own. A daily-limit
// 429 is retried after the delay the activity names (the next 00:00 UTC), QPS 429s and 5xx back off
// exponentially. ZoomBadResponseError is not listed: a body cut short mid-JSON or a listing that
// lost rows is retryable and the activity says so per failure.
export const NON_RETRYABLE_ERROR_TYPES = [
  'ZoomAuthError',
  'ZoomNotFoundError',
  'ZoomRequestError',
  'UnknownTenantError',
  'MediaConflictError',
  'InvalidStorageKeyError',
  'UntrackedCallError',
];

/** Short calls to Zoom's API or the database. */
export const apiCallOptions: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 12,
    nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
  },
};

/**
 * A tenant's whole listing: long (thousands of users), heartbeating per user so a dead worker is
 * noticed within a minute and the listing retried on another.
 */
export const listingOptions: ActivityOptions = {
  ...apiCallOptions,
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '1 minute',
};

/** How long a file is retried before it is marked failed, by default: rides out a multi-hour Zoom outage. */
export const DEFAULT_FILE_RETRY_HOURS = 8;

/**
 * Streaming one media file into the store: long, heartbeating, retried from a fresh download for
 * at most `retryHours` (the tenant's `fileRetryHours`), then the file is marked failed with its
 * reason. Causes a retry cannot fix (an HTML page, a 404, a host not allowed) fail at once.
 */
export const downloadOptions = (retryHours = DEFAULT_FILE_RETRY_HOURS): ActivityOptions => ({
  startToCloseTimeout: '6 hours',
  scheduleToCloseTimeout: `${retryHours} hours`,
  // A worker that dies mid-download is noticed within this, and the file retried on another.
  heartbeatTimeout: '30 seconds',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '30 minutes',
    maximumAttempts: 40,
    nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES,
  },
});

/** Bookkeeping in our own database only. */
export const databaseOptions: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 20, nonRetryableErrorTypes: ['UnknownTenantError'] },
};

/**
 * Bookkeeping in our own database run as a local activity (in the worker that runs the workflow,
 * no task round trip): same retries; after a minute of failing the workflow backs off with timers.
 */
export const localDatabaseOptions: LocalActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: databaseOptions.retry,
};

/**
 * A meeting's small files archived together: a short activity, tried twice; what it leaves goes
 * to `downloadOptions`, file by file, with the tenant's full retry window.
 */
export const smallFilesOptions: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', maximumAttempts: 2, nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
};

/**
 * A reconciliation step: one walk of Zoom's logs or one batch of checks. Heartbeats per flush of
 * rows, per user or per meeting, so a dead worker's step is retried elsewhere within 30 s; a spent
 * daily quota is not a failure (the step returns and the workflow sleeps).
 */
export const reconcileStepOptions: ActivityOptions = {
  ...apiCallOptions,
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '30 seconds',
};
