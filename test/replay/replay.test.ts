import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { historyFromSavedJson } from './saved-history.js';

// Replays saved event histories of completed tenantSync, ingestMeeting, phoneSync, ingestPhoneCall,
// reconcile, reconcileDays and csvIntake runs, and of a recovery (always running), against the
// current workflow code (the harness's workflow bundle): a change that would break a running
// workflow (an activity added, removed or reordered without patching) fails here as a
// DeterminismViolationError.
//
// After an intended, patched change, add histories of the new code with
// `npx tsx scripts/save-histories.ts <label>`: it runs the e2e "small tenant" scenario and writes
// test/replay/histories/<workflow>.<label>.json beside the older files; commit them. Older files
// stay: a run started under any earlier version must still replay.

const dir = fileURLToPath(new URL('./histories/', import.meta.url));
const saved = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();

describe('saved workflow histories', () => {
  it('include a run of every workflow the worker runs', () => {
    const types = saved.map((name) => {
      const history = historyFromSavedJson(readFileSync(`${dir}${name}`, 'utf8'));
      return history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
    });
    expect(new Set(types)).toEqual(new Set(['tenantSync', 'ingestMeeting', 'phoneSync', 'ingestPhoneCall', 'reconcile', 'reconcileDays', 'recovery', 'csvIntake']));
  });

  it('replay against the current workflow code without non-determinism', async () => {
    const histories = saved.map((name) => ({
      workflowId: `replay-${name.replace(/\.json$/, '')}`,
      history: historyFromSavedJson(readFileSync(`${dir}${name}`, 'utf8')),
    }));
    const results = Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundlePath') } }, histories);
    const replayed: string[] = [];
    for await (const result of results) {
      expect(result.error, `${result.workflowId}: ${String(result.error)}`).toBeUndefined();
      replayed.push(result.workflowId);
    }
    expect(replayed.sort()).toEqual(histories.map((h) => h.workflowId).sort());
  });
});
