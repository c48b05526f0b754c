import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { createTestDatabase, type TestDatabase } from '../harness/index.js';
import { runArchiverCommand } from '../harness/processes.js';

// `tenants apply` as ops run it (a process of its own, configured by its environment), on a real
// PostgreSQL database and the simulator over HTTP: a recorded user Zoom does not know is named.

let sim: RunningSimulator;
let database: TestDatabase;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  sim = await startSimulator({ seed: 1212, tenants: [{ users: 3, inactiveUsers: 1, days: 1, meetingsPerDay: 0, phoneCallsPerDay: 0 }] });
  database = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'za-tenants-cli-'));
  env = {
    PATH: process.env.PATH, HOME: process.env.HOME,
    DATABASE_URL: database.url, DATA_DIR: join(dir, 'data'), ARCHIVER_SECRET_KEY: randomBytes(32).toString('base64'),
    ZOOM_SECRET: sim.tenants[0]!.clientSecret,
  };
});

afterAll(async () => {
  await sim?.close();
  await database?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function tenantsFile(name: string, apiBaseUrl: string, userIds: string[]): string {
  const zoom = sim.tenants[0]!;
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({
    tenants: [{
      id: 'acme', name: 'Acme', accountId: zoom.accountId, clientId: zoom.clientId, clientSecret: { env: 'ZOOM_SECRET' },
      apiBaseUrl, oauthTokenUrl: zoom.oauthTokenUrl, sources: ['cloud_recordings'],
      users: userIds.map((id, i) => ({ zoomUserId: id, email: `user${i}@acme.example`, name: `User ${i}`, modality: 'voice' })),
    }],
  }));
  return path;
}

describe('tenants apply', () => {
  it('names the recorded users the Zoom account does not have (deactivated users are users)', async () => {
    const truth = await sim.control.groundTruth(sim.tenants[0]!.accountId);
    const inactive = truth.users.find((u) => u.status === 'inactive')!;
    expect(inactive).toBeDefined();
    const typo = `${truth.users[0]!.id}x`;
    const out = await runArchiverCommand('tenants apply', 'src/cli/tenants.ts', ['apply', tenantsFile('typo', sim.tenants[0]!.apiBaseUrl, [truth.users[0]!.id, inactive.id, typo])], env);
    expect(out).toContain('tenants: 1 created');
    expect(out).toContain(`warning: acme: Zoom does not know recorded user(s) ${typo} (deleted, or a typo?)`);

    const fixed = await runArchiverCommand('tenants apply', 'src/cli/tenants.ts', ['apply', tenantsFile('fixed', sim.tenants[0]!.apiBaseUrl, [truth.users[0]!.id, inactive.id])], env);
    expect(fixed).toContain('acme: all 2 recorded user(s) are users of the Zoom account');
  });

  it('applies all the same when Zoom cannot be asked, and says so', async () => {
    const out = await runArchiverCommand('tenants apply', 'src/cli/tenants.ts', ['apply', tenantsFile('offline', 'http://127.0.0.1:9/v2', ['someone'])], env);
    expect(out).toContain('tenants: 0 created, 1 updated');
    expect(out).toMatch(/note: acme: could not ask Zoom whether the recorded users exist: /);
  });
});
