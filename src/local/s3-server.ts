import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { runInfraScript } from './infra-scripts.js';
import { waitForPort } from './wait-for-port.js';

export interface S3Endpoint {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

export interface RunningS3Server extends S3Endpoint {
  version: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts Versity Gateway (a real S3 server) on loopback with its posix backend on a fresh
 * temporary folder. Keys are random per start: nothing outside this process knows them.
 */
export async function startVersityGateway(): Promise<RunningS3Server> {
  const binary = runInfraScript('install-s3-server');
  // `versitygw --version` prints "Version  : v1.8.0" first.
  const version = `versitygw ${execFileSync(binary, ['--version'], { encoding: 'utf8' }).split('\n')[0]?.split(':')[1]?.trim() ?? ''}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'za-s3-'));
  const port = await freePort();
  const accessKeyId = `za${Math.random().toString(36).slice(2, 12)}`;
  const secretAccessKey = `za${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  const child = spawn(binary, ['--port', `127.0.0.1:${port}`, '--access', accessKeyId, '--secret', secretAccessKey, '--quiet', 'posix', dataDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-2000); });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`versitygw exited with code ${code}: ${stderr}`))));
  await Promise.race([waitForPort('versitygw (S3)', '127.0.0.1', port, 15_000), exited]);
  exited.catch(() => undefined);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    accessKeyId,
    secretAccessKey,
    forcePathStyle: true,
    version,
    stop: async () => {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
