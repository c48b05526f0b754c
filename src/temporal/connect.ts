import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Env } from '../config/env.js';

// How every process reaches Temporal: TEMPORAL_ADDRESS (a self-hosted cluster, the compose stack's
// `temporal:7233`, or Temporal Cloud with TEMPORAL_API_KEY over TLS).

type TemporalEnv = Pick<Env, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_API_KEY'>;

/** The address of the cluster the environment names; localhost:7233 (a local dev server) when it names none. */
export const temporalAddress = (env: TemporalEnv) => env.TEMPORAL_ADDRESS ?? 'localhost:7233';

const connectionOptions = (env: TemporalEnv, address: string) => ({
  address,
  ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY, tls: true } : {}),
});

/** A client connection (starting workflows, schedules, the operator service). */
export async function connectClient(env: TemporalEnv, address = temporalAddress(env)): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect(connectionOptions(env, address));
  return { client: new Client({ connection, namespace: env.TEMPORAL_NAMESPACE }), connection };
}

/** A worker's connection. */
export function connectWorker(env: TemporalEnv, address = temporalAddress(env)): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(env, address));
}
