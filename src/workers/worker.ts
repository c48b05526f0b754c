import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { readEnv } from '../config/env.js';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { connectWorker, temporalAddress } from '../temporal/connect.js';
import { prepareNamespaceOf } from '../temporal/prepare-namespace.js';
import { openArchiverDeps } from './archiver-deps.js';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface ArchiverWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt workflow bundle (tests, production images); bundled from source when absent. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** The archiver's worker: every workflow in src/workflows and every activity from the factory. */
export async function createArchiverWorker(options: ArchiverWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities: createActivities(options.deps),
    // Downloads are long and streamed: a few at a time per worker keeps memory and bandwidth sane.
    maxConcurrentActivityTaskExecutions: 20,
  });
}

// Run as a process of its own (docker-compose, a fleet of workers): `npm run worker`. Before it
// polls, it checks the media store, registers missing search attributes and brings the tenants'
// schedules in line with the database, so a cluster with a tenants file applied archives by itself.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const env = readEnv();
  const deps = await openArchiverDeps(env);
  await deps.activities.store.checkWritable({ create: env.S3_CREATE_BUCKET });
  await prepareNamespaceOf(env, deps.db, (line) => console.log(`worker: ${line}`));
  const connection = await connectWorker(env);
  const worker = await createArchiverWorker({ connection, namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.TEMPORAL_TASK_QUEUE, deps: deps.activities });
  process.once('SIGINT', () => worker.shutdown());
  process.once('SIGTERM', () => worker.shutdown());
  console.log(`worker ${worker.options.identity} polling task queue ${env.TEMPORAL_TASK_QUEUE} on ${temporalAddress(env)} (namespace ${env.TEMPORAL_NAMESPACE}), media in ${deps.activities.store.location}`);
  await worker.run();
  await connection.close();
  await deps.close();
}
