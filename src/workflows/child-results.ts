import { ChildWorkflowFailure, condition, type ChildWorkflowHandle, type Workflow } from '@temporalio/workflow';
import type { IngestMeetingResult } from '../ingest/types.js';
import type { HandOff } from './console.js';

/**
 * Waits for an ingest child (a meeting's or a call's) at most `waitMs` and adds its result to a
 * sync's totals; a child not done by then is counted as released (it goes on, the sync does not
 * wait). A failed child adds nothing: its files stay pending for a later sync.
 */
export async function addChildResult(
  child: ChildWorkflowHandle<Workflow & ((...args: never[]) => Promise<IngestMeetingResult | HandOff>)>,
  waitMs: number,
  totals: IngestMeetingResult & { released?: number },
): Promise<void> {
  let outcome: IngestMeetingResult | HandOff | undefined;
  let ended = false;
  void child.result().then(
    (result) => { outcome = result; ended = true; },
    (err: unknown) => {
      if (!(err instanceof ChildWorkflowFailure)) throw err;
      ended = true;
    },
  );
  if (!(await condition(() => ended, waitMs))) {
    totals.released = (totals.released ?? 0) + 1;
    return;
  }
  // A child started under its canonical ID archives itself; a hand-off never comes back here.
  if (!outcome || 'handedTo' in outcome) return;
  totals.stored += outcome.stored;
  totals.alreadyStored += outcome.alreadyStored;
  totals.processing += outcome.processing;
  totals.failed += outcome.failed;
  totals.bytes += outcome.bytes;
  totals.cdrs += outcome.cdrs;
}
