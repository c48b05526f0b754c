import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Adds saved histories for the replay test (test/replay/histories/<workflow>.<label>.json): it runs
// the e2e scenario of a small simulated tenant (real Temporal dev server, PostgreSQL and S3,
// started by the test harness), the Zoom Phone scenario and the reconciliation scenarios (one on
// the time-skipping server, with a sleep for the quota and continue-as-new) with
// SAVE_HISTORIES=<label>, which write the histories of their completed tenantSync, ingestMeeting,
// phoneSync, ingestPhoneCall, reconcile and reconcileDays runs, and of the recovery and the CSV
// intake (test/e2e/recovery.test.ts), as new files. Existing files are never overwritten. While no
// release is tagged, a change of workflow code removes the old files and saves new ones; after a
// tag, changes are versioned and every saved history must keep replaying.
//
//   npx tsx scripts/save-histories.ts <label>

const label = process.argv[2];
if (!label || !/^[a-z0-9-]+$/.test(label)) {
  console.error('usage: npx tsx scripts/save-histories.ts <label>   (lower-case letters, digits, dashes; names the new files)');
  process.exit(2);
}
const root = fileURLToPath(new URL('..', import.meta.url));
// Histories are re-saved from scratch while no release is tagged: the folder may be gone.
mkdirSync(`${root}test/replay/histories`, { recursive: true });
const run = spawnSync('npx', ['vitest', 'run', 'test/e2e/meetings.test.ts', 'test/e2e/phone.test.ts', 'test/e2e/reconciliation.test.ts', 'test/e2e/reconcile-quota.test.ts', 'test/e2e/recovery.test.ts', '-t', 'replay test'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, SAVE_HISTORIES: label },
});
if (run.status !== 0) {
  console.error(`save-histories: the e2e run failed (a file named '${label}' may already exist); nothing new was saved`);
  process.exit(run.status ?? 1);
}
console.log(`save-histories: wrote test/replay/histories/*.${label}.json; review and commit them`);
