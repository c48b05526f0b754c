import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The archiver's own entry points run as separate OS processes, started the way docker-compose
// starts them (`tsx <entry>` with the environment as its only configuration).

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = `${root}node_modules/.bin/tsx`;

export interface ArchiverProcess {
  name: string;
  pid: number;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the first match of `pattern` in its output; rejects when it exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Resolves with its exit code. */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export function startArchiverProcess(name: string, entry: string, args: string[], env: NodeJS.ProcessEnv): ArchiverProcess {
  const child: ChildProcess = spawn(tsx, [entry, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (chunk: Buffer) => { output += chunk.toString(); };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name,
    pid: child.pid!,
    output: () => output,
    exited,
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = output.match(pattern);
        if (match) return match;
        if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} before printing ${pattern}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${output}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Runs an entry point to its end (a CLI command); rejects with its output when it exits non-zero. */
export async function runArchiverCommand(name: string, entry: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const command = startArchiverProcess(name, entry, args, env);
  const code = await command.exited;
  if (code !== 0) throw new Error(`${name} exited with code ${code}:\n${command.output()}`);
  return command.output();
}
