import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The shell scripts in scripts/infra/ install, build and cache the real servers; this runs one
// and returns what it prints (a binary path or a URL). Their progress goes to our stderr.
const scriptsDir = fileURLToPath(new URL('../../scripts/infra/', import.meta.url));

export type InfraScript = 'install-temporal-cli' | 'install-test-server' | 'install-s3-server' | 'start-postgres' | 'install-schemathesis';

export function runInfraScript(script: InfraScript): string {
  try {
    return execFileSync('bash', [`${scriptsDir}${script}.sh`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
  } catch (err) {
    throw new Error(`scripts/infra/${script}.sh failed (its message is above): ${(err as Error).message}`, { cause: err });
  }
}
