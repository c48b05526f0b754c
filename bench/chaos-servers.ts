import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, createWriteStream, mkdirSync, readdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInfraScript } from '../src/local/infra-scripts.js';
import { freePort } from '../src/local/s3-server.js';
import { waitForPort } from '../src/local/wait-for-port.js';
import { allSearchAttributes } from '../src/workflows/search-attributes.js';

// The chaos run's own servers, each one a process this run started and may stop, kill and start
// again on the same port and data: nothing it does touches a server anything else on the machine
// uses (the shared PostgreSQL cluster, the test harness's dev server).

const root = fileURLToPath(new URL('../', import.meta.url));

/** Every process started here, so an exit (normal, Ctrl-C or a crash) can kill what is left. */
const live = new Set<ChildProcess>();
const exitHooks: (() => void)[] = [];

/** Kills every process still running and runs the synchronous hooks (PostgreSQL's stop); safe to call twice. */
export function killEverythingSync(): void {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  live.clear();
  for (const hook of exitHooks.splice(0)) {
    try { hook(); } catch { /* the process is going anyway */ }
  }
}

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await gone;
  clearTimeout(killer);
}

/** A server process on a fixed port that can be stopped and started again with the same arguments. */
class RestartableServer {
  private child: ChildProcess | null = null;
  private stderr = '';

  constructor(readonly name: string, private readonly binary: string, private readonly args: string[], readonly port: number, private readonly log: WriteStream) {}

  get running(): boolean { return this.child !== null && this.child.exitCode === null && this.child.signalCode === null; }

  async start(timeoutMs = 60_000): Promise<void> {
    const child = track(spawn(this.binary, this.args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    this.child = child;
    child.stdout!.pipe(this.log, { end: false });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
      this.log.write(chunk);
    });
    const exited = new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`${this.name} exited (${signal ?? code}) while starting: ${this.stderr}`))));
    exited.catch(() => undefined);
    await Promise.race([waitForPort(this.name, '127.0.0.1', this.port, timeoutMs), exited]);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child) await stopChild(this.child, signal);
    this.child = null;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

export interface ChaosTemporal {
  address: string;
  namespace: string;
  server: RestartableServer;
}

/** The Temporal CLI dev server on a free port, its state in a SQLite file so a restart keeps every workflow. */
export async function startChaosTemporal(dir: string, log: WriteStream): Promise<ChaosTemporal> {
  const binary = runInfraScript('install-temporal-cli');
  const port = await freePort();
  const args = [
    'server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless',
    '--http-port', String(await freePort()), '--metrics-port', String(await freePort()),
    '--db-filename', join(dir, 'temporal.sqlite'), '--namespace', 'default', '--log-level', 'error',
    ...allSearchAttributes.flatMap((a) => ['--search-attribute', `${a.name}=Keyword`]),
  ];
  const server = new RestartableServer('temporal dev server', binary, args, port, log);
  await server.start();
  return { address: `127.0.0.1:${port}`, namespace: 'default', server };
}

export interface ChaosS3 {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  server: RestartableServer;
}

/** Versity Gateway on a free port, posix backend in `dir`: stopped and started again, it serves the same objects. */
export async function startChaosS3(dir: string, log: WriteStream): Promise<ChaosS3> {
  const binary = runInfraScript('install-s3-server');
  const port = await freePort();
  const data = join(dir, 's3');
  mkdirSync(data, { recursive: true });
  const accessKeyId = 'chaos';
  const secretAccessKey = `chaos-${Math.random().toString(36).slice(2)}`;
  const server = new RestartableServer('versitygw (S3)', binary, ['--port', `127.0.0.1:${port}`, '--access', accessKeyId, '--secret', secretAccessKey, '--quiet', 'posix', data], port, log);
  await server.start();
  return { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', accessKeyId, secretAccessKey, server };
}

export interface ChaosPostgres {
  /** The run's database, on its own cluster. */
  url: string;
  port: number;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Debian's server binaries (scripts/infra/start-postgres.sh installs them), the newest version. */
function postgresBin(): string {
  const base = '/usr/lib/postgresql';
  let versions: string[] = [];
  try { versions = readdirSync(base).sort((a, b) => Number(a) - Number(b)); } catch { /* checked below */ }
  if (versions.length === 0) {
    runInfraScript('start-postgres');
    versions = readdirSync(base).sort((a, b) => Number(a) - Number(b));
  }
  return join(base, versions.at(-1)!, 'bin');
}

/**
 * A PostgreSQL cluster of the run's own (initdb in `dir`, a free port, trust on loopback), so a
 * restart never touches the machine's shared cluster. PostgreSQL refuses to run as root: as root
 * its commands run as the `postgres` user.
 */
export async function startChaosPostgres(dir: string): Promise<ChaosPostgres> {
  const bin = postgresBin();
  const data = join(dir, 'pg');
  mkdirSync(data, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    chmodSync(dir, 0o755);
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(data, uid, gid);
  }
  const pg = (tool: string, args: string[]) => {
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' });
  };
  const port = await freePort();
  pg('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${data} -c fsync=off -c max_connections=200`;
  pg('pg_ctl', ['-D', data, '-l', join(data, 'server.log'), '-o', options, '-w', 'start']);
  exitHooks.push(() => { pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']); });
  pg('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'chaos']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/chaos`,
    port,
    // Fast: every session is cut, as when the server is restarted under load.
    restart: async () => { pg('pg_ctl', ['-D', data, '-l', join(data, 'server.log'), '-m', 'fast', '-w', 'restart']); },
    stop: async () => { pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']); },
  };
}

/**
 * A worker (`src/workers/worker.ts`) as one OS process (node with tsx's loader, no wrapper, so a
 * SIGKILL reaches the worker itself), restarted whenever it exits, until stopped: a kill, or a
 * start that failed because a server was down, is followed by another start.
 */
export class SupervisedWorker {
  private child: ChildProcess | null = null;
  private output = '';
  private stopping = false;
  starts = 0;
  /** Exits the run did not cause (a crash, a start refused while a server was down). */
  unexpectedExits = 0;
  private expectKill = false;

  constructor(readonly name: string, private readonly env: NodeJS.ProcessEnv, private readonly log: WriteStream, private readonly say: (line: string) => void) {}

  start(): void {
    this.output = '';
    this.starts += 1;
    const child = track(spawn(process.execPath, ['--import', 'tsx', 'src/workers/worker.ts'], { cwd: root, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] }));
    this.child = child;
    const append = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
      this.log.write(chunk);
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    child.once('exit', (code, signal) => {
      this.log.write(`\n[chaos] ${this.name} exited (${signal ?? code})\n`);
      if (this.stopping) return;
      if (!this.expectKill) {
        this.unexpectedExits += 1;
        const reason = this.output.split('\n').filter((l) => /error/i.test(l)).at(-1)?.trim() ?? this.output.trim().split('\n').at(-1) ?? '';
        this.say(`${this.name} exited by itself (${signal ?? code}); starting it again: ${reason.slice(0, 300)}`);
      }
      this.expectKill = false;
      setTimeout(() => { if (!this.stopping) this.start(); }, 2000);
    });
  }

  get polling(): boolean { return /polling task queue/.test(this.output); }

  async waitUntilPolling(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.polling) {
      if (Date.now() > deadline) throw new Error(`${this.name} did not poll within ${timeoutMs} ms:\n${this.output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** SIGKILL: no shutdown, activities in flight abandoned mid-way; the supervisor starts it again. */
  kill(): void {
    if (!this.child || this.child.exitCode !== null) return;
    this.expectKill = true;
    this.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.child) await stopChild(this.child, 'SIGTERM');
  }
}

export const logFile = (dir: string, name: string): WriteStream => createWriteStream(join(dir, name), { flags: 'a' });
