import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { readEnv } from '../config/env.js';
import { createActivities } from '../activities/index.js';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface ArchiverWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
}

/** The archiver's worker: every workflow in src/workflows and every activity from the factory. */
export async function createArchiverWorker(options: ArchiverWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowsPath,
    activities: createActivities(),
  });
}

// Run as a process of its own (docker-compose, a fleet of workers): `tsx src/workers/worker.ts`.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const env = readEnv();
  const address = env.TEMPORAL_ADDRESS ?? 'localhost:7233';
  const connection = await NativeConnection.connect({ address });
  const worker = await createArchiverWorker({ connection, namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.TEMPORAL_TASK_QUEUE });
  console.log(`worker polling task queue ${env.TEMPORAL_TASK_QUEUE} on ${address} (namespace ${env.TEMPORAL_NAMESPACE})`);
  await worker.run();
  await connection.close();
}
