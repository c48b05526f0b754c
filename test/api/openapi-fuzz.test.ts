import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../src/api/access.js';
import { createApiServer } from '../../src/api/server.js';
import { upsertRecordedUser } from '../../src/db/queries/recorded-users.js';
import { upsertTenant } from '../../src/db/queries/tenants.js';
import { simulatedTenantInput } from '../../src/demo/demo-tenant.js';
import { runInfraScript } from '../../src/local/infra-scripts.js';
import { applyTenantSchedules } from '../../src/schedules/tenant-schedules.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { startE2eWorld, type E2eWorld } from '../e2e/helpers.js';

// The support API fuzzed from its own OpenAPI document by schemathesis (PyPI, installed by
// scripts/infra/install-schemathesis.sh) against the real server on the real database, Temporal
// and S3, with a worker and the Zoom simulator behind it: no 5xx, and every response (status,
// content type, headers, body) as the document says; invalid requests refused.

let world: E2eWorld;
let sim: RunningSimulator;
let app: FastifyInstance;
let baseUrl: string;
let st: string;
let token: string;
let scheduleIds: string[] = [];

beforeAll(async () => {
  st = runInfraScript('install-schemathesis');
  // A worker runs beside the API, as in production: queries are answered, recoveries run.
  world = await startE2eWorld('api-fuzz');
  sim = await startSimulator({ seed: 77, now: new Date(), freezeClock: true, tenants: [{ users: 2, days: 2, meetingsPerDay: 2, phoneCallsPerDay: 0, mediaScale: 0.01 }] });
  // A tenant the fuzzer may hit by name ("demo" is its documented example), on the simulated Zoom account.
  const zoom = sim.tenants[0]!;
  const tenant = await upsertTenant(world.database.db, world.secrets, simulatedTenantInput('demo', 'demo', zoom, { archivingEnabled: true, cloudRecordingsEnabled: true }));
  // Its schedules exist, so pause, unpause, trigger and backfill reach Temporal.
  scheduleIds = (await applyTenantSchedules(world.temporal.client, tenant, { taskQueue: world.temporal.taskQueue })).created;
  const user = (await sim.control.groundTruth(zoom.accountId)).users[0]!;
  await upsertRecordedUser(world.database.db, 'demo', { zoomUserId: user.id, email: user.email, name: user.display_name, modality: 'video', individualAudio: false });
  token = (await issueApiKey(world.database.db, { name: 'fuzzer', role: 'operator', tenants: null })).token;
  app = createApiServer({ db: world.database.db, secrets: world.secrets, temporal: { client: world.temporal.client, taskQueue: world.temporal.taskQueue }, apiTokens: [], rateLimitPerMinute: 1_000_000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}, 300_000);

afterAll(async () => {
  for (const id of scheduleIds) await world.temporal.client.schedule.getHandle(id).delete().catch(() => undefined);
  await app?.close();
  await sim?.close();
  await world?.close();
});

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // In a folder of its own: schemathesis keeps a cache of crashes where it runs.
    const cwd = mkdtempSync(join(tmpdir(), 'za-schemathesis-'));
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false' } });
    child.on('close', () => rmSync(cwd, { recursive: true, force: true }));
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('the support API under schemathesis', () => {
  it('answers every generated request without a server error and as its OpenAPI document says', async () => {
    const { code, output } = await run(st, [
      'run', `${baseUrl}/openapi.json`,
      '--header', `Authorization: Bearer ${token}`,
      '--checks', 'not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection',
      '--phases', 'examples,coverage,fuzzing',
      '--max-examples', '40',
      // One worker: hypothesis describes its filters with ast.parse, which CPython 3.11 can fail
      // ("AST constructor recursion depth mismatch") when two threads parse at once.
      '--workers', '1',
      '--seed', '20261204',
      '--no-color',
    ]);
    // The summary names each failure and how to reproduce it with curl.
    // FUZZ_OUTPUT=<file> keeps schemathesis's whole report.
    if (process.env.FUZZ_OUTPUT) writeFileSync(process.env.FUZZ_OUTPUT, output);
    console.log(output.split('\n').slice(-60).join('\n'));
    expect(output).toMatch(/operations? (?:tested|selected)|API Operations/i);
    expect(code, output.slice(-8000)).toBe(0);
  }, 600_000);
});
