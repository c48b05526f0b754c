import { ApplicationFailure, TemporalFailure } from '@temporalio/workflow';

/** The root cause of a failure: its type ("ZoomAuthError") and a message for the sync state ops read. */
export function describeFailure(err: unknown): { error: string; errorType?: string } {
  let cause = err;
  while (cause instanceof TemporalFailure && cause.cause) cause = cause.cause;
  if (cause instanceof ApplicationFailure && cause.type) return { error: `${cause.type}: ${cause.message}`, errorType: cause.type };
  return { error: cause instanceof Error ? cause.message : String(cause) };
}
