import { execFileSync } from 'node:child_process';
import { TestWorkflowEnvironment, type EphemeralServerExecutable } from '@temporalio/testing';
import { allSearchAttributes } from '../workflows/search-attributes.js';
import { runInfraScript } from './infra-scripts.js';

/**
 * Where the Temporal CLI comes from, in this order:
 * - TEMPORAL_CLI_PATH names an installed `temporal` binary;
 * - TEMPORAL_CLI_DOWNLOAD=1 lets @temporalio/testing download it (needs internet);
 * - otherwise scripts/infra builds it once from the Go module proxy and caches it.
 */
export function temporalCliExecutable(): { executable: EphemeralServerExecutable; version: string } {
  if (process.env.TEMPORAL_CLI_DOWNLOAD === '1') {
    return { executable: { type: 'cached-download' }, version: 'downloaded by @temporalio/testing' };
  }
  const path = runInfraScript('install-temporal-cli');
  const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
  return { executable: { type: 'existing-path', path }, version };
}

/** The same three ways for the time-skipping test server (TEMPORAL_TEST_SERVER_PATH, TEMPORAL_TEST_SERVER_DOWNLOAD=1). */
export function timeSkippingServerExecutable(): EphemeralServerExecutable {
  if (process.env.TEMPORAL_TEST_SERVER_DOWNLOAD === '1') return { type: 'cached-download' };
  return { type: 'existing-path', path: runInfraScript('install-test-server') };
}

export interface DevServerOptions {
  /** SQLite file that keeps workflows across restarts; in memory when absent. */
  dbFilename?: string;
  port?: number;
  /** Serve the Web UI on this port. */
  uiPort?: number;
  namespace?: string;
  /** Register the project's search attributes at start (default); off, the server is like a fresh cluster. */
  registerSearchAttributes?: boolean;
}

export interface RunningDevServer {
  env: TestWorkflowEnvironment;
  address: string;
  namespace: string;
  version: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

/** Starts the Temporal CLI dev server, with the project's search attributes registered unless told otherwise. */
export async function startDevServer(options: DevServerOptions = {}): Promise<RunningDevServer> {
  const { executable, version } = temporalCliExecutable();
  const namespace = options.namespace ?? 'default';
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable,
      ip: '127.0.0.1',
      namespace,
      ...(options.port ? { port: options.port } : {}),
      ...(options.dbFilename ? { dbFilename: options.dbFilename } : {}),
      ...(options.uiPort ? { ui: true, uiPort: options.uiPort } : { ui: false }),
      searchAttributes: options.registerSearchAttributes === false ? [] : allSearchAttributes,
      log: { format: 'pretty', level: 'error' },
    },
  });
  return {
    env,
    address: env.address,
    namespace,
    version,
    ...(options.uiPort ? { uiUrl: `http://127.0.0.1:${options.uiPort}` } : {}),
    stop: () => env.teardown(),
  };
}
