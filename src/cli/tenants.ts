import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEnv } from '../config/env.js';
import { applyTenantsFile, loadTenantsFile, TenantsFileError, type ApplyCounts } from '../config/tenants-file.js';
import { databaseOptionsFromEnv, openDatabase, type Database } from '../db/client.js';
import { createZoomClients } from '../activities/zoom-clients.js';
import { loadSecretBox, type SecretBox } from '../security/secrets.js';
import { prepareNamespaceOf } from '../temporal/prepare-namespace.js';

// `tsx src/cli/tenants.ts validate <file>`: checks a tenants file (and that its env secrets are set).
// `tsx src/cli/tenants.ts apply <file>`: writes it to the database named by DATABASE_URL / DATA_DIR,
// then syncs the schedules on the cluster named by TEMPORAL_ADDRESS.

const USAGE = `usage: tsx src/cli/tenants.ts <validate|apply> <tenants file (.yaml, .yml or .json)>

  validate  check the file and that every { env: NAME } secret is set; writes nothing
  apply     create or update its tenants and recorded users (idempotent), in one transaction

The database is DATABASE_URL, else the embedded one in DATA_DIR (default ./data); secrets are
sealed with ARCHIVER_SECRET_KEY, else DATA_DIR/secret.key. With TEMPORAL_ADDRESS set, apply then
registers missing search attributes and brings every tenant's schedules in line (as
\`schedules sync\` does); without it, npm start or the next worker to start does that.`;

const counts = (c: ApplyCounts) => `${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged`;

export async function runTenantsCli(args: string[], out: (line: string) => void = console.log): Promise<number> {
  const [command, file, ...rest] = args;
  if ((command !== 'validate' && command !== 'apply') || !file || rest.length > 0) {
    out(USAGE);
    return 2;
  }
  const path = resolve(file);
  const config = await loadTenantsFile(path);
  const users = config.tenants.reduce((n, t) => n + t.users.length, 0);
  if (command === 'validate') {
    out(`${file} is valid: ${config.tenants.length} tenant(s), ${users} recorded user(s)`);
    return 0;
  }

  const env = readEnv();
  const secrets = loadSecretBox({ ...(env.ARCHIVER_SECRET_KEY ? { secretKey: env.ARCHIVER_SECRET_KEY } : {}), dataDir: env.DATA_DIR });
  const { db, close } = await openDatabase(databaseOptionsFromEnv(env));
  try {
    const summary = await applyTenantsFile(db, secrets, config);
    out(`applied ${file}`);
    out(`  tenants: ${counts(summary.tenants)}`);
    out(`  recorded users: ${counts(summary.users)}`);
    if (summary.notInFile.tenants.length > 0) {
      out(`  note: tenants in the database but not in the file were left as they are: ${summary.notInFile.tenants.join(', ')}`);
    }
    if (summary.notInFile.users.length > 0) {
      const list = summary.notInFile.users.map((u) => `${u.tenantId}/${u.zoomUserId}`).join(', ');
      out(`  note: recorded users in the database but not in the file are still recorded (set enabled: false to stop): ${list}`);
    }
    for (const tenant of config.tenants) await reportUnknownUsers(db, secrets, tenant.id, tenant.users.filter((u) => u.enabled !== false).map((u) => u.zoomUserId), out);
    if (!env.TEMPORAL_ADDRESS) {
      out('  schedules: not synced here (TEMPORAL_ADDRESS is not set); npm start or the next worker to start syncs them');
      return 0;
    }
    await prepareNamespaceOf(env, db, (line) => out(`  ${line}`));
    return 0;
  } finally {
    await close();
  }
}

/**
 * Names the recorded users Zoom does not know (deleted, or a typo in the file): their meetings
 * could never be listed. One users listing per tenant (two calls per 300 users) says so cheaply;
 * when Zoom cannot be asked, that is said instead and the apply stands.
 */
async function reportUnknownUsers(db: Database, secrets: SecretBox, tenantId: string, zoomUserIds: string[], out: (line: string) => void): Promise<void> {
  if (zoomUserIds.length === 0) return;
  const clients = createZoomClients(db, secrets);
  try {
    const zoom = await clients.forTenant(tenantId);
    const known = new Set((await zoom.listAllUsers().toArray()).map((u) => u.id));
    const unknown = zoomUserIds.filter((id) => !known.has(id));
    out(unknown.length === 0
      ? `  ${tenantId}: all ${zoomUserIds.length} recorded user(s) are users of the Zoom account`
      : `  warning: ${tenantId}: Zoom does not know recorded user(s) ${unknown.join(', ')} (deleted, or a typo?): their meetings cannot be listed`);
  } catch (err) {
    out(`  note: ${tenantId}: could not ask Zoom whether the recorded users exist: ${(err as Error).message}`);
  } finally {
    await clients.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runTenantsCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(err instanceof TenantsFileError ? err.message : `tenants: ${err.message}`);
      process.exit(1);
    },
  );
}
