import type { Client, Connection } from '@temporalio/client';
import type { Env } from '../config/env.js';
import type { Database } from '../db/client.js';
import { describeScheduleChanges, syncSchedules, type ScheduleChanges } from '../schedules/tenant-schedules.js';
import { connectClient } from './connect.js';
import { ensureSearchAttributes } from './search-attributes-setup.js';

// What every process does before it uses Temporal, whichever starts first (a worker, an API
// replica, `tenants apply`, `npm start`): the search attributes exist, and the tenants' schedules
// match the database. Both steps are idempotent and safe to run from several processes at once.

export interface PreparedNamespace {
  searchAttributesAdded: string[];
  schedules: ScheduleChanges;
}

export async function prepareNamespace(options: {
  connection: Connection;
  client: Client;
  db: Database;
  taskQueue: string;
  log: (line: string) => void;
}): Promise<PreparedNamespace> {
  const namespace = options.client.options.namespace;
  const searchAttributesAdded = await ensureSearchAttributes(options.connection, namespace);
  if (searchAttributesAdded.length > 0) options.log(`registered search attributes on namespace '${namespace}': ${searchAttributesAdded.join(', ')}`);
  const schedules = await syncSchedules(options.client, options.db, { taskQueue: options.taskQueue });
  options.log(`schedules: ${describeScheduleChanges(schedules)}`);
  return { searchAttributesAdded, schedules };
}

/** The same, for a process that needs Temporal only for this step (a worker before it polls, the CLIs). */
export async function prepareNamespaceOf(
  env: Pick<Env, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_API_KEY' | 'TEMPORAL_TASK_QUEUE'>,
  db: Database,
  log: (line: string) => void,
): Promise<PreparedNamespace> {
  const { client, connection } = await connectClient(env);
  try {
    return await prepareNamespace({ connection, client, db, taskQueue: env.TEMPORAL_TASK_QUEUE, log });
  } finally {
    await connection.close();
  }
}
