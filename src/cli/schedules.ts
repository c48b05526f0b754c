import { fileURLToPath } from 'node:url';
import { readEnv } from '../config/env.js';
import { databaseOptionsFromEnv, openDatabase } from '../db/client.js';
import { temporalAddress } from '../temporal/connect.js';
import { prepareNamespaceOf } from '../temporal/prepare-namespace.js';

// `npm run schedules -- sync`: brings every tenant's schedules in line with the database on the
// cluster named by TEMPORAL_ADDRESS (default localhost:7233), and prints what changed. Workers and
// API replicas do the same at start, and `tenants apply` right after it writes.

const USAGE = `usage: npm run schedules -- sync

  sync  register missing search attributes, then create, update or delete each tenant's schedules
        (one per tenant and enabled source) so they match the database; a paused schedule stays paused

Temporal is TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE;
the database is DATABASE_URL, else the embedded one in DATA_DIR.`;

export async function runSchedulesCli(args: string[], out: (line: string) => void = console.log): Promise<number> {
  if (args.length !== 1 || args[0] !== 'sync') {
    out(USAGE);
    return 2;
  }
  const env = readEnv();
  const { db, close } = await openDatabase(databaseOptionsFromEnv(env));
  try {
    out(`syncing schedules on ${temporalAddress(env)} (namespace ${env.TEMPORAL_NAMESPACE}, task queue ${env.TEMPORAL_TASK_QUEUE})`);
    await prepareNamespaceOf(env, db, out);
    return 0;
  } finally {
    await close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runSchedulesCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`schedules: ${err.message}`);
      process.exit(1);
    },
  );
}
