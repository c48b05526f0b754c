import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Refreshes test/replay/histories/*.json, the saved histories the replay test runs against the
// current workflow code. It runs the e2e scenario of a small simulated tenant (real Temporal dev
// server, PostgreSQL and S3, started by the test harness) with SAVE_HISTORIES=1, which writes the
// histories of its completed tenantSync and one ingestMeeting run. Review and commit the result.
//
//   npx tsx scripts/save-histories.ts

const root = fileURLToPath(new URL('..', import.meta.url));
const run = spawnSync('npx', ['vitest', 'run', 'test/e2e/meetings.test.ts', '-t', 'replay test'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, SAVE_HISTORIES: '1' },
});
if (run.status !== 0) {
  console.error('save-histories: the e2e run failed; no histories were refreshed');
  process.exit(run.status ?? 1);
}
console.log('save-histories: wrote test/replay/histories/*.json; review and commit them');
