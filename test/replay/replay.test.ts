import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { historyFromSavedJson } from './saved-history.js';

// Replays saved event histories of completed tenantSync, ingestMeeting, phoneSync, ingestPhoneCall,
// reconcile, reconcileDays and csvIntake runs, and of a recovery (always running), against the
// current workflow code (the harness's workflow bundle): a change that would break a running
// workflow (an activity added, removed or reordered without patching) fails here as a
// DeterminismViolationError.
//
// No release has been tagged, so no run outside the tests depends on older code: after an
// intended change of workflow code, remove the histories and save them again with
// `npx tsx scripts/save-histories.ts <label>` (it runs the e2e scenarios that write
// test/replay/histories/<workflow>.<label>.json). Once a release is tagged, changes are versioned
// and the older files stay.

const dir = fileURLToPath(new URL('./histories/', import.meta.url));
const saved = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();

describe('saved workflow histories', () => {
  it('include a run of every workflow the worker runs', () => {
    const types = saved.map((name) => {
      const { history } = historyFromSavedJson(readFileSync(`${dir}${name}`, 'utf8'));
      return history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
    });
    expect(new Set(types)).toEqual(new Set(['tenantSync', 'ingestMeeting', 'phoneSync', 'ingestPhoneCall', 'reconcile', 'reconcileDays', 'recovery', 'csvIntake']));
  });

  it('replay against the current workflow code without non-determinism', async () => {
    // Each run replays under its own workflow ID: the code takes the path it took then.
    const histories = saved.map((name) => historyFromSavedJson(readFileSync(`${dir}${name}`, 'utf8')));
    const results = Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundlePath') } }, histories);
    const replayed: string[] = [];
    for await (const result of results) {
      expect(result.error, `${result.workflowId}: ${String(result.error)}`).toBeUndefined();
      replayed.push(result.workflowId);
    }
    expect(replayed.sort()).toEqual(histories.map((h) => h.workflowId).sort());
  });

  it('catch a reordered activity', async () => {
    // The saved tenantSync with its first two different activities swapped, as if the code had
    // reordered them: the replay must refuse it, or the test above proves nothing.
    const name = saved.find((n) => n.startsWith('tenant-sync.'))!;
    const { workflowId, history } = historyFromSavedJson(readFileSync(`${dir}${name}`, 'utf8'));
    const scheduled = history.events.map((e) => e.activityTaskScheduledEventAttributes?.activityType).filter((t) => t != null);
    const first = scheduled[0]!;
    const other = scheduled.find((t) => t.name !== first.name)!;
    [first.name, other.name] = [other.name, first.name];
    const results = Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundlePath') } }, [{ workflowId, history }]);
    const errors: unknown[] = [];
    for await (const result of results) errors.push(result.error);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(DeterminismViolationError);
  });
});
