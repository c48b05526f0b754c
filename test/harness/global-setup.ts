import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { startDevServer, timeSkippingServerExecutable } from '../../src/local/temporal-dev-server.js';
import { startVersityGateway, type S3Endpoint } from '../../src/local/s3-server.js';
import { runInfraScript } from '../../src/local/infra-scripts.js';
import { checkPostgres, checkS3, checkTemporal } from '../../src/local/preflight.js';
import { writeFile } from 'node:fs/promises';

// Brings the real servers up once per test run and hands their addresses to every test file
// through vitest's provide/inject. Each server can instead be named by the environment:
// TEMPORAL_ADDRESS, DATABASE_URL, S3_ENDPOINT (+ S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_REGION).

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    workflowBundlePath: string;
    timeSkippingServer: string;
    databaseUrl: string;
    s3: S3Endpoint;
  }
}

// Node 20 is this project's fixed runtime; the AWS SDK's reminder about Node 22 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const log = (line: string) => console.log(`[harness] ${line}`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  const workDir = mkdtempSync(join(tmpdir(), 'za-test-'));
  stops.push(async () => rmSync(workDir, { recursive: true, force: true }));
  const teardown = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: Error) => log(`teardown: ${err.message}`));
  };

  try {
    // Temporal dev server (or the one named by TEMPORAL_ADDRESS).
    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    const temporalNamespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
    if (!temporalAddress) {
      const started = Date.now();
      const dev = await startDevServer({ namespace: temporalNamespace });
      stops.push(dev.stop);
      temporalAddress = dev.address;
      log(`Temporal dev server ${dev.version} on ${dev.address} (started in ${Date.now() - started} ms)`);
    }
    log(`Temporal: ${await checkTemporal(temporalAddress, temporalNamespace)}`);

    const timeSkippingExecutable = timeSkippingServerExecutable();
    const timeSkippingServer = timeSkippingExecutable.type === 'existing-path' ? timeSkippingExecutable.path : 'download';
    log(`time-skipping test server: ${timeSkippingServer}`);

    // PostgreSQL (Debian's, started by scripts/infra/start-postgres.sh, or DATABASE_URL).
    const databaseUrl = runInfraScript('start-postgres');
    log(`PostgreSQL: ${await checkPostgres(databaseUrl)}`);

    // S3: Versity Gateway on loopback, or the endpoint named by S3_ENDPOINT.
    let s3: S3Endpoint;
    if (process.env.S3_ENDPOINT) {
      s3 = {
        endpoint: process.env.S3_ENDPOINT,
        region: process.env.S3_REGION ?? 'us-east-1',
        accessKeyId: process.env.S3_ACCESS_KEY_ID ?? '',
        secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? '',
        forcePathStyle: true,
      };
    } else {
      const started = Date.now();
      const gateway = await startVersityGateway();
      stops.push(gateway.stop);
      const { endpoint, region, accessKeyId, secretAccessKey, forcePathStyle } = gateway;
      s3 = { endpoint, region, accessKeyId, secretAccessKey, forcePathStyle };
      log(`S3 server ${gateway.version} on ${gateway.endpoint} (started in ${Date.now() - started} ms)`);
    }
    log(`S3: ${await checkS3(s3)}`);

    // Workflow code is bundled once per run; every test worker loads this bundle.
    const started = Date.now();
    const { code } = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./test-workflows.ts', import.meta.url)),
      logger: { trace() {}, debug() {}, info() {}, warn: (m: string) => log(m), error: (m: string) => log(m), log() {} },
    });
    const workflowBundlePath = join(workDir, 'workflow-bundle.js');
    await writeFile(workflowBundlePath, code);
    log(`workflow bundle ready (${Math.round(code.length / 1024)} KiB in ${Date.now() - started} ms)`);

    project.provide('temporalAddress', temporalAddress);
    project.provide('temporalNamespace', temporalNamespace);
    project.provide('workflowBundlePath', workflowBundlePath);
    project.provide('timeSkippingServer', timeSkippingServer);
    project.provide('databaseUrl', databaseUrl);
    project.provide('s3', s3);
  } catch (err) {
    await teardown();
    throw new Error(`The test harness could not bring up the real servers: ${(err as Error).message}`, { cause: err });
  }
  return teardown;
}
