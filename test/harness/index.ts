import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { S3Client, CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import postgres from 'postgres';
import { inject } from 'vitest';
import type { S3Endpoint } from '../../src/local/s3-server.js';

// Per-test-file isolation on the shared real servers: a fresh database, a fresh bucket and a
// task queue of its own. Each helper returns what to call in afterAll to clean up.

/** A short random suffix safe in database names, bucket names and task queues. */
export const uniqueSuffix = () => randomBytes(5).toString('hex');

export interface TestDatabase { url: string; name: string; drop(): Promise<void> }

/** Creates an empty database on the real PostgreSQL server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('databaseUrl');
  const name = `za_test_${uniqueSuffix()}`;
  const admin = postgres(adminUrl, { max: 1, connect_timeout: 5, onnotice: () => undefined });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end({ timeout: 1 });
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const sql = postgres(adminUrl, { max: 1, connect_timeout: 5, onnotice: () => undefined });
      try {
        await sql.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await sql.end({ timeout: 1 });
      }
    },
  };
}

export function testS3Endpoint(): S3Endpoint {
  return inject('s3');
}

export function testS3Client(): S3Client {
  const s3 = testS3Endpoint();
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
}

export interface TestBucket { bucket: string; s3: S3Endpoint; client: S3Client; drop(): Promise<void> }

/** Creates an empty bucket on the real S3 server; drop() empties and deletes it. */
export async function createTestBucket(): Promise<TestBucket> {
  const client = testS3Client();
  const bucket = `za-test-${uniqueSuffix()}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    bucket,
    s3: testS3Endpoint(),
    client,
    drop: async () => {
      for (;;) {
        const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
        const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
        if (keys.length === 0) break;
        await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
      }
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      client.destroy();
    },
  };
}

export interface TestTemporal {
  client: Client;
  connection: Connection;
  nativeConnection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** A worker on this file's task queue, running the run-wide workflow bundle. */
  createWorker(options: Pick<WorkerOptions, 'activities'> & Partial<WorkerOptions>): Promise<Worker>;
  close(): Promise<void>;
}

/** Connects to the run's Temporal dev server with a task queue of this test file's own. */
export async function connectTestTemporal(label: string): Promise<TestTemporal> {
  const address = inject('temporalAddress');
  const namespace = inject('temporalNamespace');
  const connection = await Connection.connect({ address, connectTimeout: 5_000 });
  const nativeConnection = await NativeConnection.connect({ address });
  const taskQueue = `test-${label}-${uniqueSuffix()}`;
  return {
    client: new Client({ connection, namespace }),
    connection,
    nativeConnection,
    namespace,
    taskQueue,
    createWorker: (options) =>
      Worker.create({
        connection: nativeConnection,
        namespace,
        taskQueue,
        workflowBundle: { codePath: inject('workflowBundlePath') },
        ...options,
      }),
    close: async () => {
      await connection.close();
      await nativeConnection.close();
    },
  };
}

/** A time-skipping test server of this file's own (it starts in about a second). */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = inject('timeSkippingServer');
  return TestWorkflowEnvironment.createTimeSkipping(
    path === 'download' ? {} : { server: { executable: { type: 'existing-path', path } } },
  );
}
