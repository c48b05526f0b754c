import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyTenantsFile, loadTenantsFile, parseTenantsFile, TenantsFileError } from '../../src/config/tenants-file.js';
import { openDatabase, type OpenDatabase } from '../../src/db/client.js';
import { getRecordedUser, getTenant, getTenantCredentials } from '../../src/db/index.js';
import { createSecretBox, type SecretBox } from '../../src/security/secrets.js';
import { createTestDatabase, type TestDatabase } from '../harness/index.js';

const run = promisify(execFile);
const env = { ACME_SECRET: 'acme-client-secret-3f9a', ACME_WEBHOOK: 'acme-webhook-token-7c21' };

const validYaml = `
tenants:
  - id: acme
    name: Acme
    accountId: acc-1
    clientId: cid-1
    clientSecret: { env: ACME_SECRET }
    webhookSecretToken: { env: ACME_WEBHOOK }
    plan: business
    apiBaseUrl: http://127.0.0.1:9999/v2
    oauthTokenUrl: http://127.0.0.1:9999/oauth/token
    sources: [archiving, cloud_recordings]
    pollIntervalSeconds: 120
    options: { deleteAfterArchive: true }
    users:
      - { zoomUserId: u1, email: one@acme.example, name: One, modality: video, individualAudio: true }
      - { zoomUserId: u2, email: two@acme.example, name: Two, modality: voice, phoneExtension: "1002" }
  - id: globex
    name: Globex
    accountId: acc-2
    clientId: cid-2
    clientSecret: literal-secret-for-globex
`;

/** The problems of a file that must be refused. */
function problemsOf(text: string, source = 'tenants.yaml', withEnv: NodeJS.ProcessEnv = env): string[] {
  try {
    parseTenantsFile(text, { env: withEnv, source });
  } catch (err) {
    expect(err).toBeInstanceOf(TenantsFileError);
    return (err as TenantsFileError).problems;
  }
  throw new Error('the file was accepted');
}

describe('tenants file validation', () => {
  it('reads YAML with env secrets, defaults and sources', () => {
    const file = parseTenantsFile(validYaml, { env });
    expect(file.tenants).toHaveLength(2);
    const [acme, globex] = file.tenants;
    expect(acme).toMatchObject({ clientSecret: env.ACME_SECRET, webhookSecretToken: env.ACME_WEBHOOK, plan: 'business', sources: ['archiving', 'cloud_recordings'] });
    expect(acme!.users[1]).toMatchObject({ modality: 'voice', individualAudio: false, enabled: true, phoneExtension: '1002' });
    expect(globex).toMatchObject({ apiBaseUrl: 'https://api.zoom.us/v2', oauthTokenUrl: 'https://zoom.us/oauth/token', plan: 'pro', sources: ['archiving'], pollIntervalSeconds: 300, users: [], options: { deleteAfterArchive: false } });
  });

  it('reads JSON when the file is .json', () => {
    const json = JSON.stringify({ tenants: [{ id: 'j', name: 'J', accountId: 'a', clientId: 'c', clientSecret: 's' }] });
    expect(parseTenantsFile(json, { source: 'tenants.json', env: {} }).tenants[0]!.id).toBe('j');
  });

  it('names the path of a bad modality', () => {
    const text = validYaml.replace('modality: voice', 'modality: audio');
    expect(problemsOf(text)).toEqual([expect.stringMatching(/^tenants\[0\]\.users\[1\]\.modality: .*voice.*video.*screen/)]);
  });

  it('names the environment variable that is not set', () => {
    expect(problemsOf(validYaml, 'tenants.yaml', { ACME_SECRET: 'x' })).toEqual([
      'tenants[0].webhookSecretToken: environment variable ACME_WEBHOOK is not set',
    ]);
  });

  it('refuses duplicate tenant ids and duplicate users of a tenant', () => {
    const text = `${validYaml.replace('zoomUserId: u2', 'zoomUserId: u1')}
  - id: acme
    name: Acme again
    accountId: acc-3
    clientId: cid-3
    clientSecret: s
`;
    expect(problemsOf(text)).toEqual([
      "tenants[0].users[1].zoomUserId: duplicate Zoom user id 'u1' in tenant 'acme' (already used by users[0])",
      "tenants[2].id: duplicate tenant id 'acme' (already used by tenants[0])",
    ]);
  });

  it('reports every problem at once: unknown keys, bad slug, bad email, bad regex', () => {
    const text = `
tenants:
  - id: Not_A_Slug
    name: X
    accountId: a
    clientId: c
    clientSecret: s
    sources: [archiving, fax]
    internalNumberPatterns: ['(']
    pollIntervall: 60
    users:
      - { zoomUserId: u, email: not-an-email, name: U, modality: voice }
`;
    const problems = problemsOf(text);
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^tenants\[0\]\.id: must be a slug/),
      expect.stringMatching(/^tenants\[0\]\.sources\[1\]: /),
      'tenants[0].internalNumberPatterns[0]: must be a valid regular expression',
      expect.stringMatching(/^tenants\[0\]: .*pollIntervall/),
      expect.stringMatching(/^tenants\[0\]\.users\[0\]\.email: /),
    ]));
    expect(problems).toHaveLength(5);
  });

  it('says when the text is not YAML at all', () => {
    expect(problemsOf('tenants: [ {', 'bad.yaml')[0]).toMatch(/^cannot be read as YAML/);
    expect(problemsOf('{"tenants": [', 'bad.json')[0]).toMatch(/^cannot be read as JSON/);
  });
});

describe('applying a tenants file', () => {
  let testDb: TestDatabase;
  let database: OpenDatabase;
  let secrets: SecretBox;
  let workDir: string;
  const key = randomBytes(32).toString('base64');

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openDatabase({ url: testDb.url });
    secrets = createSecretBox(key);
    workDir = mkdtempSync(join(tmpdir(), 'za-tenants-'));
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('creates, then changes nothing when applied again, then updates only what changed', async () => {
    const { db } = database;
    const first = await applyTenantsFile(db, secrets, parseTenantsFile(validYaml, { env }));
    expect(first.tenants).toEqual({ created: 2, updated: 0, unchanged: 0 });
    expect(first.users).toEqual({ created: 2, updated: 0, unchanged: 0 });
    const acme = await getTenant(db, 'acme');
    expect(acme).toMatchObject({ zoomApiBaseUrl: 'http://127.0.0.1:9999/v2', zoomOauthTokenUrl: 'http://127.0.0.1:9999/oauth/token', plan: 'business', archivingEnabled: true, cloudRecordingsEnabled: true, phoneEnabled: false, pollIntervalSeconds: 120, options: { deleteAfterArchive: true } });
    expect(await getRecordedUser(db, 'acme', 'u1')).toMatchObject({ modality: 'video', individualAudio: true, enabled: true });
    expect(await getTenantCredentials(db, secrets, 'acme')).toMatchObject({ zoomClientSecret: env.ACME_SECRET, webhookSecretToken: env.ACME_WEBHOOK });

    const again = await applyTenantsFile(db, secrets, parseTenantsFile(validYaml, { env }));
    expect(again.tenants).toEqual({ created: 0, updated: 0, unchanged: 2 });
    expect(again.users).toEqual({ created: 0, updated: 0, unchanged: 2 });
    expect((await getTenant(db, 'acme'))!.updatedAt).toEqual(acme!.updatedAt);

    const changed = validYaml.replace('modality: voice', 'modality: screen').replace(/ {2}- \{ zoomUserId: u1.*\n/, '');
    const third = await applyTenantsFile(db, secrets, parseTenantsFile(changed, { env: { ...env, ACME_WEBHOOK: 'rotated-token' } }));
    expect(third.tenants).toEqual({ created: 0, updated: 1, unchanged: 1 });
    expect(third.users).toEqual({ created: 0, updated: 1, unchanged: 0 });
    expect(third.notInFile.users).toEqual([{ tenantId: 'acme', zoomUserId: 'u1' }]);
    expect((await getTenantCredentials(db, secrets, 'acme')).webhookSecretToken).toBe('rotated-token');
  });

  it('keeps secrets sealed in the database', async () => {
    await applyTenantsFile(database.db, secrets, parseTenantsFile(validYaml, { env }));
    const rows = await database.db.execute(sql`select * from tenants`);
    const dump = JSON.stringify(rows);
    expect(dump).toContain('acc-1');
    for (const secret of [env.ACME_SECRET, env.ACME_WEBHOOK, 'literal-secret-for-globex']) expect(dump).not.toContain(secret);
  });

  it('applies all of a file or none of it', async () => {
    const bad = validYaml.replace('name: Acme\n', 'name: Acme renamed\n').replace('clientSecret: literal-secret-for-globex', 'clientSecret: s\n    proxyUrl: http://proxy.example:3128');
    const config = parseTenantsFile(bad, { env });
    // A second tenant that the database refuses (the schema's checks run there too).
    config.tenants[1]!.pollIntervalSeconds = -1;
    await expect(applyTenantsFile(database.db, secrets, config)).rejects.toThrow(/globex/);
    expect((await getTenant(database.db, 'acme'))!.name).toBe('Acme');
  });

  it('the CLI validates with clear errors and exit code 1, and applies idempotently', async () => {
    const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
    const goodPath = join(workDir, 'tenants.yaml');
    const badPath = join(workDir, 'bad.yaml');
    writeFileSync(goodPath, validYaml);
    writeFileSync(badPath, validYaml.replace('modality: voice', 'modality: audio'));
    const childEnv = { ...process.env, ...env, DATABASE_URL: testDb.url, ARCHIVER_SECRET_KEY: key, DATA_DIR: workDir };

    const failed = await run(tsx, ['src/cli/tenants.ts', 'validate', badPath], { env: childEnv }).then(() => undefined, (err: { code: number; stderr: string }) => err);
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('tenants[0].users[1].modality');

    const missingEnv = await run(tsx, ['src/cli/tenants.ts', 'validate', goodPath], { env: { ...childEnv, ACME_WEBHOOK: '' } }).then(() => undefined, (err: { code: number; stderr: string }) => err);
    expect(missingEnv?.code).toBe(1);
    expect(missingEnv?.stderr).toContain('environment variable ACME_WEBHOOK is empty');

    const valid = await run(tsx, ['src/cli/tenants.ts', 'validate', goodPath], { env: childEnv });
    expect(valid.stdout).toContain('2 tenant(s), 2 recorded user(s)');

    const applied = await run(tsx, ['src/cli/tenants.ts', 'apply', goodPath], { env: childEnv });
    expect(applied.stdout).toContain('tenants: 0 created, 0 updated, 2 unchanged');
    expect(applied.stdout).toContain('recorded users: 0 created, 0 updated, 2 unchanged');
    expect(applied.stdout).not.toContain(env.ACME_SECRET);
  }, 60_000);

  it('loads a file from disk and names it in errors', async () => {
    await expect(loadTenantsFile(join(workDir, 'absent.yaml'))).rejects.toThrow(/^invalid tenants file .*absent\.yaml:\n {2}- cannot be read/);
  });
});
