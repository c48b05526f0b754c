import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { fileURLToPath } from 'node:url';
import { startDevServer, timeSkippingServerExecutable } from '../src/local/temporal-dev-server.js';
import { startVersityGateway } from '../src/local/s3-server.js';
import { runInfraScript } from '../src/local/infra-scripts.js';
import { checkPostgres } from '../src/local/preflight.js';
import { createSmokeActivities } from '../test/harness/smoke-activities.js';
import { figure, type BenchFigure } from './figures.js';

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await fn();
  return [result, performance.now() - started];
}

/** Start times of the real servers and a workflow round trip on the dev server. */
export async function runServerBench(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];

  const [dev, devMs] = await timed(() => startDevServer());
  figures.push(figure('servers.temporal_dev_start_ms', devMs, 'ms', undefined, dev.version));
  try {
    const connection = await Connection.connect({ address: dev.address });
    const nativeConnection = await NativeConnection.connect({ address: dev.address });
    const client = new Client({ connection });
    const worker = await Worker.create({
      connection: nativeConnection,
      taskQueue: 'bench-round-trip',
      workflowsPath: fileURLToPath(new URL('../test/harness/smoke-workflows.ts', import.meta.url)),
      activities: createSmokeActivities(),
    });
    await worker.runUntil(async () => {
      // The first run warms the worker's caches; the figure is the median of the next ten.
      await client.workflow.execute('smokeGreeting', { taskQueue: 'bench-round-trip', workflowId: 'bench-warm-up', args: ['bench'] });
      const samples: number[] = [];
      for (let i = 0; i < 10; i++) {
        const [, ms] = await timed(() => client.workflow.execute('smokeGreeting', { taskQueue: 'bench-round-trip', workflowId: `bench-${i}`, args: ['bench'] }));
        samples.push(ms);
      }
      samples.sort((a, b) => a - b);
      figures.push(figure('servers.workflow_round_trip_ms', samples[5]!, 'ms', undefined, 'median of 10, workflow + 1 activity'));
    });
    await connection.close();
    await nativeConnection.close();
  } finally {
    await dev.stop();
  }

  const [timeSkipping, timeSkippingMs] = await timed(() => TestWorkflowEnvironment.createTimeSkipping({ server: { executable: timeSkippingServerExecutable() } }));
  figures.push(figure('servers.time_skipping_start_ms', timeSkippingMs, 'ms', 5000, 'baseline: the SDK waits about 5 s'));
  await timeSkipping.teardown();

  const [s3, s3Ms] = await timed(() => startVersityGateway());
  figures.push(figure('servers.s3_start_ms', s3Ms, 'ms', undefined, s3.version));
  await s3.stop();

  const [version, pgMs] = await timed(() => checkPostgres(runInfraScript('start-postgres')));
  figures.push(figure('servers.postgres_ready_ms', pgMs, 'ms', undefined, version.split(' at ')[0]));
  return figures;
}
