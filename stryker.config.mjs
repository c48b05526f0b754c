// @ts-check
/**
 * `npm run mutation`: the core rules' unit tests (vitest.mutation.config.ts) against mutants of
 * those rules. A surviving mutant is either killed by a new test or listed, with why it is
 * equivalent, in test/README.md ("Mutation testing").
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  // Each mutant runs only the tests that reach its code.
  coverageAnalysis: 'perTest',
  mutate: [
    'src/reconciliation/archived.ts',
    'src/reconciliation/failed-cdrs.ts',
    'src/reconciliation/meeting-plan.ts',
    'src/reconciliation/voice-quality.ts',
    'src/storage/digest.ts',
    'src/recovery/meeting-csv.ts',
    'src/api/access.ts',
    'src/ingest/*.ts',
    'src/zoom/windows.ts',
    'src/zoom/errors.ts',
  ],
  reporters: ['clear-text', 'html', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  // The promise is 85%: below it the run fails.
  thresholds: { high: 90, low: 85, break: 85 },
  // Two cores, shared with the rest of the machine.
  concurrency: 2,
  // access-unit.test.ts opens an in-process PGlite per run and a worker's memory grows with each
  // one; a fresh worker every 20 runs keeps it bounded (mutants run in a worker worn out went
  // unkilled).
  maxTestRunnerReuse: 20,
  // A run shares two cores with the servers of other test runs: a slow start is not a mutant's
  // endless loop.
  timeoutMS: 15000,
  tempDirName: '.stryker-tmp',
};
