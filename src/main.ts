import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { readEnv } from './config/env.js';
import { startDevServer, type RunningDevServer } from './local/temporal-dev-server.js';
import { createArchiverWorker } from './workers/worker.js';

// `npm start`: the whole archiver on one machine with its embedded defaults. A Temporal dev server
// (SQLite in DATA_DIR, Web UI on :8233) unless TEMPORAL_ADDRESS names a real cluster, and a worker.
const UI_PORT = Number(process.env.TEMPORAL_UI_PORT ?? 8233);

async function main(): Promise<void> {
  const env = readEnv();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dataDir = resolve(env.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });

  let devServer: RunningDevServer | undefined;
  let address = env.TEMPORAL_ADDRESS;
  if (!address) {
    console.log('starting the Temporal dev server (the first run builds it, which takes a few minutes)');
    devServer = await startDevServer({ dbFilename: resolve(dataDir, 'temporal.sqlite'), uiPort: UI_PORT, port: UI_PORT - 1000, namespace: env.TEMPORAL_NAMESPACE });
    address = devServer.address;
    console.log(`Temporal dev server at ${address} (${devServer.version})`);
  }

  const connection = await NativeConnection.connect({ address });
  const worker = await createArchiverWorker({ connection, namespace: env.TEMPORAL_NAMESPACE, taskQueue: env.TEMPORAL_TASK_QUEUE });
  const stop = () => { console.log('stopping…'); worker.shutdown(); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  console.log(`worker running on task queue ${env.TEMPORAL_TASK_QUEUE}`);
  console.log(`Temporal Web UI: ${devServer?.uiUrl ?? 'the UI of your Temporal cluster'}`);
  console.log('press Ctrl-C to stop');
  await worker.run();
  await connection.close();
  await devServer?.stop();
  console.log('stopped');
}

main().catch((err: Error) => {
  console.error(`archiver failed: ${err.message}`);
  process.exit(1);
});
