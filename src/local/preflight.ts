import { Connection } from '@temporalio/client';
import { S3Client, ListBucketsCommand } from '@aws-sdk/client-s3';
import postgres from 'postgres';
import type { S3Endpoint } from './s3-server.js';

// Each check answers within a few seconds with the server's version, or fails with a message that
// names the server and its address: a stopped server must fail a run fast, never hang it.
const TIMEOUT_MS = 5_000;

export async function checkTemporal(address: string, namespace: string): Promise<string> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: TIMEOUT_MS });
    const info = await connection.withDeadline(Date.now() + TIMEOUT_MS, () => connection!.workflowService.getSystemInfo({}));
    await connection.withDeadline(Date.now() + TIMEOUT_MS, () => connection!.workflowService.describeNamespace({ namespace }));
    return `server ${info.serverVersion || 'unknown version'} at ${address}, namespace ${namespace}`;
  } catch (err) {
    throw new Error(`Temporal server at ${address} (namespace ${namespace}) is not usable: ${(err as Error).message}`, { cause: err });
  } finally {
    await connection?.close();
  }
}

export async function checkPostgres(url: string): Promise<string> {
  const sql = postgres(url, { connect_timeout: TIMEOUT_MS / 1000, max: 1, onnotice: () => undefined });
  const where = redactUrl(url);
  try {
    const [row] = await sql<{ version: string }[]>`select version()`;
    return `${row?.version.split(' on ')[0]} at ${where}`;
  } catch (err) {
    throw new Error(`PostgreSQL at ${where} is not usable: ${(err as Error).message}`, { cause: err });
  } finally {
    await sql.end({ timeout: 1 });
  }
}

export async function checkS3(endpoint: S3Endpoint): Promise<string> {
  const client = new S3Client({
    endpoint: endpoint.endpoint,
    region: endpoint.region,
    forcePathStyle: endpoint.forcePathStyle,
    credentials: { accessKeyId: endpoint.accessKeyId, secretAccessKey: endpoint.secretAccessKey },
    maxAttempts: 1,
  });
  try {
    const { Buckets } = await client.send(new ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(TIMEOUT_MS) });
    return `S3 at ${endpoint.endpoint} answers (${Buckets?.length ?? 0} buckets)`;
  } catch (err) {
    throw new Error(`S3 server at ${endpoint.endpoint} is not usable: ${(err as Error).name}: ${(err as Error).message}`, { cause: err });
  } finally {
    client.destroy();
  }
}

/** A URL fit for a log line: the password is replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}
