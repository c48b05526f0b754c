import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { WebhookDeps } from './webhooks.js';

// What every webhook route shares: Zoom's answer deadline for starting a workflow, and the way
// validation problems are listed back.

export const issues = (error: z.ZodError) => error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);

const DEFAULT_START_TIMEOUT_MS = 2_500;

class StartTimeout extends Error {}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StartTimeout()), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export interface StartOutcome {
  httpStatus: 200 | 503;
  body: { status: 'started' | 'already_running'; workflowId: string } | { error: string };
}

/**
 * Starts an ingest workflow within Zoom's answer deadline. Zoom retries an event answered 503, and
 * the retry lands on the same workflow ID, so nothing is lost and nothing doubles.
 */
export async function startWithinDeadline(reply: FastifyReply, deps: WebhookDeps, event: string, workflowId: string, begin: () => Promise<unknown>): Promise<StartOutcome> {
  const log = reply.log.child({ event, workflowId });
  const start = begin();
  try {
    await withDeadline(start, deps.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    log.info('ingest started by webhook');
    return { httpStatus: 200, body: { status: 'started', workflowId } };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { httpStatus: 200, body: { status: 'already_running', workflowId } };
    if (err instanceof StartTimeout) {
      // The start may still land; Zoom's retry then finds it running. Either way nothing is lost.
      start.catch((late: Error) => log.error({ err: late.message }, 'late workflow start failed'));
      log.error('Temporal did not answer within the webhook deadline');
      return { httpStatus: 503, body: { error: 'Temporal did not answer in time; Zoom will retry this event' } };
    }
    log.error({ err: (err as Error).message }, 'could not start the ingest workflow');
    return { httpStatus: 503, body: { error: `could not start workflow ${workflowId}: ${(err as Error).message}` } };
  }
}
