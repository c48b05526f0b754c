import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTestTemporal, createTimeSkippingEnv, type TestTemporal } from '../harness/index.js';
import { createSmokeActivities } from '../harness/smoke-activities.js';
import { ZoomTenant } from '../../src/workflows/search-attributes.js';

describe('Temporal dev server', () => {
  let temporal: TestTemporal;
  beforeAll(async () => { temporal = await connectTestTemporal('smoke'); });
  afterAll(async () => { await temporal?.close(); });

  it('runs a workflow with an activity to completion through a real worker', async () => {
    const worker = await temporal.createWorker({ activities: createSmokeActivities() });
    const result = await worker.runUntil(
      temporal.client.workflow.execute('smokeGreeting', {
        taskQueue: temporal.taskQueue,
        workflowId: `smoke-greeting-${temporal.taskQueue}`,
        args: ['archiver'],
        typedSearchAttributes: [{ key: ZoomTenant, value: 'smoke-tenant' }],
      }),
    );
    expect(result).toBe('hello, archiver');
  });

  it('has the project search attributes registered', async () => {
    const { customAttributes } = await temporal.connection.operatorService.listSearchAttributes({ namespace: temporal.namespace });
    expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(['ZoomTenant', 'ZoomSource', 'ZoomMeetingUuid', 'ZoomCallId']));
  });
});

describe('time-skipping test server', () => {
  it('completes a workflow that sleeps 25 hours in a few seconds', async () => {
    const env = await createTimeSkippingEnv();
    try {
      const { Worker } = await import('@temporalio/worker');
      const { inject } = await import('vitest');
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'smoke-time-skipping',
        workflowBundle: { codePath: inject('workflowBundlePath') },
        activities: createSmokeActivities(),
      });
      const wallStart = Date.now();
      const sleptMs = await worker.runUntil(
        env.client.workflow.execute('smokeLongSleep', { taskQueue: 'smoke-time-skipping', workflowId: 'smoke-long-sleep' }),
      );
      expect(sleptMs).toBeGreaterThanOrEqual(25 * 3600 * 1000);
      // Skipped, not slept: the run takes about a second; 20 s leaves a loaded machine 20 times
      // that, and is still 4,500 times shorter than the 25 hours a server that sleeps would take.
      expect(Date.now() - wallStart).toBeLessThan(20_000);
    } finally {
      await env.teardown();
    }
  });
});
