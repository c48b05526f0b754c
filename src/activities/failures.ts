import { ApplicationFailure } from '@temporalio/common';
import { isZoomError, ZoomDailyLimitError, ZoomRateLimitedError } from '../zoom/index.js';

// Turns what an activity threw into a Temporal failure whose type is the error's name, so retry
// policies can name types, and whose retryability follows the error: a bad credential is not
// retried, a 429 waits as long as Zoom asked, a spent daily quota waits for 00:00 UTC.

const NEVER_RETRY = new Set(['UnknownTenantError', 'MediaConflictError', 'InvalidStorageKeyError', 'InvalidInputError', 'MissingDownloadUrlError', 'UntrackedCallError']);

export function toActivityFailure(err: unknown, now: Date = new Date()): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (isZoomError(err)) {
    if (err instanceof ZoomDailyLimitError) {
      return ApplicationFailure.create({
        type: err.type,
        message: err.message,
        details: [err.toJSON()],
        nextRetryDelay: Math.max(1_000, err.resetsAt.getTime() - now.getTime() + 5_000),
      });
    }
    return ApplicationFailure.create({
      type: err.type,
      message: err.message,
      details: [err.toJSON()],
      nonRetryable: !err.retryable,
      ...(err instanceof ZoomRateLimitedError ? { nextRetryDelay: err.retryAfterMs } : {}),
    });
  }
  if (err instanceof Error && NEVER_RETRY.has(err.name)) {
    return ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: true });
  }
  return err;
}

/** Runs an activity body and maps its failure. */
export async function mappingFailures<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw toActivityFailure(err);
  }
}
