import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { historyFromSavedJson } from './saved-history.js';

// Replays saved event histories of completed tenantSync and ingestMeeting runs against the
// current workflow code (the harness's workflow bundle): a change that would break a running
// workflow (an activity added, removed or reordered without patching) fails here as a
// DeterminismViolationError.
//
// To refresh the histories after an intended, patched change (or to add new ones), run
// `npx tsx scripts/save-histories.ts`: it runs the e2e "small tenant" scenario with
// SAVE_HISTORIES=1, which writes test/replay/histories/*.json; commit them.

const dir = fileURLToPath(new URL('./histories/', import.meta.url));
const saved = readdirSync(dir).filter((name) => name.endsWith('.json')).sort();

describe('saved workflow histories', () => {
  it('include a tenantSync and an ingestMeeting run', () => {
    const types = saved.map((name) => {
      const history = historyFromSavedJson(readFileSync(`${dir}${name}`, 'utf8'));
      return history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
    });
    expect(new Set(types)).toEqual(new Set(['tenantSync', 'ingestMeeting']));
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
