import { defineConfig } from 'vitest/config';

// The unit tests Stryker runs against each mutant (`npm run mutation`, stryker.config.json): pure
// logic only, so no global set-up and no servers. A mutated module's integration tests (storage,
// API, e2e) still run in `npm test`; here a mutant has to be caught by a unit test.
export default defineConfig({
  test: {
    include: [
      'test/reconciliation/archived.test.ts',
      'test/reconciliation/failed-cdrs.test.ts',
      'test/reconciliation/plan.test.ts',
      'test/storage/digest.test.ts',
      'test/recovery/meeting-csv.test.ts',
      'test/api/access-unit.test.ts',
      'test/ingest/*.test.ts',
      'test/zoom/windows.test.ts',
      'test/zoom/errors.test.ts',
    ],
    testTimeout: 30_000,
  },
});
