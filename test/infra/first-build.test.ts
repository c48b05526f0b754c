import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Runs scripts/infra/*.sh as on a machine that never built anything: an empty, new ZA_CACHE_DIR,
// and stand-ins for go, mvn, java and Debian's PostgreSQL tools (test/infra/stubs/) so a "first
// build" takes seconds. PATH holds only the stubs and a few symlinked basic tools, so no real
// toolchain or apt-get can run by mistake. What the scripts did is read from the stubs' call log.

const infraDir = fileURLToPath(new URL('../../scripts/infra/', import.meta.url));
const stubsDir = fileURLToPath(new URL('./stubs/', import.meta.url));
const STUBS = readdirSync(stubsDir);
// What the scripts and the stubs call besides the stubs; each is symlinked from the real PATH.
const TOOLS = ['bash', 'env', 'cat', 'chmod', 'cp', 'mkdir', 'mktemp', 'mv', 'rm', 'ls', 'touch', 'basename', 'dirname',
  'head', 'tail', 'sort', 'sed', 'awk', 'grep', 'tr', 'seq', 'sleep', 'flock'];

const TEMPORAL_CLI = { script: 'install-temporal-cli.sh', module: 'github.com/temporalio/cli', version: 'v1.5.1', out: 'temporal-cli-v1.5.1/temporal', alt: /TEMPORAL_CLI_PATH/ };
const VERSITYGW = { script: 'install-s3-server.sh', module: 'github.com/versity/versitygw', version: 'v1.8.0', out: 'versitygw-v1.8.0/versitygw', alt: /S3_ENDPOINT/ };
const TEST_SERVER_HOME = 'temporal-test-server-1.34.0';
const URL_5433 = 'postgres://archiver_test:archiver_test@127.0.0.1:5433/archiver_test';

let root: string;
let toolsDir: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'za-infra-first-build-'));
  toolsDir = join(root, 'tools');
  mkdirSync(toolsDir);
  const path = (process.env.PATH ?? '').split(delimiter);
  for (const tool of TOOLS) {
    const found = path.map((dir) => join(dir, tool)).find((file) => isExecutable(file));
    if (!found) throw new Error(`'${tool}' is not on PATH; the infra scripts need it`);
    symlinkSync(found, join(toolsDir, tool));
  }
});

afterAll(() => {
  if (!root) return;
  // The stub module folders are read-only, like Go's module cache.
  spawnSync('chmod', ['-R', 'u+w', root]);
  rmSync(root, { recursive: true, force: true });
});

interface Sandbox {
  dir: string;
  cache: string;
  state: string;
  pgLib: string;
  env: Record<string, string>;
}

/** A machine of its own: an empty cache that does not exist yet, stubs on PATH (less `without`). */
function sandbox(options: { without?: string[]; env?: Record<string, string> } = {}): Sandbox {
  const dir = mkdtempSync(join(root, 'case-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const stub of STUBS.filter((name) => !options.without?.includes(name))) {
    copyFileSync(join(stubsDir, stub), join(bin, stub));
    spawnSync('chmod', ['755', join(bin, stub)]);
  }
  const state = join(dir, 'state');
  const home = join(dir, 'home');
  const tmp = join(dir, 'tmp');
  for (const folder of [state, home, tmp]) mkdirSync(folder);
  const cache = join(dir, 'cache', 'zoom-archiver');
  const pgLib = join(dir, 'usr-lib-postgresql');
  const env = {
    PATH: `${bin}:${toolsDir}`,
    HOME: home,
    TMPDIR: tmp,
    LC_ALL: 'C',
    ZA_CACHE_DIR: cache,
    PG_LIB_DIR: pgLib,
    STUB_LOG: join(dir, 'calls.log'),
    STUB_STATE: state,
    ...options.env,
  };
  return { dir, cache, state, pgLib, env };
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(sb: Sandbox, script: string, env: Record<string, string> = {}): Promise<Result> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(join(toolsDir, 'bash'), [join(infraDir, script)], {
      cwd: sb.dir,
      env: { ...sb.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

function expectSuccess(result: Result): void {
  expect(result.code, `exit code; stderr:\n${result.stderr}`).toBe(0);
}

/** The stubs' call log: one line per call, "tool args...", optionally only one tool's. */
function calls(sb: Sandbox, tool?: string): string[] {
  if (!existsSync(sb.env.STUB_LOG!)) return [];
  const lines = readFileSync(sb.env.STUB_LOG!, 'utf8').split('\n').filter(Boolean);
  return tool ? lines.filter((line) => line.startsWith(`${tool} `)) : lines;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function progressLines(stderr: string, what: string): string[] {
  const escaped = what.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return stderr.split('\n').filter((line) => new RegExp(`^\\[infra\\] still ${escaped}: (\\d+m)?\\d+s so far$`).test(line));
}

describe.each([TEMPORAL_CLI, VERSITYGW])('$script (Go build)', ({ script, module, version, out, alt }) => {
  it('builds into an empty, new cache, then the second run is a cache hit', async () => {
    const sb = sandbox();
    expect(existsSync(sb.cache)).toBe(false);
    const binary = join(sb.cache, out);

    const first = await run(sb, script);
    expectSuccess(first);
    expect(first.stdout).toBe(`${binary}\n`);
    expect(isExecutable(binary)).toBe(true);
    expect(spawnSync(binary, ['--version'], { env: sb.env, encoding: 'utf8' }).stdout).toContain(module);
    expect(calls(sb, 'go').filter((c) => c.startsWith('go mod download'))).toEqual([`go mod download -json ${module}@${version}`]);
    const builds = calls(sb, 'go').filter((c) => c.startsWith('go build'));
    expect(builds).toHaveLength(1);
    expect(builds[0]).toContain(` -o ${binary}.tmp `);
    // A fast step says nothing more than that it builds (no progress lines), and does not wait
    // on the progress reporter's 15 s sleep. The bound: the stubbed build takes about a second, so
    // 10 s leaves a loaded machine 9 s, and waiting out the sleep would take at least 15 s.
    expect(first.stderr).not.toMatch(/still /);
    expect(first.ms).toBeLessThan(10_000);

    const callsBefore = calls(sb).length;
    const second = await run(sb, script);
    expectSuccess(second);
    expect(second.stdout).toBe(`${binary}\n`);
    expect(calls(sb)).toHaveLength(callsBefore);
  });

  it('two first runs at once both succeed with one build', async () => {
    const sb = sandbox({ env: { STUB_GO_BUILD_SECONDS: '1' } });
    const binary = join(sb.cache, out);
    const results = await Promise.all([run(sb, script), run(sb, script)]);
    for (const result of results) {
      expectSuccess(result);
      expect(result.stdout).toBe(`${binary}\n`);
    }
    expect(calls(sb, 'go').filter((c) => c.startsWith('go build'))).toHaveLength(1);
    expect(calls(sb, 'go').filter((c) => c.startsWith('go mod download'))).toHaveLength(1);
  });

  it('without go: names Go, the version needed, where to get it and what to do instead', async () => {
    const sb = sandbox({ without: ['go'] });
    const result = await run(sb, script);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/ERROR: 'go' is not installed/);
    expect(result.stderr).toContain(`install Go 1.25+ (https://go.dev/dl) to build ${module}@${version}, or `);
    expect(result.stderr).toMatch(alt);
    expect(existsSync(join(sb.cache, out))).toBe(false);
  });

  it('with a Go older than the module needs: fails before downloading, naming both versions', async () => {
    const sb = sandbox({ env: { STUB_GO_VERSION: '1.22.5' } });
    const result = await run(sb, script);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('ERROR: Go 1.22.5 is too old (needs 1.25+): install Go 1.25+ (https://go.dev/dl)');
    expect(result.stderr).toMatch(alt);
    expect(calls(sb, 'go')).toEqual(['go env GOVERSION']);
  });

  it("with a module whose go.mod needs a newer Go than the pin: fails before building", async () => {
    const sb = sandbox({ env: { STUB_GO_VERSION: '1.26.0', STUB_GO_MOD_GO: '1.27.1' } });
    const result = await run(sb, script);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('ERROR: Go 1.26.0 is too old (needs 1.27.1+): install Go 1.27.1+');
    expect(calls(sb, 'go').filter((c) => c.startsWith('go build'))).toEqual([]);
  });

  it('a failed build shows the compiler output and leaves no binary; the next run builds', async () => {
    const sb = sandbox();
    const failed = await run(sb, script, { STUB_GO_BUILD_FAILS: '1' });
    expect(failed.code).not.toBe(0);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toContain('stub compile error');
    expect(failed.stderr).toMatch(new RegExp(`go build of ${module}@${version} failed \\(log: `));
    expect(existsSync(join(sb.cache, out))).toBe(false);

    const retried = await run(sb, script);
    expectSuccess(retried);
    expect(calls(sb, 'go').filter((c) => c.startsWith('go build'))).toHaveLength(2);
  });
});

describe('progress during a long first build', () => {
  it('says every ZA_PROGRESS_SECONDS on stderr that a slow go build still runs; stdout stays the path', async () => {
    const sb = sandbox({ env: { STUB_GO_BUILD_SECONDS: '3', ZA_PROGRESS_SECONDS: '1' } });
    const result = await run(sb, TEMPORAL_CLI.script);
    expectSuccess(result);
    expect(result.stdout).toBe(`${join(sb.cache, TEMPORAL_CLI.out)}\n`);
    expect(progressLines(result.stderr, 'building github.com/temporalio/cli@v1.5.1').length).toBeGreaterThanOrEqual(2);
  });

  it('reports a slow go mod download and a slow mvn the same way', async () => {
    const sb = sandbox({ env: { STUB_GO_DOWNLOAD_SECONDS: '2', STUB_MVN_SECONDS: '2', ZA_PROGRESS_SECONDS: '1' } });
    const [cli, testServer] = await Promise.all([run(sb, TEMPORAL_CLI.script), run(sb, 'install-test-server.sh')]);
    expectSuccess(cli);
    expectSuccess(testServer);
    expect(progressLines(cli.stderr, 'downloading github.com/temporalio/cli@v1.5.1').length).toBeGreaterThanOrEqual(1);
    expect(progressLines(testServer.stderr, 'resolving io.temporal:temporal-test-server:1.34.0').length).toBeGreaterThanOrEqual(1);
    expect(testServer.stdout).toBe(`${join(sb.cache, TEST_SERVER_HOME, 'temporal-test-server')}\n`);
  });

  it('writes minutes as 1m30s', () => {
    const result = spawnSync(join(toolsDir, 'bash'), ['-c', `source "${infraDir}lib.sh"; duration 5; duration 90; duration 600`], {
      env: sandbox().env,
      encoding: 'utf8',
    });
    expect(result.stdout).toBe('5s\n1m30s\n10m0s\n');
  });
});

describe('install-test-server.sh (Maven + java)', () => {
  it('resolves into an empty, new cache with a working wrapper, then the second run is a cache hit', async () => {
    const sb = sandbox({ env: { STUB_JAVA_WRITES_ARCHIVE: '1' } });
    const home = join(sb.cache, TEST_SERVER_HOME);
    const exe = join(home, 'temporal-test-server');

    const first = await run(sb, 'install-test-server.sh');
    expectSuccess(first);
    expect(first.stdout).toBe(`${exe}\n`);
    expect(isExecutable(exe)).toBe(true);
    expect(readdirSync(join(home, 'lib'))).toContain('temporal-test-server-1.34.0.jar');
    expect(existsSync(join(home, 'app.jsa'))).toBe(true);
    const mvn = calls(sb, 'mvn');
    expect(mvn).toHaveLength(1);
    expect(mvn[0]).toContain(`-f ${infraDir}test-server/pom.xml`);
    expect(mvn[0]).toContain('-Dtemporal.test.server.version=1.34.0');
    expect(calls(sb, 'java')).toEqual([expect.stringContaining(`-XX:ArchiveClassesAtExit=${home}/app.jsa`)]);

    // The wrapper starts the server with the archive, the resolved classpath and the SDK's arguments.
    const wrapper = spawnSync(exe, ['7233', '--enable-time-skipping'], { env: sb.env, encoding: 'utf8' });
    expect(wrapper.status, wrapper.stderr).toBe(0);
    expect(calls(sb, 'java').at(-1)).toBe(
      `java -XX:SharedArchiveFile=${home}/app.jsa -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -cp ${home}/lib/* io.temporal.testserver.TestServer 7233 --enable-time-skipping`,
    );

    const callsBefore = calls(sb).length;
    const second = await run(sb, 'install-test-server.sh');
    expectSuccess(second);
    expect(second.stdout).toBe(`${exe}\n`);
    expect(calls(sb)).toHaveLength(callsBefore);
  });

  it('a java that exits at once does not cost the 30 s wait for its port', async () => {
    const sb = sandbox({ env: { STUB_JAVA_EXIT: '1' } });
    const result = await run(sb, 'install-test-server.sh');
    expectSuccess(result);
    expect(result.stderr).toContain('no class-data sharing archive was written');
    // The stubbed run takes about a second; waiting for the port would take 30 s: 10 s sits
    // between them with a wide margin on both sides.
    expect(result.ms).toBeLessThan(10_000);
  });

  it('two first runs at once both succeed with one Maven resolve', async () => {
    const sb = sandbox({ env: { STUB_MVN_SECONDS: '1' } });
    const exe = join(sb.cache, TEST_SERVER_HOME, 'temporal-test-server');
    const results = await Promise.all([run(sb, 'install-test-server.sh'), run(sb, 'install-test-server.sh')]);
    for (const result of results) {
      expectSuccess(result);
      expect(result.stdout).toBe(`${exe}\n`);
    }
    expect(calls(sb, 'mvn')).toHaveLength(1);
    expect(calls(sb, 'java')).toHaveLength(1);
  });

  it.each(['mvn', 'java'])('without %s: names it and what to do instead', async (tool) => {
    const sb = sandbox({ without: [tool] });
    const result = await run(sb, 'install-test-server.sh');
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`ERROR: '${tool}' is not installed: install ${tool === 'mvn' ? 'Maven' : 'a Java 17+ runtime'}`);
    expect(result.stderr).toContain('TEMPORAL_TEST_SERVER_PATH');
    expect(result.stderr).toContain('TEMPORAL_TEST_SERVER_DOWNLOAD=1');
    expect(calls(sb, 'mvn')).toEqual([]);
  });

  it('a failed Maven resolve shows its output and leaves no wrapper', async () => {
    const sb = sandbox({ env: { STUB_MVN_FAILS: '1' } });
    const result = await run(sb, 'install-test-server.sh');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('[ERROR] Failed to execute goal (stub)');
    expect(result.stderr).toContain('Maven could not resolve io.temporal:temporal-test-server:1.34.0');
    expect(existsSync(join(sb.cache, TEST_SERVER_HOME, 'temporal-test-server'))).toBe(false);
  });
});

describe('start-postgres.sh (Debian PostgreSQL)', () => {
  const creates = (sb: Sandbox) => calls(sb).filter((c) => /^(apt-get|pg_createcluster|pg_ctlcluster) |create (role|database)/.test(c));

  it('on a machine without PostgreSQL: installs it, creates and starts the cluster, the role and the database', async () => {
    const sb = sandbox();
    const first = await run(sb, 'start-postgres.sh');
    expectSuccess(first);
    expect(first.stdout).toBe(`${URL_5433}\n`);
    expect(creates(sb)).toEqual([
      'apt-get update -qq',
      'apt-get install -y -qq postgresql',
      'pg_createcluster 15 main',
      'pg_ctlcluster 15 main start',
      expect.stringMatching(/^runuser -u postgres -- psql -p 5433 .* create role archiver_test login createdb/),
      expect.stringMatching(/^runuser -u postgres -- psql -p 5433 .* create database archiver_test owner archiver_test$/),
    ]);
    // The test role may end an autovacuum worker when it drops a database `with (force)`.
    expect(calls(sb)).toContainEqual(expect.stringMatching(/^runuser -u postgres -- psql -p 5433 .* grant pg_signal_backend to archiver_test$/));

    const second = await run(sb, 'start-postgres.sh');
    expectSuccess(second);
    expect(second.stdout).toBe(`${URL_5433}\n`);
    expect(creates(sb)).toHaveLength(6);
  });

  it('installed with its cluster down: only starts the newest version’s cluster', async () => {
    const sb = sandbox();
    for (const major of ['9.6', '13', '16']) {
      mkdirSync(join(sb.pgLib, major, 'bin'), { recursive: true });
      writeFileSync(join(sb.pgLib, major, 'bin', 'initdb'), '', { mode: 0o755 });
    }
    writeFileSync(join(sb.state, 'clusters'), '13 main 5432 online postgres /x /y\n16 main 5434 down postgres /x /y\n');
    writeFileSync(join(sb.state, 'role'), '');
    writeFileSync(join(sb.state, 'database'), '');
    const result = await run(sb, 'start-postgres.sh');
    expectSuccess(result);
    expect(result.stdout).toBe('postgres://archiver_test:archiver_test@127.0.0.1:5434/archiver_test\n');
    expect(creates(sb)).toEqual(['pg_ctlcluster 16 main start']);
  });

  it('installed, no cluster yet: creates and starts it', async () => {
    const sb = sandbox();
    mkdirSync(join(sb.pgLib, '15', 'bin'), { recursive: true });
    writeFileSync(join(sb.pgLib, '15', 'bin', 'initdb'), '', { mode: 0o755 });
    const result = await run(sb, 'start-postgres.sh');
    expectSuccess(result);
    expect(result.stdout).toBe(`${URL_5433}\n`);
    expect(creates(sb).slice(0, 2)).toEqual(['pg_createcluster 15 main', 'pg_ctlcluster 15 main start']);
  });

  it('not installed and not root: says so and names DATABASE_URL, installs nothing', async () => {
    const sb = sandbox({ env: { STUB_UID: '1000' } });
    const result = await run(sb, 'start-postgres.sh');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/PostgreSQL is not installed and this is not root: .*DATABASE_URL/);
    expect(calls(sb, 'apt-get')).toEqual([]);
  });

  it('not installed and no apt-get: says so', async () => {
    const sb = sandbox({ without: ['apt-get'] });
    const result = await run(sb, 'start-postgres.sh');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/'apt-get' is not installed: .*DATABASE_URL/);
  });

  it('a cluster that will not start: says so', async () => {
    const sb = sandbox({ env: { STUB_PG_START_FAILS: '1' } });
    const result = await run(sb, 'start-postgres.sh');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('PostgreSQL 15 would not start');
    expect(result.stdout).toBe('');
  });

  it('DATABASE_URL set: prints it and touches nothing', async () => {
    const sb = sandbox();
    const result = await run(sb, 'start-postgres.sh', { DATABASE_URL: 'postgres://u:p@db:5432/x' });
    expectSuccess(result);
    expect(result.stdout).toBe('postgres://u:p@db:5432/x\n');
    expect(calls(sb)).toEqual([]);
  });
});

describe('ensure-all.sh', () => {
  it('on an empty, new cache: builds and starts everything once; the second run builds nothing', async () => {
    const sb = sandbox({ env: { STUB_JAVA_WRITES_ARCHIVE: '1' } });
    const first = await run(sb, 'ensure-all.sh');
    expectSuccess(first);
    expect(first.stdout).toBe('');
    expect(first.stderr).toContain(`[infra] Temporal CLI: ${join(sb.cache, TEMPORAL_CLI.out)} (stub ${TEMPORAL_CLI.module} version`);
    expect(first.stderr).toContain(`[infra] time-skipping test server: ${join(sb.cache, TEST_SERVER_HOME, 'temporal-test-server')}\n`);
    expect(first.stderr).toContain(`[infra] S3 server: ${join(sb.cache, VERSITYGW.out)} (stub ${VERSITYGW.module} version`);
    expect(first.stderr).toContain('[infra] PostgreSQL: postgres://archiver_test:***@127.0.0.1:5433/archiver_test\n');
    expect(first.stderr).toMatch(/\[infra\] servers ready in \d+ s/);
    expect(calls(sb, 'go').filter((c) => c.startsWith('go build'))).toHaveLength(2);
    expect(calls(sb, 'mvn')).toHaveLength(1);
    expect(calls(sb, 'apt-get')).toHaveLength(2);
    expect(calls(sb, 'pg_createcluster')).toHaveLength(1);

    const builders = (sb2: Sandbox) => calls(sb2).filter((c) => /^(go (mod|build)|mvn|java|apt-get|pg_createcluster|pg_ctlcluster) /.test(c));
    const before = builders(sb).length;
    const second = await run(sb, 'ensure-all.sh');
    expectSuccess(second);
    expect(builders(sb)).toHaveLength(before);
  });
});
