import { proxyActivities, sleep } from '@temporalio/workflow';
import type { SmokeActivities } from './smoke-activities.js';

const { greet } = proxyActivities<SmokeActivities>({ startToCloseTimeout: '10 seconds' });

/** Proves a workflow, a worker and an activity work together on a real server. */
export async function smokeGreeting(name: string): Promise<string> {
  return greet(name);
}

/** Proves the time-skipping server: 25 hours of workflow time pass in seconds of wall time. */
export async function smokeLongSleep(): Promise<number> {
  const started = Date.now();
  await sleep('25 hours');
  return Date.now() - started;
}
