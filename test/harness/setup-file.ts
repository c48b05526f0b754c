import { DefaultLogger, Runtime } from '@temporalio/worker';

// Runs in every test worker process before its tests: Temporal's worker logs only warnings and
// errors, so a test's output shows what went wrong rather than every state change.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Already installed in this process by an earlier file: nothing to do.
}
